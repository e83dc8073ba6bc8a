package neo4j

import (
	"context"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/sla"
)

// SLAs implements sla.Store. An SLA is an (:SLA) node, linked
// (:SLA)-[:FOR_CUSTOMER]->(:BusinessUnit) and (:SLA)-[:COVERS]->(:Service);
// its targets and schedule are JSON properties. Events and reviews are
// nodes of their own.
type SLAs struct{ s *Store }

// SLAs returns the SLA part of the store.
func (s *Store) SLAs() *SLAs { return &SLAs{s: s} }

var _ sla.Store = (*SLAs)(nil)

// slaMigrations are the constraints and indexes of SLAs, their events and
// reviews.
func slaMigrations() []string {
	return []string{
		"CREATE CONSTRAINT sla_id IF NOT EXISTS FOR (s:SLA) REQUIRE s.id IS UNIQUE",
		"CREATE INDEX sla_name IF NOT EXISTS FOR (s:SLA) ON (s.name)",
		"CREATE INDEX sla_created_at IF NOT EXISTS FOR (s:SLA) ON (s.createdAt)",
		"CREATE INDEX sla_updated_at IF NOT EXISTS FOR (s:SLA) ON (s.updatedAt)",
		// The key makes each warning and breach exist once, whichever
		// evaluator records it first.
		"CREATE CONSTRAINT sla_event_key IF NOT EXISTS FOR (e:SLAEvent) REQUIRE e.key IS UNIQUE",
		"CREATE INDEX sla_event_ticket IF NOT EXISTS FOR (e:SLAEvent) ON (e.ticketId)",
		"CREATE INDEX sla_event_at IF NOT EXISTS FOR (e:SLAEvent) ON (e.at)",
		"CREATE INDEX sla_event_sla_at IF NOT EXISTS FOR (e:SLAEvent) ON (e.slaId, e.at)",
		"CREATE CONSTRAINT sla_review_id IF NOT EXISTS FOR (r:SLAReview) REQUIRE r.id IS UNIQUE",
	}
}

func slaToProps(a sla.SLA) (map[string]any, error) {
	targets, err := jsonProp(convert(a.Targets, targetToDoc))
	if err != nil {
		return nil, err
	}
	schedule, err := jsonProp(scheduleToDoc(a.Schedule))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id":               a.ID,
		"name":             a.Name,
		"description":      nullable(a.Description),
		"customerId":       a.CustomerID,
		"serviceIds":       list(a.ServiceIDs),
		"targets":          targets,
		"availability":     a.Availability,
		"schedule":         schedule,
		"warningThreshold": a.WarningThreshold,
		"reviewPeriod":     string(a.ReviewPeriod),
		"reviewStart":      a.ReviewStart,
		"pauseOn":          list(a.PauseOn),
		"raiseOnBreach":    a.RaiseOnBreach,
		"version":          int64(a.Version),
		"createdAt":        a.CreatedAt,
		"updatedAt":        a.UpdatedAt,
	}, nil
}

// slaFromProps decodes an SLA node; INTERNAL when its targets or schedule
// cannot be read.
func slaFromProps(p map[string]any) (sla.SLA, error) {
	a := sla.SLA{
		ID:        str(p, "id"),
		Version:   num(p, "version"),
		CreatedAt: tm(p, "createdAt"),
		UpdatedAt: tm(p, "updatedAt"),
		Terms: sla.Terms{
			Name:         str(p, "name"),
			Description:  str(p, "description"),
			CustomerID:   str(p, "customerId"),
			ServiceIDs:   idList(p["serviceIds"]),
			ReviewPeriod: sla.ReviewPeriod(str(p, "reviewPeriod")),
			ReviewStart:  tm(p, "reviewStart"),
		},
	}
	// SLAs stored before pause reasons were kept pause on the default.
	a.PauseOn = sla.DefaultPauseOn()
	if v, ok := p["pauseOn"]; ok && v != nil {
		a.PauseOn = strs(v)
	}
	a.RaiseOnBreach, _ = p["raiseOnBreach"].(bool)
	a.Availability, _ = p["availability"].(float64)
	a.WarningThreshold, _ = p["warningThreshold"].(float64)
	var err error
	if a.Targets, err = decodeList(p, "targets", "SLA", targetFromDoc); err != nil {
		return sla.SLA{}, err
	}
	var schedule scheduleDoc
	if err = decodeDoc(p, "schedule", "SLA", &schedule); err != nil {
		return sla.SLA{}, err
	}
	a.Schedule = scheduleFromDoc(schedule)
	return a, nil
}

