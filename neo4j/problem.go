package neo4j

import (
	"context"
	"slices"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/problem"
)

// Problems implements problem.Store. A problem is a (:Problem) node with
// its lists of ids as properties and its trails as (:ProblemRecord) nodes
// hanging off (:Problem)-[:HAS_RECORD]->. Its link to an incident is the
// incident's problemIds list, mirrored as
// (:Incident)-[:LINKED_TO_PROBLEM]->(:Problem) in the same transaction
// (by this store and by the incident store alike), so that the incidents of
// a problem are read by relationship.
type Problems struct{ s *Store }

// Problems returns the problem part of the store.
func (s *Store) Problems() *Problems { return &Problems{s: s} }

var _ problem.Store = (*Problems)(nil)

// problemMigrations are the constraints and indexes of problems, their
// records and their number counter.
func problemMigrations() []string {
	return []string{
		"CREATE CONSTRAINT problem_id IF NOT EXISTS FOR (p:Problem) REQUIRE p.id IS UNIQUE",
		"CREATE INDEX problem_created_at IF NOT EXISTS FOR (p:Problem) ON (p.createdAt)",
		"CREATE INDEX problem_updated_at IF NOT EXISTS FOR (p:Problem) ON (p.updatedAt)",
		"CREATE INDEX problem_state_created_at IF NOT EXISTS FOR (p:Problem) ON (p.state, p.createdAt)",
		"CREATE INDEX problem_group IF NOT EXISTS FOR (p:Problem) ON (p.assignmentGroupId)",
		"CREATE TEXT INDEX problem_search IF NOT EXISTS FOR (p:Problem) ON (p.searchText)",
		"CREATE CONSTRAINT problem_record_id IF NOT EXISTS FOR (r:ProblemRecord) REQUIRE r.id IS UNIQUE",
	}
}

func problemToProps(p problem.Problem) map[string]any {
	return map[string]any{
		"id":                p.ID,
		"number":            p.Number,
		"title":             p.Title,
		"description":       nullable(p.Description),
		"category":          nullable(p.Category),
		"impact":            string(p.Impact),
		"urgency":           string(p.Urgency),
		"priority":          string(p.Priority),
		"assignmentGroupId": nullable(p.AssignmentGroupID),
		"assigneeId":        nullable(p.AssigneeID),
		"ciIds":             list(p.CIIDs),
		"serviceIds":        list(p.ServiceIDs),
		"changeIds":         list(p.ChangeIDs),
		"rootCause":         nullable(p.RootCause),
		"rootCauseCiId":     nullable(p.RootCauseCIID),
		"workaround":        nullable(p.Workaround),
		"state":             string(p.State),
		"closureCode":       nullable(string(p.ClosureCode)),
		"closureReason":     nullable(p.ClosureReason),
		"openedBy":          p.OpenedBy,
		"idempotencyKey":    nullable(p.IdempotencyKey),
		"searchText":        problem.SearchText(p),
		"version":           int64(p.Version),
		"createdAt":         p.CreatedAt,
		"updatedAt":         p.UpdatedAt,
		"resolvedAt":        optTime(p.ResolvedAt),
		"closedAt":          optTime(p.ClosedAt),
	}
}

func problemFromProps(p map[string]any) problem.Problem {
	return problem.Problem{
		ID: str(p, "id"), Number: str(p, "number"), Title: str(p, "title"), Description: str(p, "description"),
		Category: str(p, "category"), Impact: incident.Level(str(p, "impact")), Urgency: incident.Level(str(p, "urgency")),
		Priority:          incident.Priority(str(p, "priority")),
		AssignmentGroupID: str(p, "assignmentGroupId"), AssigneeID: str(p, "assigneeId"),
		CIIDs: idList(p["ciIds"]), ServiceIDs: idList(p["serviceIds"]), ChangeIDs: idList(p["changeIds"]),
		RootCause: str(p, "rootCause"), RootCauseCIID: str(p, "rootCauseCiId"), Workaround: str(p, "workaround"),
		State: problem.State(str(p, "state")), ClosureCode: problem.ClosureCode(str(p, "closureCode")),
		ClosureReason: str(p, "closureReason"), OpenedBy: str(p, "openedBy"), IdempotencyKey: str(p, "idempotencyKey"),
		Version: num(p, "version"), CreatedAt: tm(p, "createdAt"), UpdatedAt: tm(p, "updatedAt"),
		ResolvedAt: tmPtr(p, "resolvedAt"), ClosedAt: tmPtr(p, "closedAt"),
	}
}

