package neo4j

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
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
		"CREATE INDEX incident_group IF NOT EXISTS FOR (i:Incident) ON (i.assignmentGroupId)",
		"CREATE INDEX incident_caller IF NOT EXISTS FOR (i:Incident) ON (i.callerId)",
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
		"downServiceIds":             list(i.DownServiceIDs),
		"idempotencyKey":             nullable(i.IdempotencyKey),
		"alertCount":                 int64(i.AlertCount),
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
		DownServiceIDs:             idList(p["downServiceIds"]),
		IdempotencyKey:             str(p, "idempotencyKey"),
		AlertCount:                 num(p, "alertCount"),
		Version:                    num(p, "version"),
		CreatedAt:                  tm(p, "createdAt"),
		UpdatedAt:                  tm(p, "updatedAt"),
		RespondedAt:                tmPtr(p, "respondedAt"),
		ResolvedAt:                 tmPtr(p, "resolvedAt"),
		ClosedAt:                   tmPtr(p, "closedAt"),
	}
}

// Trail labels: the only labels spliced into the record statements.
const (
	labelHistory       = "IncidentHistory"
	labelEscalation    = "IncidentEscalation"
	labelCommunication = "IncidentCommunication"
	labelTimeline      = "IncidentTimeline"
)

func trailStatement(template, label string) string {
	switch label {
	case labelHistory, labelEscalation, labelCommunication, labelTimeline:
		return strings.ReplaceAll(template, "$$LABEL", label)
	}
	panic("unknown incident trail label " + label)
}

const appendTrail = `
MATCH (i:Incident {id: $id})
UNWIND $rows AS row
CREATE (r:IncidentRecord:$$LABEL)
SET r = row
CREATE (i)-[:HAS_RECORD]->(r)`

// trailRows turns records into property maps per label; seq keeps the
// order of records written in one transaction, which share a time.
func trailRows(rec incident.Records) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for n, h := range rec.History {
		out[labelHistory] = append(out[labelHistory], map[string]any{"id": h.ID, "at": h.At, "seq": int64(n), "actor": h.Actor,
			"field": string(h.Field), "from": nullable(h.From), "to": h.To, "comment": nullable(h.Comment),
			"commentVisibility": string(storedVisibility(h.CommentVisibility))})
	}
	for n, e := range rec.Escalations {
		out[labelEscalation] = append(out[labelEscalation], map[string]any{"id": e.ID, "at": e.At, "seq": int64(n), "actor": e.Actor,
			"fromGroupId": nullable(e.FromGroupID), "toGroupId": e.ToGroupID, "fromAssigneeId": nullable(e.FromAssigneeID),
			"toAssigneeId": nullable(e.ToAssigneeID), "reason": e.Reason, "reasonVisibility": string(storedVisibility(e.ReasonVisibility))})
	}
	for n, c := range rec.Communications {
		out[labelCommunication] = append(out[labelCommunication], map[string]any{"id": c.ID, "at": c.At, "seq": int64(n), "actor": c.Actor,
			"audience": c.Audience, "channel": c.Channel, "message": c.Message, "visibility": string(storedVisibility(c.Visibility))})
	}
	for n, e := range rec.Timeline {
		out[labelTimeline] = append(out[labelTimeline], map[string]any{"id": e.ID, "at": e.At, "seq": int64(n), "author": e.Author,
			"kind": string(e.Kind), "body": e.Body})
	}
	return out
}

// storedVisibility is the visibility a text is stored and read with.
// Records written before texts had one carry none: they were written
// without the writer choosing, so they read as INTERNAL, which needs no
// rewrite of old rows and cannot show a requester more than before.
func storedVisibility(v incident.Visibility) incident.Visibility {
	if v == incident.CustomerVisible {
		return v
	}
	return incident.Internal
}