const missingSLARefs = `
RETURN EXISTS { MATCH (:BusinessUnit {id: $customerId}) } AS customer,
       [id IN $serviceIds WHERE NOT EXISTS { MATCH (:Service:Item {id: id}) }] AS services`

func checkSLARefs(ctx context.Context, tx driver.ManagedTransaction, a sla.SLA) error {
	recs, err := collect(ctx, tx, missingSLARefs, map[string]any{"customerId": a.CustomerID, "serviceIds": list(a.ServiceIDs)})
	if err != nil {
		return err
	}
	if ok, _ := recs[0].Get("customer"); ok != true {
		return apperr.New(apperr.NotFound, "customerId: no business unit has id %q", a.CustomerID)
	}
	v, _ := recs[0].Get("services")
	if missing := strs(v); len(missing) > 0 {
		return apperr.New(apperr.NotFound, "serviceIds: no service has id %q", missing[0])
	}
	return nil
}

const writeSLA = `
MERGE (a:SLA {id: $id})
SET a = $props
WITH a
OPTIONAL MATCH (a)-[old:COVERS|FOR_CUSTOMER]->()
DELETE old
WITH DISTINCT a
MATCH (u:BusinessUnit {id: $props.customerId})
CREATE (a)-[:FOR_CUSTOMER]->(u)
WITH a
UNWIND $props.serviceIds AS sid
MATCH (s:Service:Item {id: sid})
CREATE (a)-[:COVERS]->(s)`

func putSLA(ctx context.Context, tx driver.ManagedTransaction, a sla.SLA) error {
	if err := checkSLARefs(ctx, tx, a); err != nil {
		return err
	}
	p, err := slaToProps(a)
	if err != nil {
		return err
	}
	_, err = collect(ctx, tx, writeSLA, map[string]any{"id": a.ID, "props": p})
	return err
}

// CreateSLA implements sla.Store.
func (m *SLAs) CreateSLA(ctx context.Context, a sla.SLA) (sla.SLA, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (sla.SLA, error) {
		return a, putSLA(ctx, tx, a)
	})
}

const lockSLA = `
MATCH (a:SLA {id: $id})
SET a._lock = true
REMOVE a._lock
RETURN properties(a) AS a`

// UpdateSLA implements sla.Store.
func (m *SLAs) UpdateSLA(ctx context.Context, id string, apply func(sla.SLA) (sla.SLA, error)) (sla.SLA, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (sla.SLA, error) {
		recs, err := collect(ctx, tx, lockSLA, map[string]any{"id": id})
		if err != nil {
			return sla.SLA{}, err
		}
		if len(recs) == 0 {
			return sla.SLA{}, apperr.New(apperr.NotFound, "no SLA has id %q", id)
		}
		cur, err := slaFromProps(props(recs[0], "a"))
		if err != nil {
			return sla.SLA{}, err
		}
		next, err := apply(cur)
		if err != nil {
			return sla.SLA{}, err
		}
		return next, putSLA(ctx, tx, next)
	})
}

const getSLAs = `
MATCH (a:SLA) WHERE a.id IN $ids
RETURN properties(a) AS a`

func (m *SLAs) query(ctx context.Context, cypher string, params map[string]any) ([]sla.SLA, error) {
	return readAll(ctx, m.s, cypher, params, "a", slaFromProps)
}

// GetSLAs implements sla.Store.
func (m *SLAs) GetSLAs(ctx context.Context, ids []string) ([]sla.SLA, error) {
	return m.query(ctx, getSLAs, map[string]any{"ids": ids})
}