// missingProblemRefs lists the referenced records that do not exist, and
// whether the assignee belongs to the assignment group.
const missingProblemRefs = `
RETURN [id IN $ciIds WHERE NOT EXISTS { MATCH (:CI:Item {id: id}) }] AS cis,
       [id IN $serviceIds WHERE NOT EXISTS { MATCH (:Service:Item {id: id}) }] AS services,
       [id IN $changeIds WHERE NOT EXISTS { MATCH (:Change {id: id}) }] AS changes,
       [id IN $rootCis WHERE NOT EXISTS { MATCH (:CI:Item {id: id}) }] AS rootCis,
       [id IN $groupIds WHERE NOT EXISTS { MATCH (:Group {id: id}) }] AS groups,
       [id IN $userIds WHERE NOT EXISTS { MATCH (:User {id: id}) }] AS users,
       $assigneeId IS NULL OR EXISTS { MATCH (:User {id: $assigneeId})-[:MEMBER_OF_GROUP]->(:Group {id: $groupId}) } AS member`

// checkProblemRefs returns NOT_FOUND naming the first reference of p that
// does not exist, and BAD_USER_INPUT for an assignee outside the group.
func checkProblemRefs(ctx context.Context, tx driver.ManagedTransaction, p problem.Problem) error {
	recs, err := collect(ctx, tx, missingProblemRefs, map[string]any{
		"ciIds": list(p.CIIDs), "serviceIds": list(p.ServiceIDs), "changeIds": list(p.ChangeIDs),
		"rootCis": list(nonEmpty(p.RootCauseCIID)), "groupIds": list(nonEmpty(p.AssignmentGroupID)),
		"userIds": list(nonEmpty(p.AssigneeID)), "assigneeId": nullable(p.AssigneeID), "groupId": nullable(p.AssignmentGroupID),
	})
	if err != nil {
		return err
	}
	r := recs[0]
	for _, c := range []struct{ key, field, what string }{
		{"cis", "ciIds", "configuration item"}, {"services", "serviceIds", "service"}, {"changes", "changeIds", "change"},
		{"rootCis", "rootCauseCiId", "configuration item"}, {"groups", "assignmentGroupId", "group"}, {"users", "assigneeId", "user"},
	} {
		v, _ := r.Get(c.key)
		if missing := strs(v); len(missing) > 0 {
			return apperr.New(apperr.NotFound, "%s: no %s has id %q", c.field, c.what, missing[0])
		}
	}
	if member, _ := r.Get("member"); member != true {
		return apperr.Invalid("assigneeId", "user %s is not a member of group %s; choose a member or add them to the group", p.AssigneeID, p.AssignmentGroupID)
	}
	return nil
}

// createProblem numbers the problem from the counter, whose lock
// serialises the numbering of concurrent creates.
const createProblem = `
MERGE (c:ProblemCounter {name: 'problem'})
SET c.next = coalesce(c.next, 0) + 1
WITH c.next AS n
CREATE (p:Problem)
SET p = $props, p.number = 'PRB' + right('000000' + toString(n), 7)
RETURN p.number AS number`