func appendTrails(ctx context.Context, tx driver.ManagedTransaction, id string, rec incident.Records) error {
	for _, label := range []string{labelHistory, labelEscalation, labelCommunication, labelTimeline} {
		rows := trailRows(rec)[label]
		if len(rows) == 0 {
			continue
		}
		if _, err := collect(ctx, tx, trailStatement(appendTrail, label), map[string]any{"id": id, "rows": rows}); err != nil {
			return err
		}
	}
	return nil
}

const readTrail = `
MATCH (i:Incident)-[:HAS_RECORD]->(r:$$LABEL)
WHERE i.id IN $ids AND ($kinds IS NULL OR r.kind IN $kinds)
RETURN i.id AS id, properties(r) AS r
ORDER BY r.at, r.seq`

func readTrails[T any](ctx context.Context, s *Store, label string, ids []string, kinds any, decode func(map[string]any) T) (map[string][]T, error) {
	return read(ctx, s, func(tx driver.ManagedTransaction) (map[string][]T, error) {
		return trailsIn(ctx, tx, label, ids, kinds, decode)
	})
}

func trailsIn[T any](ctx context.Context, tx driver.ManagedTransaction, label string, ids []string, kinds any, decode func(map[string]any) T) (map[string][]T, error) {
	recs, err := collect(ctx, tx, trailStatement(readTrail, label), map[string]any{"ids": ids, "kinds": kinds})
	if err != nil {
		return nil, err
	}
	out := map[string][]T{}
	for _, r := range recs {
		id, _ := r.Get("id")
		k, _ := id.(string)
		out[k] = append(out[k], decode(props(r, "r")))
	}
	return out, nil
}

func historyFromProps(p map[string]any) incident.HistoryEntry {
	return incident.HistoryEntry{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"), Field: incident.HistoryField(str(p, "field")),
		From: str(p, "from"), To: str(p, "to"), Comment: str(p, "comment"),
		CommentVisibility: storedVisibility(incident.Visibility(str(p, "commentVisibility")))}
}

// History implements incident.Store.
func (m *Incidents) History(ctx context.Context, ids []string) (map[string][]incident.HistoryEntry, error) {
	return readTrails(ctx, m.s, labelHistory, ids, nil, historyFromProps)
}

// Escalations implements incident.Store.
func (m *Incidents) Escalations(ctx context.Context, ids []string) (map[string][]incident.Escalation, error) {
	return readTrails(ctx, m.s, labelEscalation, ids, nil, func(p map[string]any) incident.Escalation {
		return incident.Escalation{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"),
			FromGroupID: str(p, "fromGroupId"), ToGroupID: str(p, "toGroupId"),
			FromAssigneeID: str(p, "fromAssigneeId"), ToAssigneeID: str(p, "toAssigneeId"), Reason: str(p, "reason"),
			ReasonVisibility: storedVisibility(incident.Visibility(str(p, "reasonVisibility")))}
	})
}

// Communications implements incident.Store.
func (m *Incidents) Communications(ctx context.Context, ids []string) (map[string][]incident.Communication, error) {
	return readTrails(ctx, m.s, labelCommunication, ids, nil, func(p map[string]any) incident.Communication {
		return incident.Communication{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"),
			Audience: str(p, "audience"), Channel: str(p, "channel"), Message: str(p, "message"),
			Visibility: storedVisibility(incident.Visibility(str(p, "visibility")))}
	})
}

// Timeline implements incident.Store.
func (m *Incidents) Timeline(ctx context.Context, ids []string, kinds []incident.EntryKind) (map[string][]incident.TimelineEntry, error) {
	return readTrails(ctx, m.s, labelTimeline, ids, nullList(kinds), func(p map[string]any) incident.TimelineEntry {
		return incident.TimelineEntry{ID: str(p, "id"), At: tm(p, "at"), Author: str(p, "author"),
			Kind: incident.EntryKind(str(p, "kind")), Body: str(p, "body")}
	})
}