const slasCovering = `
MATCH (a:SLA)-[:COVERS]->(s:Service:Item)
WHERE s.id IN $serviceIds
RETURN DISTINCT properties(a) AS a`

// SLAsCovering implements sla.Store.
func (m *SLAs) SLAsCovering(ctx context.Context, serviceIDs []string) ([]sla.SLA, error) {
	return m.query(ctx, slasCovering, map[string]any{"serviceIds": serviceIDs})
}

// ListSLAs implements sla.Store.
func (m *SLAs) ListSLAs(ctx context.Context, customerID string, p paging.Request) (paging.Page[sla.SLA], error) {
	return listBy(ctx, m.s, slaList(customerID), p, slaFromProps, func(a sla.SLA) (any, string) { return a.Name, a.ID })
}

// slaList lists SLAs by name, those of one customer when given.
func slaList(customerID string) listSpec {
	where := newConditions()
	where.equal("a", "customerId", "customerId", customerID)
	return listSpec{match: "MATCH (a:SLA)", v: "a", where: where, order: "name", sortName: "slas:name"}
}

const recordEvents = `
UNWIND $rows AS row
MERGE (e:SLAEvent {key: row.key})
ON CREATE SET e += row, e.created = $marker
WITH e, e.created = $marker AS fresh
REMOVE e.created
RETURN properties(e) AS e, fresh`

// RecordEvents implements sla.Store. The unique key constraint makes a
// concurrent MERGE of the same key wait and then match, so each event is
// created, reported and appended to the log once.
func (m *SLAs) RecordEvents(ctx context.Context, evs []sla.Event) ([]sla.Event, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	rows := make([]map[string]any, len(evs))
	for n, e := range evs {
		rows[n] = map[string]any{"key": e.Key(), "id": e.ID, "slaId": e.SLAID, "ticketId": e.TicketID, "metric": string(e.Metric),
			"kind": string(e.Kind), "priority": string(e.Priority), "at": e.At, "recordedAt": e.RecordedAt}
	}
	return write(ctx, m.s, func(tx driver.ManagedTransaction) ([]sla.Event, error) {
		recs, err := collect(ctx, tx, recordEvents, map[string]any{"rows": rows, "marker": evs[0].ID})
		if err != nil {
			return nil, err
		}
		var out []sla.Event
		for _, r := range recs {
			if fresh, _ := r.Get("fresh"); fresh == true {
				out = append(out, eventFromProps(props(r, "e")))
			}
		}
		logged, err := eventsFor(events.KindSLAEvent, func(e sla.Event) string { return e.ID }, sla.EventKeys, out...)
		if err != nil {
			return nil, err
		}
		return out, emit(ctx, tx, logged...)
	})
}

func eventFromProps(p map[string]any) sla.Event {
	return sla.Event{ID: str(p, "id"), SLAID: str(p, "slaId"), TicketID: str(p, "ticketId"), Metric: sla.Metric(str(p, "metric")),
		Kind: sla.EventKind(str(p, "kind")), Priority: sla.Priority(str(p, "priority")), At: tm(p, "at"), RecordedAt: tm(p, "recordedAt")}
}

const eventsOf = `
MATCH (e:SLAEvent) WHERE e.ticketId IN $ids
RETURN properties(e) AS e
ORDER BY e.at, e.id`

// Events implements sla.Store.
func (m *SLAs) Events(ctx context.Context, ticketIDs []string) ([]sla.Event, error) {
	return readAll(ctx, m.s, eventsOf, map[string]any{"ids": ticketIDs}, "e", infallible(eventFromProps))
}

// eventLog lists the events f selects, newest first.
func eventLog(f sla.EventFilter) listSpec {
	where := newConditions()
	where.equal("e", "slaId", "slaId", f.SLAID)
	where.equal("e", "ticketId", "ticketId", f.TicketID)
	in(where, "e", "kind", "kinds", f.Kinds)
	in(where, "e", "metric", "metrics", f.Metrics)
	if f.From != nil {
		where.add("e.at >= $from", "from", *f.From)
	}
	if f.To != nil {
		where.add("e.at < $to", "to", *f.To)
	}
	return listSpec{match: "MATCH (e:SLAEvent)", v: "e", where: where, order: "at", desc: true, sortName: "slaEvents:at:desc" + timeSortSuffix, created: "at"}
}