// CreateProblem implements problem.Store.
func (m *Problems) CreateProblem(ctx context.Context, p problem.Problem, rec problem.Records, key *ids.IdempotencyKey, incidentIDs []string,
	link func(problem.World) ([]problem.IncidentWrite, error)) (problem.Problem, bool, error) {
	type result struct {
		p       problem.Problem
		created bool
	}
	res, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		if key != nil {
			first, err := claimKey(ctx, tx, key, p.ID, p.CreatedAt)
			if err != nil {
				return result{}, err
			}
			if first != p.ID {
				got, err := getProblems(ctx, tx, []string{first})
				if err != nil {
					return result{}, err
				}
				if len(got) == 0 {
					return result{}, apperr.New(apperr.NotFound, "the problem created under idempotencyKey %q no longer exists", key.Key)
				}
				return result{p: got[0]}, nil
			}
		}
		if err := checkProblemRefs(ctx, tx, p); err != nil {
			return result{}, err
		}
		incs, err := lockIncidents(ctx, tx, incidentIDs)
		if err != nil {
			return result{}, err
		}
		writes, err := link(problem.World{Incidents: incs})
		if err != nil {
			return result{}, err
		}
		recs, err := collect(ctx, tx, createProblem, map[string]any{"props": problemToProps(p)})
		if err != nil {
			return result{}, err
		}
		number, _ := recs[0].Get("number")
		p.Number, _ = number.(string)
		if err := appendProblemRecords(ctx, tx, p.ID, rec); err != nil {
			return result{}, err
		}
		if err := writeIncidents(ctx, tx, incs, writes); err != nil {
			return result{}, err
		}
		return result{p: p, created: true}, emitProblem(ctx, tx, p, writes)
	})
	return res.p, res.created, err
}

const getProblemsByID = `
MATCH (p:Problem) WHERE p.id IN $ids
RETURN properties(p) AS p`

func getProblems(ctx context.Context, tx driver.ManagedTransaction, ids []string) ([]problem.Problem, error) {
	recs, err := collect(ctx, tx, getProblemsByID, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make([]problem.Problem, 0, len(recs))
	for _, r := range recs {
		out = append(out, problemFromProps(props(r, "p")))
	}
	return out, nil
}

// GetProblems implements problem.Store.
func (m *Problems) GetProblems(ctx context.Context, ids []string) ([]problem.Problem, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]problem.Problem, error) {
		return getProblems(ctx, tx, ids)
	})
}

// lockProblem takes the problem's write lock before reading it, and reads
// the ids of its linked incidents.
const lockProblem = `
MATCH (p:Problem {id: $id})
SET p._lock = true
REMOVE p._lock
RETURN properties(p) AS p, COLLECT { MATCH (p)<-[:LINKED_TO_PROBLEM]-(i:Incident) RETURN i.id ORDER BY i.id } AS linked`

// lockIncidentsByID takes the write locks of incidents and reads them.
const lockIncidentsByID = `
MATCH (i:Incident) WHERE i.id IN $ids
SET i._lock = true
REMOVE i._lock
RETURN properties(i) AS i`