// missingIncidentRefs lists the referenced records that do not exist, and
// whether the assignee belongs to the assignment group.
const missingIncidentRefs = `
RETURN [id IN $ciIds WHERE NOT EXISTS { MATCH (:CI:Item {id: id}) }] AS cis,
       [id IN $serviceIds WHERE NOT EXISTS { MATCH (:Service:Item {id: id}) }] AS services,
       [id IN $groupIds WHERE NOT EXISTS { MATCH (:Group {id: id}) }] AS groups,
       [id IN $userIds WHERE NOT EXISTS { MATCH (:User {id: id}) }] AS users,
       $assigneeId IS NULL OR EXISTS { MATCH (:User {id: $assigneeId})-[:MEMBER_OF_GROUP]->(:Group {id: $groupId}) } AS member`

// checkRefs returns NOT_FOUND naming the first reference of inc that does
// not exist, and BAD_USER_INPUT for an assignee outside the group.
func checkRefs(ctx context.Context, tx driver.ManagedTransaction, inc incident.Incident) error {
	var users []string
	for _, u := range []string{inc.AssigneeID, inc.MajorManagerID} {
		if u != "" {
			users = append(users, u)
		}
	}
	recs, err := collect(ctx, tx, missingIncidentRefs, map[string]any{
		"ciIds": list(inc.CIIDs), "serviceIds": list(inc.ServiceIDs), "groupIds": list(nonEmpty(inc.AssignmentGroupID)),
		"userIds": list(users), "assigneeId": nullable(inc.AssigneeID), "groupId": nullable(inc.AssignmentGroupID),
	})
	if err != nil {
		return err
	}
	r := recs[0]
	for _, c := range []struct{ key, field, what string }{
		{"cis", "ciIds", "configuration item"}, {"services", "serviceIds", "service"},
		{"groups", "assignmentGroupId", "group"}, {"users", "assigneeId", "user"},
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
UNWIND $itemIds AS itemId
MATCH (n:Item {id: itemId})
CREATE (i)-[:AFFECTS]->(n)`

// CreateIncident implements incident.Store.
func (m *Incidents) CreateIncident(ctx context.Context, inc incident.Incident, rec incident.Records, key *incident.IdempotencyKey) (incident.Incident, bool, error) {
	type result struct {
		inc     incident.Incident
		created bool
	}
	res, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		if key != nil {
			first, err := claimKey(ctx, tx, &cmdb.IdempotencyKey{Scope: key.Scope, Key: key.Key, Fingerprint: key.Fingerprint}, inc.ID, inc.CreatedAt)
			if err != nil {
				return result{}, err
			}
			if first != inc.ID {
				got, err := getIncidents(ctx, tx, []string{first})
				if err != nil {
					return result{}, err
				}
				if len(got) == 0 {
					return result{}, apperr.New(apperr.NotFound, "the incident created under idempotencyKey %q no longer exists", key.Key)
				}
				return result{inc: got[0]}, nil
			}
		}
		if err := checkRefs(ctx, tx, inc); err != nil {
			return result{}, err
		}
		if _, err := collect(ctx, tx, createIncident, map[string]any{"props": incidentToProps(inc), "itemIds": affected(inc)}); err != nil {
			return result{}, err
		}
		if err := appendTrails(ctx, tx, inc.ID, rec); err != nil {
			return result{}, err
		}
		return result{inc: inc, created: true}, nil
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
			if err := checkRefs(ctx, tx, next); err != nil {
				return incident.Incident{}, err
			}
			if _, err := collect(ctx, tx, replaceIncident, map[string]any{"id": id, "props": incidentToProps(next)}); err != nil {
				return incident.Incident{}, err
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
		return next, nil
	})
}

// incidentScope is the WHERE clause of a principal's scope (incident.Scope);
// unset parts are null and match nothing.
const incidentScope = `
WHERE ($all OR i.callerId = $scopeCaller OR i.assigneeId = $scopeAssignee
       OR i.assignmentGroupId IN $scopeGroups
       OR ($scopeUnassigned AND i.assignmentGroupId IS NULL) OR ($scopeMajor AND i.major))
  AND ($states IS NULL OR i.state IN $states)
  AND ($priorities IS NULL OR i.priority IN $priorities)
  AND ($groupId IS NULL OR i.assignmentGroupId = $groupId)
  AND ($assigneeId IS NULL OR i.assigneeId = $assigneeId)
  AND ($callerId IS NULL OR i.callerId = $callerId)
  AND ($ciId IS NULL OR $ciId IN i.ciIds)
  AND ($serviceId IS NULL OR $serviceId IN i.serviceIds OR $serviceId IN i.impactedBusinessServiceIds)
  AND ($major IS NULL OR i.major = $major)`

const listIncidents = `
MATCH (i:Incident)` + incidentScope + `
  AND ($afterId IS NULL OR i.createdAt < $afterValue OR (i.createdAt = $afterValue AND i.id < $afterId))
RETURN properties(i) AS n
ORDER BY i.createdAt DESC, i.id DESC
LIMIT $limit`

const countIncidents = `
MATCH (i:Incident)` + incidentScope + `
RETURN count(i) AS total`

// ListIncidents implements incident.Store.
func (m *Incidents) ListIncidents(ctx context.Context, scope incident.Scope, f incident.Filter, p paging.Request) (paging.Page[incident.Incident], error) {
	var major any
	if f.Major != nil {
		major = *f.Major
	}
	params := map[string]any{
		"all": scope.All, "scopeCaller": nullable(scope.CallerID), "scopeAssignee": nullable(scope.AssigneeID),
		"scopeGroups": list(scope.GroupIDs), "scopeUnassigned": scope.Unassigned, "scopeMajor": scope.Major,
		"states": nullList(f.States), "priorities": nullList(f.Priorities),
		"groupId": nullable(f.AssignmentGroupID), "assigneeId": nullable(f.AssigneeID), "callerId": nullable(f.CallerID),
		"ciId": nullable(f.CIID), "serviceId": nullable(f.ServiceID), "major": major,
	}
	key := func(i incident.Incident) (any, string) { return i.CreatedAt, i.ID }
	return listPage(ctx, m.s, listIncidents, countIncidents, "incidents:createdAt:desc"+timeSortSuffix, params, p, infallible(incidentFromProps), key)
}

const resolvedBefore = `
MATCH (i:Incident {state: $resolved})
WHERE i.resolvedAt <= $cutoff
RETURN properties(i) AS i
ORDER BY i.resolvedAt, i.id
LIMIT $limit`

// ResolvedBefore implements incident.Store.
func (m *Incidents) ResolvedBefore(ctx context.Context, cutoff time.Time, limit int) ([]incident.Incident, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]incident.Incident, error) {
		recs, err := collect(ctx, tx, resolvedBefore, map[string]any{"cutoff": cutoff, "limit": int64(limit), "resolved": string(incident.Resolved)})
		return decodeIncidents(recs, "i"), err
	})
}

const clockIncidents = `
MATCH (i:Incident)
WHERE NOT i.state IN $ended OR i.updatedAt >= $since
RETURN properties(i) AS i`

// ClockIncidents implements incident.Store.
func (m *Incidents) ClockIncidents(ctx context.Context, since time.Time) ([]incident.Incident, map[string][]incident.HistoryEntry, error) {
	return m.withHistory(ctx, clockIncidents, map[string]any{"since": since, "ended": texts(incident.EndedStates())})
}

const incidentsOpened = `
MATCH (i:Incident)
WHERE i.createdAt >= $from AND i.createdAt < $to
  AND any(s IN $serviceIds WHERE s IN i.serviceIds OR s IN i.impactedBusinessServiceIds OR s IN i.downServiceIds)
RETURN properties(i) AS i`

// IncidentsOpened implements incident.Store.
func (m *Incidents) IncidentsOpened(ctx context.Context, serviceIDs []string, from, to time.Time) ([]incident.Incident, map[string][]incident.HistoryEntry, error) {
	return m.withHistory(ctx, incidentsOpened, map[string]any{"serviceIds": list(serviceIDs), "from": from, "to": to})
}

// withHistory runs a statement returning incidents as "i" and reads their
// history, in one read transaction.
func (m *Incidents) withHistory(ctx context.Context, cypher string, params map[string]any) ([]incident.Incident, map[string][]incident.HistoryEntry, error) {
	type result struct {
		incs    []incident.Incident
		history map[string][]incident.HistoryEntry
	}
	res, err := read(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		recs, err := collect(ctx, tx, cypher, params)
		if err != nil {
			return result{}, err
		}
		incs := decodeIncidents(recs, "i")
		ids := make([]string, len(incs))
		for n, i := range incs {
			ids[n] = i.ID
		}
		h, err := trailsIn(ctx, tx, labelHistory, ids, nil, historyFromProps)
		return result{incs, h}, err
	})
	return res.incs, res.history, err
}

const outageIncidents = `
MATCH (i:Incident)
WHERE $serviceId IN i.downServiceIds AND i.createdAt < $to
  AND (i.resolvedAt IS NULL OR i.resolvedAt > $from)
RETURN properties(i) AS i`

// OutageIncidents implements incident.Store.
func (m *Incidents) OutageIncidents(ctx context.Context, serviceID string, from, to time.Time) ([]incident.Incident, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]incident.Incident, error) {
		recs, err := collect(ctx, tx, outageIncidents, map[string]any{"serviceId": serviceID, "from": from, "to": to})
		return decodeIncidents(recs, "i"), err
	})
}

// matrixCellDoc is one cell of the stored priority matrix document (see
// docs.go), under the Go field names it was first written with.
type matrixCellDoc struct {
	Impact   incident.Level    `json:"Impact"`
	Urgency  incident.Level    `json:"Urgency"`
	Priority incident.Priority `json:"Priority"`
}

const readMatrix = `
OPTIONAL MATCH (m:PriorityMatrix {name: 'incident'})
RETURN m.cells AS cells`

// PriorityMatrix implements incident.Store.
func (m *Incidents) PriorityMatrix(ctx context.Context) (incident.Matrix, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (incident.Matrix, error) {
		recs, err := collect(ctx, tx, readMatrix, nil)
		if err != nil {
			return nil, err
		}
		v, _ := recs[0].Get("cells")
		text, ok := v.(string)
		if !ok {
			return nil, nil
		}
		return matrixFromText(text)
	})
}

func matrixFromText(text string) (incident.Matrix, error) {
	var cells []matrixCellDoc
	if err := json.Unmarshal([]byte(text), &cells); err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "the stored priority matrix is unreadable; an admin must set it again")
	}
	return convert(cells, func(d matrixCellDoc) incident.MatrixCell {
		return incident.MatrixCell{Impact: d.Impact, Urgency: d.Urgency, Priority: d.Priority}
	}), nil
}

func matrixText(m incident.Matrix) (string, error) {
	b, err := json.Marshal(convert(m, func(c incident.MatrixCell) matrixCellDoc {
		return matrixCellDoc{Impact: c.Impact, Urgency: c.Urgency, Priority: c.Priority}
	}))
	return string(b), err
}

const saveMatrix = `
MERGE (m:PriorityMatrix {name: 'incident'})
SET m.cells = $cells, m.updatedAt = $at, m.updatedBy = $actor`

// SavePriorityMatrix implements incident.Store.
func (m *Incidents) SavePriorityMatrix(ctx context.Context, matrix incident.Matrix, actor string, at time.Time) error {
	cells, err := matrixText(matrix)
	if err != nil {
		return err
	}
	_, err = write(ctx, m.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, saveMatrix, map[string]any{"cells": cells, "at": at, "actor": actor})
		return struct{}{}, err
	})
	return err
}
