package neo4j

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/tickets"
)

// Incidents implements incident.Store. An incident is an (:Incident) node
// with its lists of ids as properties, (:Incident)-[:AFFECTS]->(:Item) to
// its CIs and services for graph queries, and its trails as nodes hanging
// off (:Incident)-[:HAS_RECORD]->.
type Incidents struct{ s *Store }

// Incidents returns the incident part of the store.
func (s *Store) Incidents() *Incidents { return &Incidents{s: s} }

var _ incident.Store = (*Incidents)(nil)

// incidentMigrations are the constraints and indexes of incidents, their
// records and the priority matrix.
func incidentMigrations() []string {
	return []string{
		"CREATE CONSTRAINT incident_id IF NOT EXISTS FOR (i:Incident) REQUIRE i.id IS UNIQUE",
		"CREATE INDEX incident_state IF NOT EXISTS FOR (i:Incident) ON (i.state)",
		"CREATE INDEX incident_created_at IF NOT EXISTS FOR (i:Incident) ON (i.createdAt)",
		"CREATE INDEX incident_updated_at IF NOT EXISTS FOR (i:Incident) ON (i.updatedAt)",
		"CREATE INDEX incident_group IF NOT EXISTS FOR (i:Incident) ON (i.assignmentGroupId)",
		"CREATE INDEX incident_caller IF NOT EXISTS FOR (i:Incident) ON (i.callerId)",
		"CREATE INDEX incident_caused_by IF NOT EXISTS FOR (i:Incident) ON (i.causedByChangeId, i.createdAt)",
		"CREATE INDEX incident_opening_group IF NOT EXISTS FOR (i:Incident) ON (i.openingGroupId)",
		// Incidents logged before opening groups were kept: the group of
		// their first escalation, or the one holding them.
		"MATCH (i:Incident) WHERE i.openingGroupId IS NULL AND i.assignmentGroupId IS NOT NULL " +
			"SET i.openingGroupId = coalesce(COLLECT { MATCH (i)-[:HAS_RECORD]->(e:IncidentEscalation) WHERE e.fromGroupId IS NOT NULL " +
			"RETURN e.fromGroupId ORDER BY e.at, e.seq LIMIT 1 }[0], i.assignmentGroupId)",
		"CREATE CONSTRAINT incident_record_id IF NOT EXISTS FOR (r:IncidentRecord) REQUIRE r.id IS UNIQUE",
		"CREATE CONSTRAINT priority_matrix_name IF NOT EXISTS FOR (m:PriorityMatrix) REQUIRE m.name IS UNIQUE",
	}
}

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func incidentToProps(i incident.Incident) map[string]any {
	return map[string]any{
		"id":                         i.ID,
		"number":                     nullable(i.Number),
		"shortDescription":           i.ShortDescription,
		"description":                nullable(i.Description),
		"callerId":                   i.CallerID,
		"openedBy":                   i.OpenedBy,
		"channel":                    string(i.Channel),
		"category":                   nullable(i.Category),
		"ciIds":                      list(i.CIIDs),
		"serviceIds":                 list(i.ServiceIDs),
		"impact":                     string(i.Impact),
		"urgency":                    string(i.Urgency),
		"priority":                   string(i.Priority),
		"assignmentGroupId":          nullable(i.AssignmentGroupID),
		"assigneeId":                 nullable(i.AssigneeID),
		"state":                      string(i.State),
		"holdReason":                 nullable(string(i.HoldReason)),
		"resolutionCode":             nullable(string(i.ResolutionCode)),
		"resolutionNotes":            nullable(i.ResolutionNotes),
		"major":                      i.Major,
		"majorManagerId":             nullable(i.MajorManagerID),
		"problemIds":                 list(i.ProblemIDs),
		"causedByChangeId":           nullable(i.CausedByChange),
		"knowledgeIds":               list(i.KnowledgeIDs),
		"impactedBusinessServiceIds": list(i.ImpactedBusinessServiceIDs),
		"impactedBusinessUnitIds":    list(i.ImpactedBusinessUnitIDs),
		"outage":                     string(i.Outage),
		"downServiceIds":             list(i.DownServiceIDs),
		"degradedServiceIds":         list(i.DegradedServiceIDs),
		"idempotencyKey":             nullable(i.IdempotencyKey),
		"alertCount":                 int64(i.AlertCount),
		"previousIncidentId":         nullable(i.PreviousIncidentID),
		"openingGroupId":             nullable(i.OpeningGroupID),
		"callerUnitId":               nullable(i.CallerUnitID),
		"version":                    int64(i.Version),
		"createdAt":                  i.CreatedAt,
		"updatedAt":                  i.UpdatedAt,
		"respondedAt":                optTime(i.RespondedAt),
		"resolvedAt":                 optTime(i.ResolvedAt),
		"closedAt":                   optTime(i.ClosedAt),
	}
}