func lockIncidents(ctx context.Context, tx driver.ManagedTransaction, ids []string) (map[string]incident.Incident, error) {
	out := map[string]incident.Incident{}
	if len(ids) == 0 {
		return out, nil
	}
	recs, err := collect(ctx, tx, lockIncidentsByID, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	for _, i := range decodeIncidents(recs, "i") {
		out[i.ID] = i
	}
	return out, nil
}

const changeStates = `
MATCH (c:Change) WHERE c.id IN $ids
RETURN c.id AS id, c.state AS state`

const replaceProblem = `
MATCH (p:Problem {id: $id})
SET p = $props`

// UpdateProblem implements problem.Store.
func (m *Problems) UpdateProblem(ctx context.Context, id string, reads problem.Reads,
	apply func(problem.Problem, problem.World) (problem.Write, error)) (problem.Problem, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (problem.Problem, error) {
		recs, err := collect(ctx, tx, lockProblem, map[string]any{"id": id})
		if err != nil {
			return problem.Problem{}, err
		}
		if len(recs) == 0 {
			return problem.Problem{}, apperr.New(apperr.NotFound, "no problem has id %q", id)
		}
		cur := problemFromProps(props(recs[0], "p"))
		w := problem.World{ChangeStates: map[string]change.State{}}
		if reads.Linked {
			l, _ := recs[0].Get("linked")
			w.Linked = strs(l)
		}
		if w.Incidents, err = lockIncidents(ctx, tx, slices.Concat(w.Linked, reads.IncidentIDs)); err != nil {
			return problem.Problem{}, err
		}
		if reads.Changes && len(cur.ChangeIDs) > 0 {
			cs, err := collect(ctx, tx, changeStates, map[string]any{"ids": cur.ChangeIDs})
			if err != nil {
				return problem.Problem{}, err
			}
			for _, r := range cs {
				cid, _ := r.Get("id")
				st, _ := r.Get("state")
				k, _ := cid.(string)
				v, _ := st.(string)
				w.ChangeStates[k] = change.State(v)
			}
		}
		wr, err := apply(cur, w)
		if err != nil {
			return problem.Problem{}, err
		}
		next := wr.Problem
		if next.Version != cur.Version {
			if err := checkProblemRefs(ctx, tx, next); err != nil {
				return problem.Problem{}, err
			}
			if _, err := collect(ctx, tx, replaceProblem, map[string]any{"id": id, "props": problemToProps(next)}); err != nil {
				return problem.Problem{}, err
			}
		}
		if wr.Records != nil {
			if err := appendProblemRecords(ctx, tx, id, *wr.Records); err != nil {
				return problem.Problem{}, err
			}
		}
		if err := writeIncidents(ctx, tx, w.Incidents, wr.Incidents); err != nil {
			return problem.Problem{}, err
		}
		if next.Version == cur.Version && wr.Records == nil && len(wr.Incidents) == 0 {
			return next, nil
		}
		return next, emitProblem(ctx, tx, next, wr.Incidents)
	})
}

// emitProblem appends the events of a problem written and of the
// incidents written with it (see emit).
func emitProblem(ctx context.Context, tx driver.ManagedTransaction, p problem.Problem, writes []problem.IncidentWrite) error {
	evs, err := eventsFor(events.KindProblem, func(p problem.Problem) string { return p.ID }, problem.EventKeys, p)
	if err != nil {
		return err
	}
	incs := make([]incident.Incident, len(writes))
	for i, w := range writes {
		incs[i] = w.Incident
	}
	more, err := incidentEvents(incs...)
	if err != nil {
		return err
	}
	return emit(ctx, tx, append(evs, more...)...)
}

// relinkProblems makes an incident's LINKED_TO_PROBLEM relationships
// follow its problemIds (to the problems that exist).
const relinkProblems = `
MATCH (i:Incident {id: $id})
OPTIONAL MATCH (i)-[l:LINKED_TO_PROBLEM]->()
DELETE l
WITH DISTINCT i
UNWIND $problemIds AS pid
MATCH (p:Problem {id: pid})
CREATE (i)-[:LINKED_TO_PROBLEM]->(p)`

func syncProblemLinks(ctx context.Context, tx driver.ManagedTransaction, cur, next incident.Incident) error {
	if slices.Equal(cur.ProblemIDs, next.ProblemIDs) {
		return nil
	}
	_, err := collect(ctx, tx, relinkProblems, map[string]any{"id": next.ID, "problemIds": list(next.ProblemIDs)})
	return err
}

// writeIncidents writes incidents changed with a problem: their
// properties, their problem links and their trails.
func writeIncidents(ctx context.Context, tx driver.ManagedTransaction, before map[string]incident.Incident, writes []problem.IncidentWrite) error {
	for _, iw := range writes {
		next := iw.Incident
		if _, err := collect(ctx, tx, replaceIncident, map[string]any{"id": next.ID, "props": incidentToProps(next)}); err != nil {
			return err
		}
		if err := syncProblemLinks(ctx, tx, before[next.ID], next); err != nil {
			return err
		}
		if iw.Records != nil {
			if err := appendTrails(ctx, tx, next.ID, *iw.Records); err != nil {
				return err
			}
		}
	}
	return nil
}

