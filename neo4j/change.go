package neo4j

import (
	"context"
	"slices"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/tickets"
)

// Changes implements change.Store. A change is a :Change node with a
// TARGETS relationship to each item it modifies and a HAS_TRANSITION one to
// each recorded state change; approvals, the assessment and the review are
// small documents kept as JSON on the node, read and written with it under
// its lock.
type Changes struct{ s *Store }

// Changes returns the change management part of the store.
func (s *Store) Changes() *Changes { return &Changes{s: s} }

var _ change.Store = (*Changes)(nil)

// changeMigrations are the constraints and indexes of changes, their
// transitions, templates and freeze windows.
func changeMigrations() []string {
	return []string{
		"CREATE CONSTRAINT change_id IF NOT EXISTS FOR (c:Change) REQUIRE c.id IS UNIQUE",
		"CREATE INDEX change_created_at IF NOT EXISTS FOR (c:Change) ON (c.createdAt)",
		"CREATE INDEX change_updated_at IF NOT EXISTS FOR (c:Change) ON (c.updatedAt)",
		"CREATE INDEX change_planned_start IF NOT EXISTS FOR (c:Change) ON (c.plannedStart)",
		// unauthorizedChanges reads the few changes started outside their window.
		"CREATE INDEX change_window_exception IF NOT EXISTS FOR (c:Change) ON (c.windowExceptionAt)",
		"CREATE CONSTRAINT change_transition_id IF NOT EXISTS FOR (t:ChangeTransition) REQUIRE t.id IS UNIQUE",
		"CREATE CONSTRAINT change_template_id IF NOT EXISTS FOR (t:ChangeTemplate) REQUIRE t.id IS UNIQUE",
		"CREATE CONSTRAINT freeze_window_id IF NOT EXISTS FOR (f:FreezeWindow) REQUIRE f.id IS UNIQUE",
		"CREATE INDEX freeze_window_start IF NOT EXISTS FOR (f:FreezeWindow) ON (f.start)",
	}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func changeToProps(c change.Change) (map[string]any, error) {
	p := map[string]any{
		"id": c.ID, "number": nullable(c.Number), "title": c.Title, "description": nullable(c.Description), "justification": nullable(c.Justification),
		"type": string(c.Type), "state": string(c.State), "targetIds": c.TargetIDs,
		"plannedStart": nullTime(c.PlannedStart), "plannedEnd": nullTime(c.PlannedEnd),
		"implementationPlan": nullable(c.ImplementationPlan), "backoutPlan": nullable(c.BackoutPlan), "testPlan": nullable(c.TestPlan),
		"requesterId": c.RequesterID, "assignmentGroupId": nullable(c.AssignmentGroupID), "templateId": nullable(c.TemplateID),
		"version": int64(c.Version), "createdAt": c.CreatedAt, "updatedAt": c.UpdatedAt,
	}
	var err error
	approvals := make([]approvalDoc, 0, len(c.Approvals))
	for _, a := range c.Approvals {
		approvals = append(approvals, approvalToDoc(a))
	}
	if p["approvals"], err = jsonProp(approvals); err != nil {
		return nil, err
	}
	if c.Assessment != nil {
		a := c.Assessment
		if p["assessment"], err = jsonProp(assessmentToDoc(*a)); err != nil {
			return nil, err
		}
		// Kept apart from the document: conflicts are found by comparing
		// these lists, and the risk level is filtered on.
		p["impactedIds"] = a.ImpactedIDs
		p["riskLevel"] = string(a.Risk.Level)
		p["riskScore"] = int64(a.Risk.Score)
	}
	if c.Review != nil {
		if p["review"], err = jsonProp(reviewToDoc(*c.Review)); err != nil {
			return nil, err
		}
		p["outcome"] = string(c.Review.Outcome)
	}
	if x := c.WindowException; x != nil {
		p["windowExceptionReason"], p["windowExceptionBy"], p["windowExceptionAt"] = x.Reason, x.ActorID, x.At
	}
	return p, nil
}

// changeFromProps decodes a change node; INTERNAL when one of its documents
// cannot be read.
func changeFromProps(p map[string]any) (change.Change, error) {
	c := change.Change{
		ID: str(p, "id"), Number: str(p, "number"), Title: str(p, "title"), Description: str(p, "description"), Justification: str(p, "justification"),
		Type: change.Type(str(p, "type")), State: change.State(str(p, "state")), TargetIDs: strs(p["targetIds"]),
		PlannedStart: tm(p, "plannedStart"), PlannedEnd: tm(p, "plannedEnd"),
		ImplementationPlan: str(p, "implementationPlan"), BackoutPlan: str(p, "backoutPlan"), TestPlan: str(p, "testPlan"),
		RequesterID: str(p, "requesterId"), AssignmentGroupID: str(p, "assignmentGroupId"), TemplateID: str(p, "templateId"),
		Version: num(p, "version"), CreatedAt: tm(p, "createdAt"), UpdatedAt: tm(p, "updatedAt"),
	}
	var approvals []approvalDoc
	if err := decodeDoc(p, "approvals", "change", &approvals); err != nil {
		return change.Change{}, err
	}
	for _, a := range approvals {
		c.Approvals = append(c.Approvals, approvalFromDoc(a))
	}
	if str(p, "assessment") != "" {
		var d assessmentDoc
		if err := decodeDoc(p, "assessment", "change", &d); err != nil {
			return change.Change{}, err
		}
		c.Assessment = assessmentFromDoc(d, strs(p["impactedIds"]))
	}
	if str(p, "review") != "" {
		var d reviewDoc
		if err := decodeDoc(p, "review", "change", &d); err != nil {
			return change.Change{}, err
		}
		c.Review = reviewFromDoc(d)
	}
	if at := tmPtr(p, "windowExceptionAt"); at != nil {
		c.WindowException = &change.WindowException{Reason: str(p, "windowExceptionReason"), ActorID: str(p, "windowExceptionBy"), At: *at}
	}
	return c, nil
}

func transitionParams(ts []change.Transition) []map[string]any {
	out := make([]map[string]any, 0, len(ts))
	for _, t := range ts {
		out = append(out, map[string]any{
			"id": t.ID, "changeId": t.ChangeID, "from": nullable(string(t.From)), "to": string(t.To),
			"actor": t.Actor, "at": t.At, "comment": nullable(t.Comment),
		})
	}
	return out
}

func transitionFromProps(p map[string]any) change.Transition {
	return change.Transition{ID: str(p, "id"), ChangeID: str(p, "changeId"), From: change.State(str(p, "from")),
		To: change.State(str(p, "to")), Actor: str(p, "actor"), At: tm(p, "at"), Comment: str(p, "comment")}
}

const (
	createChange = `
CREATE (c:Change)
SET c = $props
WITH c
UNWIND $targetIds AS tid
MATCH (i:Item {id: tid})
CREATE (c)-[:TARGETS]->(i)`
	// Transitions of one write share their time, so a sequence number
	// keeps their order.
	recordTransitions = `
MATCH (c:Change {id: $id})
OPTIONAL MATCH (c)-[:HAS_TRANSITION]->(old:ChangeTransition)
WITH c, count(old) AS base
UNWIND range(0, size($transitions) - 1) AS i
CREATE (c)-[:HAS_TRANSITION]->(n:ChangeTransition)
SET n = $transitions[i], n.seq = base + i`
	retarget = `
MATCH (c:Change {id: $id})
OPTIONAL MATCH (c)-[r:TARGETS]->()
DELETE r
WITH DISTINCT c
UNWIND $targetIds AS tid
MATCH (i:Item {id: tid})
CREATE (c)-[:TARGETS]->(i)`
)

// CreateChange implements change.Store.
func (cs *Changes) CreateChange(ctx context.Context, c change.Change, first change.Transition, key *ids.IdempotencyKey) (change.Change, error) {
	props, err := changeToProps(c)
	if err != nil {
		return change.Change{}, err
	}
	return write(ctx, cs.s, func(tx driver.ManagedTransaction) (change.Change, error) {
		if key != nil {
			firstID, err := claimKey(ctx, tx, key, c.ID, c.CreatedAt)
			if err != nil {
				return change.Change{}, err
			}
			if firstID != c.ID {
				got, err := getChanges(ctx, tx, []string{firstID})
				if err != nil {
					return change.Change{}, err
				}
				if len(got) == 0 {
					return change.Change{}, apperr.New(apperr.NotFound, "the change created under idempotencyKey %q no longer exists", key.Key)
				}
				return got[firstID], nil
			}
		}
		if err := ensureAssignmentGroup(ctx, tx, c.AssignmentGroupID); err != nil {
			return change.Change{}, err
		}
		number, err := nextNumber(ctx, tx, tickets.Change)
		if err != nil {
			return change.Change{}, err
		}
		c.Number, props["number"] = number, number
		if _, err := collect(ctx, tx, createChange, map[string]any{"props": props, "targetIds": c.TargetIDs}); err != nil {
			return change.Change{}, err
		}
		if _, err = collect(ctx, tx, recordTransitions, map[string]any{"id": c.ID, "transitions": transitionParams([]change.Transition{first})}); err != nil {
			return change.Change{}, err
		}
		return c, emitChange(ctx, tx, c)
	})
}

// emitChange appends the event of a change written (see emit).
func emitChange(ctx context.Context, tx driver.ManagedTransaction, c change.Change) error {
	evs, err := eventsFor(events.KindChange, func(c change.Change) string { return c.ID }, change.EventKeys, c)
	if err != nil {
		return err
	}
	return emit(ctx, tx, evs...)
}

// ensureAssignmentGroup is ensureGroup with the error naming this field.
func ensureAssignmentGroup(ctx context.Context, tx driver.ManagedTransaction, id string) error {
	err := ensureGroup(ctx, tx, id)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.NotFound, "assignmentGroupId: no group has id %q", id)
	}
	return err
}