// list stores an empty list as an empty list (never null), so that
// membership tests in Cypher need no null checks.
func list(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// idList reads a list property back; empty reads as nil.
func idList(v any) []string {
	out := strs(v)
	if len(out) == 0 {
		return nil
	}
	return out
}

func incidentFromProps(p map[string]any) incident.Incident {
	return incident.Incident{
		ID:                         str(p, "id"),
		Number:                     str(p, "number"),
		ShortDescription:           str(p, "shortDescription"),
		Description:                str(p, "description"),
		CallerID:                   str(p, "callerId"),
		OpenedBy:                   str(p, "openedBy"),
		Channel:                    incident.Channel(str(p, "channel")),
		Category:                   str(p, "category"),
		CIIDs:                      idList(p["ciIds"]),
		ServiceIDs:                 idList(p["serviceIds"]),
		Impact:                     incident.Level(str(p, "impact")),
		Urgency:                    incident.Level(str(p, "urgency")),
		Priority:                   incident.Priority(str(p, "priority")),
		AssignmentGroupID:          str(p, "assignmentGroupId"),
		AssigneeID:                 str(p, "assigneeId"),
		State:                      incident.State(str(p, "state")),
		HoldReason:                 incident.HoldReason(str(p, "holdReason")),
		ResolutionCode:             incident.ResolutionCode(str(p, "resolutionCode")),
		ResolutionNotes:            str(p, "resolutionNotes"),
		Major:                      p["major"] == true,
		MajorManagerID:             str(p, "majorManagerId"),
		ProblemIDs:                 idList(p["problemIds"]),
		CausedByChange:             str(p, "causedByChangeId"),
		KnowledgeIDs:               idList(p["knowledgeIds"]),
		ImpactedBusinessServiceIDs: idList(p["impactedBusinessServiceIds"]),
		ImpactedBusinessUnitIDs:    idList(p["impactedBusinessUnitIds"]),
		Outage:                     incident.Outage(cmp.Or(str(p, "outage"), string(incident.OutageFromGraph))),
		DownServiceIDs:             idList(p["downServiceIds"]),
		DegradedServiceIDs:         idList(p["degradedServiceIds"]),
		IdempotencyKey:             str(p, "idempotencyKey"),
		AlertCount:                 num(p, "alertCount"),
		PreviousIncidentID:         str(p, "previousIncidentId"),
		OpeningGroupID:             str(p, "openingGroupId"),
		CallerUnitID:               str(p, "callerUnitId"),
		Version:                    num(p, "version"),
		CreatedAt:                  tm(p, "createdAt"),
		UpdatedAt:                  tm(p, "updatedAt"),
		RespondedAt:                tmPtr(p, "respondedAt"),
		ResolvedAt:                 tmPtr(p, "resolvedAt"),
		ClosedAt:                   tmPtr(p, "closedAt"),
	}
}

// missingIncidentRefs lists the referenced records that do not exist, and
// whether the assignee belongs to the assignment group.
const missingIncidentRefs = `
RETURN [id IN $ciIds WHERE NOT EXISTS { MATCH (:CI:Item {id: id}) }] AS cis,
       [id IN $serviceIds WHERE NOT EXISTS { MATCH (:Service:Item {id: id}) }] AS services,
       [id IN $groupIds WHERE NOT EXISTS { MATCH (:Group {id: id}) }] AS groups,
       [id IN $userIds WHERE NOT EXISTS { MATCH (:User {id: id}) }] AS users,
       [id IN $articleIds WHERE NOT EXISTS { MATCH (:Article {id: id}) }] AS articles,
       [id IN $problemIds WHERE NOT EXISTS { MATCH (:Problem {id: id}) }] AS problems,
       [id IN $changeIds WHERE NOT EXISTS { MATCH (:Change {id: id}) }] AS changes,
       $assigneeId IS NULL OR EXISTS { MATCH (:User {id: $assigneeId})-[:MEMBER_OF_GROUP]->(:Group {id: $groupId}) } AS member`

// checkRefs returns NOT_FOUND naming the first reference of inc that does
// not exist, and BAD_USER_INPUT for an assignee outside the group. Of the
// knowledge articles, problems and the causing change only those linked
// since cur are checked: earlier versions did not check them, and a link
// kept is not a new claim.
func checkRefs(ctx context.Context, tx driver.ManagedTransaction, cur, inc incident.Incident) error {
	var users []string
	for _, u := range []string{inc.AssigneeID, inc.MajorManagerID} {
		if u != "" {
			users = append(users, u)
		}
	}
	recs, err := collect(ctx, tx, missingIncidentRefs, map[string]any{
		"ciIds": list(inc.CIIDs), "serviceIds": list(inc.ServiceIDs), "groupIds": list(nonEmpty(inc.AssignmentGroupID)),
		"userIds": list(users), "assigneeId": nullable(inc.AssigneeID), "groupId": nullable(inc.AssignmentGroupID),
		"articleIds": list(added(cur.KnowledgeIDs, inc.KnowledgeIDs)),
		"problemIds": list(added(cur.ProblemIDs, inc.ProblemIDs)),
		"changeIds":  list(added(nonEmpty(cur.CausedByChange), nonEmpty(inc.CausedByChange))),
	})
	if err != nil {
		return err
	}
	r := recs[0]
	for _, c := range []struct{ key, field, what string }{
		{"cis", "ciIds", "configuration item"}, {"services", "serviceIds", "service"},
		{"groups", "assignmentGroupId", "group"}, {"users", "assigneeId", "user"},
		{"articles", "knowledgeArticleIds", "knowledge article"}, {"problems", "problemIds", "problem"},
		{"changes", "causedByChangeId", "change"},
	} {
		v, _ := r.Get(c.key)
		if missing := strs(v); len(missing) > 0 {
			return apperr.New(apperr.NotFound, "%s: no %s has id %q", c.field, c.what, missing[0])
		}
	}
	if member, _ := r.Get("member"); member != true {
		return apperr.Invalid("assigneeId", "user %s is not a member of group %s; choose a member or add them to the group", inc.AssigneeID, inc.AssignmentGroupID)
	}
	return nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

const createIncident = `
CREATE (i:Incident)
SET i = $props
WITH i
OPTIONAL MATCH (u:User {id: i.callerId})
SET i.callerUnitId = u.businessUnitId
WITH DISTINCT i
UNWIND $itemIds AS itemId
MATCH (n:Item {id: itemId})
CREATE (i)-[:AFFECTS]->(n)`

// CreateIncident implements incident.Store.
func (m *Incidents) CreateIncident(ctx context.Context, inc incident.Incident, rec incident.Records, key *ids.IdempotencyKey) (incident.Incident, bool, error) {
	type result struct {
		inc     incident.Incident
		created bool
	}
	res, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		if key != nil {
			first, err := claimKey(ctx, tx, key, inc.ID, inc.CreatedAt)
			if err != nil {
				return result{}, err
			}
			if first != inc.ID {
				got, err := keyedIncident(ctx, tx, first, key.Key)
				return result{inc: got}, err
			}
		}
		if err := insertIncident(ctx, tx, &inc, rec); err != nil {
			return result{}, err
		}
		return result{inc: inc, created: true}, emitIncidents(ctx, tx, inc)
	})
	return res.inc, res.created, err
}

