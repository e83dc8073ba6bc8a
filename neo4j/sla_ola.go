package neo4j

import (
	"cmp"
	"context"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/sla"
)

// An OLA is an (:OLA) node, linked (:OLA)-[:BINDS]->(:Group) and
// (:OLA)-[:COVERS]->(:Service); its targets and schedule are JSON
// properties, as an SLA's.

// olaMigrations are the constraints and indexes of OLAs.
func olaMigrations() []string {
	return []string{
		"CREATE CONSTRAINT ola_id IF NOT EXISTS FOR (o:OLA) REQUIRE o.id IS UNIQUE",
		"CREATE INDEX ola_name IF NOT EXISTS FOR (o:OLA) ON (o.name)",
		"CREATE INDEX ola_created_at IF NOT EXISTS FOR (o:OLA) ON (o.createdAt)",
		"CREATE INDEX ola_updated_at IF NOT EXISTS FOR (o:OLA) ON (o.updatedAt)",
		"CREATE INDEX ola_group_name IF NOT EXISTS FOR (o:OLA) ON (o.groupId, o.name)",
	}
}

// holdTargetDoc is the JSON document of an OLA's target.
type holdTargetDoc struct {
	Priority sla.Priority `json:"priority"`
	Within   int64        `json:"withinSeconds"`
}

func olaToProps(o sla.OLA) (map[string]any, error) {
	targets, err := jsonProp(convert(o.Targets, func(t sla.HoldTarget) holdTargetDoc {
		return holdTargetDoc{Priority: t.Priority, Within: int64(t.Within.Seconds())}
	}))
	if err != nil {
		return nil, err
	}
	schedule, err := jsonProp(scheduleToDoc(o.Schedule))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id":          o.ID,
		"name":        o.Name,
		"description": nullable(o.Description),
		"kind":        string(o.Kind),
		"groupId":     o.GroupID,
		"serviceIds":  list(o.ServiceIDs),
		"targets":     targets,
		"schedule":    schedule,
		"pauseOn":     list(o.PauseOn),
		"version":     int64(o.Version),
		"createdAt":   o.CreatedAt,
		"updatedAt":   o.UpdatedAt,
	}, nil
}

// olaFromProps decodes an OLA node; INTERNAL when its targets or schedule
// cannot be read.
func olaFromProps(p map[string]any) (sla.OLA, error) {
	o := sla.OLA{
		ID:        str(p, "id"),
		Version:   num(p, "version"),
		CreatedAt: tm(p, "createdAt"),
		UpdatedAt: tm(p, "updatedAt"),
		OLATerms: sla.OLATerms{
			Name:        str(p, "name"),
			Description: str(p, "description"),
			Kind:        sla.UnderpinningKind(str(p, "kind")),
			GroupID:     str(p, "groupId"),
			ServiceIDs:  idList(p["serviceIds"]),
			PauseOn:     strs(p["pauseOn"]),
		},
	}
	var err error
	if o.Targets, err = decodeList(p, "targets", "OLA", func(d holdTargetDoc) sla.HoldTarget {
		return sla.HoldTarget{Priority: d.Priority, Within: time.Duration(d.Within) * time.Second}
	}); err != nil {
		return sla.OLA{}, err
	}
	var schedule scheduleDoc
	if err = decodeDoc(p, "schedule", "OLA", &schedule); err != nil {
		return sla.OLA{}, err
	}
	o.Schedule = scheduleFromDoc(schedule)
	return o, nil
}

const missingOLARefs = `
OPTIONAL MATCH (g:Group {id: $groupId})
RETURN g.kind AS groupKind, g IS NOT NULL AS group,
       [id IN $serviceIds WHERE NOT EXISTS { MATCH (:Service:Item {id: id}) }] AS services`