const lockChange = `
MATCH (c:Change {id: $id})
SET c._lock = true
REMOVE c._lock
RETURN properties(c) AS c`

const replaceChange = `MATCH (c:Change {id: $id}) SET c = $props`

// UpdateChange implements change.Store.
func (cs *Changes) UpdateChange(ctx context.Context, id string, apply func(change.Change) (change.Change, []change.Transition, error)) (change.Change, error) {
	return write(ctx, cs.s, func(tx driver.ManagedTransaction) (change.Change, error) {
		recs, err := collect(ctx, tx, lockChange, map[string]any{"id": id})
		if err != nil {
			return change.Change{}, err
		}
		if len(recs) == 0 {
			return change.Change{}, apperr.New(apperr.NotFound, "no change has id %q", id)
		}
		cur, err := changeFromProps(props(recs[0], "c"))
		if err != nil {
			return change.Change{}, err
		}
		next, trs, err := apply(cur)
		if err != nil {
			return change.Change{}, err
		}
		if next.Version == cur.Version {
			return cur, nil
		}
		if next.AssignmentGroupID != cur.AssignmentGroupID {
			if err := ensureAssignmentGroup(ctx, tx, next.AssignmentGroupID); err != nil {
				return change.Change{}, err
			}
		}
		p, err := changeToProps(next)
		if err != nil {
			return change.Change{}, err
		}
		if _, err := collect(ctx, tx, replaceChange, map[string]any{"id": id, "props": p}); err != nil {
			return change.Change{}, err
		}
		if !slices.Equal(next.TargetIDs, cur.TargetIDs) {
			if _, err := collect(ctx, tx, retarget, map[string]any{"id": id, "targetIds": next.TargetIDs}); err != nil {
				return change.Change{}, err
			}
		}
		if len(trs) > 0 {
			if _, err := collect(ctx, tx, recordTransitions, map[string]any{"id": id, "transitions": transitionParams(trs)}); err != nil {
				return change.Change{}, err
			}
		}
		return next, emitChange(ctx, tx, next)
	})
}