// keyedIncident reads the incident id that idempotency key names.
func keyedIncident(ctx context.Context, tx driver.ManagedTransaction, id, key string) (incident.Incident, error) {
	got, err := getIncidents(ctx, tx, []string{id})
	if err != nil {
		return incident.Incident{}, err
	}
	if len(got) == 0 {
		return incident.Incident{}, apperr.New(apperr.NotFound, "the incident created under idempotencyKey %q no longer exists", key)
	}
	return got[0], nil
}

// insertIncident writes a new incident, its references checked, with its
// trails.
func insertIncident(ctx context.Context, tx driver.ManagedTransaction, inc *incident.Incident, rec incident.Records) error {
	if err := checkRefs(ctx, tx, incident.Incident{}, *inc); err != nil {
		return err
	}
	number, err := nextNumber(ctx, tx, tickets.Incident)
	if err != nil {
		return err
	}
	inc.Number = number
	if _, err := collect(ctx, tx, createIncident, map[string]any{"props": incidentToProps(*inc), "itemIds": affected(*inc)}); err != nil {
		return err
	}
	return appendTrails(ctx, tx, inc.ID, rec)
}

const moveKey = `
MATCH (k:IdempotencyKey {key: $key})
SET k._lock = true
REMOVE k._lock
WITH k, k.resultId AS was
SET k.resultId = CASE WHEN was = $prev THEN $next ELSE was END
RETURN was`