// EventLog implements sla.Store.
func (m *SLAs) EventLog(ctx context.Context, f sla.EventFilter, p paging.Request) (paging.Page[sla.Event], error) {
	return listBy(ctx, m.s, eventLog(f), p, infallible(eventFromProps), func(e sla.Event) (any, string) { return e.At, e.ID })
}

const recordReview = `
MATCH (a:SLA {id: $slaId})
CREATE (r:SLAReview)
SET r = $props
CREATE (a)-[:HAS_REVIEW]->(r)
RETURN r.id AS id`

// RecordReview implements sla.Store.
func (m *SLAs) RecordReview(ctx context.Context, r sla.Review) (sla.Review, error) {
	p, err := reviewToProps(r)
	if err != nil {
		return sla.Review{}, err
	}
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (sla.Review, error) {
		recs, err := collect(ctx, tx, recordReview, map[string]any{"slaId": r.SLAID, "props": p})
		if err != nil {
			return sla.Review{}, err
		}
		if len(recs) == 0 {
			return sla.Review{}, apperr.New(apperr.NotFound, "slaId: no SLA has id %q", r.SLAID)
		}
		return r, nil
	})
}

func reviewToProps(r sla.Review) (map[string]any, error) {
	actions, err := jsonProp(convert(r.Actions, reviewActionToDoc))
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": r.ID, "slaId": r.SLAID, "date": r.Date, "attendees": list(r.Attendees), "notes": nullable(r.Notes),
		"actions": actions, "recordedBy": r.RecordedBy, "recordedAt": r.RecordedAt}, nil
}

// reviewFromProps decodes a review node; INTERNAL when its actions cannot
// be read.
func reviewFromProps(p map[string]any) (sla.Review, error) {
	r := sla.Review{ID: str(p, "id"), SLAID: str(p, "slaId"), Date: tm(p, "date"), Attendees: idList(p["attendees"]),
		Notes: str(p, "notes"), RecordedBy: str(p, "recordedBy"), RecordedAt: tm(p, "recordedAt")}
	var err error
	if r.Actions, err = decodeList(p, "actions", "SLA review", reviewActionFromDoc); err != nil {
		return sla.Review{}, err
	}
	return r, nil
}

const reviewsOf = `
MATCH (:SLA {id: $slaId})-[:HAS_REVIEW]->(r:SLAReview)
RETURN properties(r) AS r
ORDER BY r.date DESC, r.id`

// Reviews implements sla.Store.
func (m *SLAs) Reviews(ctx context.Context, slaID string) ([]sla.Review, error) {
	return readAll(ctx, m.s, reviewsOf, map[string]any{"slaId": slaID}, "r", reviewFromProps)
}

const lastReviews = `
MATCH (a:SLA)
OPTIONAL MATCH (a)-[:HAS_REVIEW]->(r:SLAReview)
RETURN properties(a) AS a, max(r.date) AS last`

// LastReviews implements sla.Store.
func (m *SLAs) LastReviews(ctx context.Context) ([]sla.SLA, map[string]time.Time, error) {
	type result struct {
		slas []sla.SLA
		last map[string]time.Time
	}
	res, err := read(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		recs, err := collect(ctx, tx, lastReviews, nil)
		if err != nil {
			return result{}, err
		}
		out := result{last: map[string]time.Time{}}
		for _, r := range recs {
			a, err := slaFromProps(props(r, "a"))
			if err != nil {
				return result{}, err
			}
			out.slas = append(out.slas, a)
			if v, _ := r.Get("last"); v != nil {
				if t, ok := v.(time.Time); ok {
					out.last[a.ID] = t.UTC()
				}
			}
		}
		return out, nil
	})
	return res.slas, res.last, err
}