const getChangesByID = `
MATCH (c:Change) WHERE c.id IN $ids
RETURN properties(c) AS c`

func getChanges(ctx context.Context, tx driver.ManagedTransaction, ids []string) (map[string]change.Change, error) {
	recs, err := collect(ctx, tx, getChangesByID, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	list, err := decodeAll(recs, "c", changeFromProps)
	if err != nil {
		return nil, err
	}
	return byID(list, func(c change.Change) string { return c.ID }), nil
}

// Changes implements change.Store.
func (cs *Changes) Changes(ctx context.Context, ids []string) (map[string]change.Change, error) {
	return read(ctx, cs.s, func(tx driver.ManagedTransaction) (map[string]change.Change, error) {
		return getChanges(ctx, tx, ids)
	})
}

// ListChanges implements change.Store, in f's order.
func (cs *Changes) ListChanges(ctx context.Context, f change.Filter, p paging.Request) (paging.Page[change.Change], error) {
	return listBy(ctx, cs.s, changeList(f), p, changeFromProps, func(c change.Change) (any, string) { return timeKey(f.Order, c.CreatedAt, c.UpdatedAt), c.ID })
}

// changeList is the list of changes f selects, in f's order.
func changeList(f change.Filter) listSpec {
	where := newConditions()
	in(where, "c", "state", "states", f.States)
	in(where, "c", "type", "types", f.Types)
	in(where, "c", "riskLevel", "riskLevels", f.RiskLevels)
	where.equal("c", "requesterId", "requesterId", f.RequesterID)
	if f.TargetID != "" {
		where.add("$targetId IN c.targetIds", "targetId", f.TargetID)
	}
	return synced(listSpec{match: "MATCH (c:Change)", v: "c", where: where}, "changes", f.Sync)
}

const changesIn = `
MATCH (c:Change)
WHERE c.plannedStart < $end AND c.plannedEnd > $start AND c.state IN $states
RETURN properties(c) AS c
ORDER BY c.plannedStart, c.id
LIMIT $limit`

// ChangesIn implements change.Store.
func (cs *Changes) ChangesIn(ctx context.Context, w change.Window, states []change.State, limit int) ([]change.Change, error) {
	if len(states) == 0 {
		states = change.States()
	}
	return readAll(ctx, cs.s, changesIn, map[string]any{"start": w.Start, "end": w.End, "states": nullList(states), "limit": int64(limit)}, "c", changeFromProps)
}

const transitionsOf = `
MATCH (c:Change)-[:HAS_TRANSITION]->(t:ChangeTransition) WHERE c.id IN $ids
RETURN c.id AS id, properties(t) AS t
ORDER BY t.seq`

// Transitions implements change.Store.
func (cs *Changes) Transitions(ctx context.Context, ids []string) (map[string][]change.Transition, error) {
	return read(ctx, cs.s, func(tx driver.ManagedTransaction) (map[string][]change.Transition, error) {
		recs, err := collect(ctx, tx, transitionsOf, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		return groupAll(recs, "t", infallible(transitionFromProps))
	})
}