// SucceedIncident implements incident.Store.
func (m *Incidents) SucceedIncident(ctx context.Context, prev string, inc incident.Incident, rec incident.Records, key ids.IdempotencyKey) (incident.Incident, bool, error) {
	type result struct {
		inc     incident.Incident
		created bool
	}
	res, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		recs, err := collect(ctx, tx, moveKey, map[string]any{"key": key.Scope + "\x1f" + key.Key, "prev": prev, "next": inc.ID})
		if err != nil {
			return result{}, err
		}
		if len(recs) == 0 {
			return result{}, apperr.New(apperr.NotFound, "idempotencyKey %q is not recorded", key.Key)
		}
		if was, _ := recs[0].Get("was"); was != prev {
			got, err := keyedIncident(ctx, tx, fmt.Sprint(was), key.Key)
			return result{inc: got}, err
		}
		if err := insertIncident(ctx, tx, &inc, rec); err != nil {
			return result{}, err
		}
		return result{inc: inc, created: true}, emitIncidents(ctx, tx, inc)
	})
	return res.inc, res.created, err
}

func affected(inc incident.Incident) []string {
	return list(slices.Concat(inc.CIIDs, inc.ServiceIDs))
}

const getIncidentsByID = `
MATCH (i:Incident) WHERE i.id IN $ids
RETURN properties(i) AS i`

func getIncidents(ctx context.Context, tx driver.ManagedTransaction, ids []string) ([]incident.Incident, error) {
	recs, err := collect(ctx, tx, getIncidentsByID, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return decodeIncidents(recs, "i"), nil
}

func decodeIncidents(recs []*driver.Record, key string) []incident.Incident {
	out := make([]incident.Incident, 0, len(recs))
	for _, r := range recs {
		out = append(out, incidentFromProps(props(r, key)))
	}
	return out
}

// GetIncidents implements incident.Store.
func (m *Incidents) GetIncidents(ctx context.Context, ids []string) ([]incident.Incident, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]incident.Incident, error) {
		return getIncidents(ctx, tx, ids)
	})
}

// lockIncident takes the incident's write lock before reading it, so that
// the version compared in apply cannot change before the write.
const lockIncident = `
MATCH (i:Incident {id: $id})
SET i._lock = true
REMOVE i._lock
RETURN properties(i) AS i`

const replaceIncident = `
MATCH (i:Incident {id: $id})
SET i = $props`

const relinkIncident = `
MATCH (i:Incident {id: $id})
OPTIONAL MATCH (i)-[a:AFFECTS]->()
DELETE a
WITH DISTINCT i
UNWIND $itemIds AS itemId
MATCH (n:Item {id: itemId})
CREATE (i)-[:AFFECTS]->(n)`