// Problem trail labels: the only labels spliced into the record statements.
const (
	labelProblemHistory = "ProblemHistory"
	labelProblemNote    = "ProblemNote"
)

func problemTrailStatement(template, label string) string {
	switch label {
	case labelProblemHistory, labelProblemNote:
		return strings.ReplaceAll(template, "$$LABEL", label)
	}
	panic("unknown problem trail label " + label)
}

const appendProblemTrail = `
MATCH (p:Problem {id: $id})
UNWIND $rows AS row
CREATE (r:ProblemRecord:$$LABEL)
SET r = row
CREATE (p)-[:HAS_RECORD]->(r)`

func appendProblemRecords(ctx context.Context, tx driver.ManagedTransaction, id string, rec problem.Records) error {
	rows := map[string][]map[string]any{}
	for n, h := range rec.History {
		rows[labelProblemHistory] = append(rows[labelProblemHistory], map[string]any{"id": h.ID, "at": h.At, "seq": int64(n),
			"actor": h.Actor, "field": string(h.Field), "from": nullable(h.From), "to": nullable(h.To), "comment": nullable(h.Comment)})
	}
	for n, e := range rec.Notes {
		rows[labelProblemNote] = append(rows[labelProblemNote], map[string]any{"id": e.ID, "at": e.At, "seq": int64(n),
			"author": e.Author, "body": e.Body})
	}
	for _, label := range []string{labelProblemHistory, labelProblemNote} {
		if len(rows[label]) == 0 {
			continue
		}
		if _, err := collect(ctx, tx, problemTrailStatement(appendProblemTrail, label), map[string]any{"id": id, "rows": rows[label]}); err != nil {
			return err
		}
	}
	return nil
}

const readProblemTrail = `
MATCH (p:Problem)-[:HAS_RECORD]->(r:$$LABEL)
WHERE p.id IN $ids
RETURN p.id AS id, properties(r) AS r
ORDER BY r.at, r.seq`

func readProblemTrails[T any](ctx context.Context, s *Store, label string, ids []string, decode func(map[string]any) T) (map[string][]T, error) {
	return read(ctx, s, func(tx driver.ManagedTransaction) (map[string][]T, error) {
		recs, err := collect(ctx, tx, problemTrailStatement(readProblemTrail, label), map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		return groupAll(recs, "r", infallible(decode))
	})
}

// History implements problem.Store.
func (m *Problems) History(ctx context.Context, ids []string) (map[string][]problem.HistoryEntry, error) {
	return readProblemTrails(ctx, m.s, labelProblemHistory, ids, func(p map[string]any) problem.HistoryEntry {
		return problem.HistoryEntry{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"), Field: problem.HistoryField(str(p, "field")),
			From: str(p, "from"), To: str(p, "to"), Comment: str(p, "comment")}
	})
}

// Notes implements problem.Store.
func (m *Problems) Notes(ctx context.Context, ids []string) (map[string][]problem.Note, error) {
	return readProblemTrails(ctx, m.s, labelProblemNote, ids, func(p map[string]any) problem.Note {
		return problem.Note{ID: str(p, "id"), At: tm(p, "at"), Author: str(p, "author"), Body: str(p, "body")}
	})
}

const linkedIncidents = `
MATCH (p:Problem)<-[:LINKED_TO_PROBLEM]-(i:Incident)
WHERE p.id IN $ids
RETURN p.id AS id, i.id AS incidentId
ORDER BY i.createdAt, i.id`

// LinkedIncidents implements problem.Store.
func (m *Problems) LinkedIncidents(ctx context.Context, ids []string) (map[string][]string, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string][]string, error) {
		recs, err := collect(ctx, tx, linkedIncidents, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		out := map[string][]string{}
		for _, r := range recs {
			pid, _ := r.Get("id")
			iid, _ := r.Get("incidentId")
			k, _ := pid.(string)
			v, _ := iid.(string)
			out[k] = append(out[k], v)
		}
		return out, nil
	})
}