// checkOLARefs returns NOT_FOUND for an unknown group or service, and
// BAD_USER_INPUT unless an OLA binds a team and a contract a vendor.
func checkOLARefs(ctx context.Context, tx driver.ManagedTransaction, o sla.OLA) error {
	recs, err := collect(ctx, tx, missingOLARefs, map[string]any{"groupId": o.GroupID, "serviceIds": list(o.ServiceIDs)})
	if err != nil {
		return err
	}
	if ok, _ := recs[0].Get("group"); ok != true {
		return apperr.New(apperr.NotFound, "groupId: no group has id %q", o.GroupID)
	}
	v, _ := recs[0].Get("services")
	if missing := strs(v); len(missing) > 0 {
		return apperr.New(apperr.NotFound, "serviceIds: no service has id %q", missing[0])
	}
	v, _ = recs[0].Get("groupKind")
	kind, _ := v.(string)
	got, want := cmp.Or(people.GroupKind(kind), people.Team), people.Team
	if o.Kind == sla.UnderpinningContract {
		want = people.Vendor
	}
	if got != want {
		return apperr.Invalid("groupId", "an %s binds a %s group, and group %s is a %s; pick a %s group or change the kind", o.Kind, want, o.GroupID, got, want)
	}
	return nil
}

const writeOLA = `
MERGE (o:OLA {id: $id})
SET o = $props
WITH o
OPTIONAL MATCH (o)-[old:COVERS|BINDS]->()
DELETE old
WITH DISTINCT o
MATCH (g:Group {id: $props.groupId})
CREATE (o)-[:BINDS]->(g)
WITH o
UNWIND $props.serviceIds AS sid
MATCH (s:Service:Item {id: sid})
CREATE (o)-[:COVERS]->(s)`

func putOLA(ctx context.Context, tx driver.ManagedTransaction, o sla.OLA) error {
	if err := checkOLARefs(ctx, tx, o); err != nil {
		return err
	}
	p, err := olaToProps(o)
	if err != nil {
		return err
	}
	_, err = collect(ctx, tx, writeOLA, map[string]any{"id": o.ID, "props": p})
	return err
}

// CreateOLA implements sla.OLAStore.
func (m *SLAs) CreateOLA(ctx context.Context, o sla.OLA) (sla.OLA, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (sla.OLA, error) {
		return o, putOLA(ctx, tx, o)
	})
}

const lockOLA = `
MATCH (o:OLA {id: $id})
SET o._lock = true
REMOVE o._lock
RETURN properties(o) AS o`

// UpdateOLA implements sla.OLAStore.
func (m *SLAs) UpdateOLA(ctx context.Context, id string, apply func(sla.OLA) (sla.OLA, error)) (sla.OLA, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (sla.OLA, error) {
		recs, err := collect(ctx, tx, lockOLA, map[string]any{"id": id})
		if err != nil {
			return sla.OLA{}, err
		}
		if len(recs) == 0 {
			return sla.OLA{}, apperr.New(apperr.NotFound, "no OLA has id %q", id)
		}
		cur, err := olaFromProps(props(recs[0], "o"))
		if err != nil {
			return sla.OLA{}, err
		}
		next, err := apply(cur)
		if err != nil {
			return sla.OLA{}, err
		}
		return next, putOLA(ctx, tx, next)
	})
}

const getOLAs = `
MATCH (o:OLA) WHERE o.id IN $ids
RETURN properties(o) AS o`

// GetOLAs implements sla.OLAStore.
func (m *SLAs) GetOLAs(ctx context.Context, ids []string) ([]sla.OLA, error) {
	return readAll(ctx, m.s, getOLAs, map[string]any{"ids": ids}, "o", olaFromProps)
}

const olasCovering = `
MATCH (o:OLA)-[:COVERS]->(s:Service:Item)
WHERE s.id IN $serviceIds
RETURN DISTINCT properties(o) AS o`

// OLAsCovering implements sla.OLAStore.
func (m *SLAs) OLAsCovering(ctx context.Context, serviceIDs []string) ([]sla.OLA, error) {
	return readAll(ctx, m.s, olasCovering, map[string]any{"serviceIds": serviceIDs}, "o", olaFromProps)
}

// ListOLAs implements sla.OLAStore.
func (m *SLAs) ListOLAs(ctx context.Context, groupID string, p paging.Request) (paging.Page[sla.OLA], error) {
	return listBy(ctx, m.s, olaList(groupID), p, olaFromProps, func(o sla.OLA) (any, string) { return o.Name, o.ID })
}

// olaList lists OLAs by name, those of one group when given.
func olaList(groupID string) listSpec {
	where := newConditions()
	where.equal("o", "groupId", "groupId", groupID)
	return listSpec{match: "MATCH (o:OLA)", v: "o", where: where, order: "name", sortName: "olas:name"}
}