// relinkArticles makes an incident's USED_ARTICLE relationships follow its
// knowledgeIds (to the articles that exist): what an article's "resolved
// with" count reads.
const relinkArticles = `
MATCH (i:Incident {id: $id})
OPTIONAL MATCH (i)-[u:USED_ARTICLE]->()
DELETE u
WITH DISTINCT i
UNWIND $articleIds AS aid
MATCH (a:Article {id: aid})
CREATE (i)-[:USED_ARTICLE]->(a)`

// added lists the ids of next that are not in cur.
func added(cur, next []string) []string {
	var out []string
	for _, id := range next {
		if !slices.Contains(cur, id) {
			out = append(out, id)
		}
	}
	return out
}

// UpdateIncident implements incident.Store.
func (m *Incidents) UpdateIncident(ctx context.Context, id string, apply func(incident.Incident) (incident.Incident, *incident.Records, error)) (incident.Incident, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (incident.Incident, error) {
		recs, err := collect(ctx, tx, lockIncident, map[string]any{"id": id})
		if err != nil {
			return incident.Incident{}, err
		}
		if len(recs) == 0 {
			return incident.Incident{}, apperr.New(apperr.NotFound, "no incident has id %q", id)
		}
		cur := incidentFromProps(props(recs[0], "i"))
		next, rec, err := apply(cur)
		if err != nil {
			return incident.Incident{}, err
		}
		if next.Version != cur.Version {
			if err := checkRefs(ctx, tx, cur, next); err != nil {
				return incident.Incident{}, err
			}
			if _, err := collect(ctx, tx, replaceIncident, map[string]any{"id": id, "props": incidentToProps(next)}); err != nil {
				return incident.Incident{}, err
			}
			if err := syncProblemLinks(ctx, tx, cur, next); err != nil {
				return incident.Incident{}, err
			}
			if !slices.Equal(cur.KnowledgeIDs, next.KnowledgeIDs) {
				if _, err := collect(ctx, tx, relinkArticles, map[string]any{"id": id, "articleIds": list(next.KnowledgeIDs)}); err != nil {
					return incident.Incident{}, err
				}
			}
			if strings.Join(affected(next), ",") != strings.Join(affected(cur), ",") {
				if _, err := collect(ctx, tx, relinkIncident, map[string]any{"id": id, "itemIds": affected(next)}); err != nil {
					return incident.Incident{}, err
				}
			}
		}
		if rec != nil {
			if err := appendTrails(ctx, tx, id, *rec); err != nil {
				return incident.Incident{}, err
			}
		}
		if next.Version == cur.Version && rec == nil {
			return next, nil
		}
		return next, emitIncidents(ctx, tx, next)
	})
}

// incidentEvents are the events of incidents written.
func incidentEvents(incs ...incident.Incident) ([]events.Event, error) {
	return eventsFor(events.KindIncident, func(i incident.Incident) string { return i.ID }, incident.EventKeys, incs...)
}

// emitIncidents appends the events of incidents written (see emit).
func emitIncidents(ctx context.Context, tx driver.ManagedTransaction, incs ...incident.Incident) error {
	evs, err := incidentEvents(incs...)
	if err != nil {
		return err
	}
	return emit(ctx, tx, evs...)
}

// ImportIncidents implements incident.Store.
func (m *Incidents) ImportIncidents(ctx context.Context, rows []incident.ImportRow) ([]incident.Incident, []bool, error) {
	type result struct {
		incs    []incident.Incident
		created []bool
	}
	res, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		var r result
		for i, row := range rows {
			first, err := claimKey(ctx, tx, &row.Key, row.Incident.ID, row.Incident.CreatedAt)
			if err == nil && first != row.Incident.ID {
				got, err := keyedIncident(ctx, tx, first, row.Key.Key)
				if err != nil {
					return result{}, incident.InRow(i, err)
				}
				r.incs, r.created = append(r.incs, got), append(r.created, false)
				continue
			}
			if err == nil {
				err = insertIncident(ctx, tx, &row.Incident, row.Records)
			}
			if err != nil {
				return result{}, incident.InRow(i, err)
			}
			r.incs, r.created = append(r.incs, row.Incident), append(r.created, true)
		}
		return r, nil
	})
	return res.incs, res.created, err
}
