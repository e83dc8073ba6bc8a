package neo4j

import (
	"context"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
)

// ListIncidents implements incident.Store.
func (m *Incidents) ListIncidents(ctx context.Context, scope incident.Scope, f incident.Filter, p paging.Request) (paging.Page[incident.Incident], error) {
	key := func(i incident.Incident) (any, string) { return timeKey(f.Order, i.CreatedAt, i.UpdatedAt), i.ID }
	return listBy(ctx, m.s, incidentList(scope, f), p, infallible(incidentFromProps), key)
}

// incidentList is the list of the incidents in scope that f selects, in
// f's order.
func incidentList(scope incident.Scope, f incident.Filter) listSpec {
	where := newConditions()
	inScope(where, scope)
	in(where, "i", "state", "states", f.States)
	in(where, "i", "priority", "priorities", f.Priorities)
	where.equal("i", "assignmentGroupId", "groupId", f.AssignmentGroupID)
	where.equal("i", "assigneeId", "assigneeId", f.AssigneeID)
	where.equal("i", "callerId", "callerId", f.CallerID)
	if f.CIID != "" {
		where.add("$ciId IN i.ciIds", "ciId", f.CIID)
	}
	if f.ServiceID != "" {
		where.add("($serviceId IN i.serviceIds OR $serviceId IN i.impactedBusinessServiceIds)", "serviceId", f.ServiceID)
	}
	if f.Major != nil {
		where.add("i.major = $major", "major", *f.Major)
	}
	where.equal("i", "causedByChangeId", "causedByChangeId", f.CausedByChangeID)
	return synced(listSpec{match: "MATCH (i:Incident)", v: "i", where: where}, "incidents", f.Sync)
}

// inScope adds the condition that keeps the incidents of scope. Only the
// parts of the scope that are set join its alternatives.
func inScope(where *conditions, scope incident.Scope) {
	if term, params, ok := scopeTerm(scope); ok {
		where.add(term, params...)
	}
}

// scopeTerm is the condition on i that keeps the incidents of scope, with
// its parameters as name, value pairs; false when the scope keeps all.
func scopeTerm(scope incident.Scope) (string, []any, bool) {
	if scope.All {
		return "", nil, false
	}
	var anyOf []string
	params := []any{}
	if scope.CallerID != "" {
		anyOf, params = append(anyOf, "i.callerId = $scopeCaller"), append(params, "scopeCaller", scope.CallerID)
	}
	if scope.AssigneeID != "" {
		anyOf, params = append(anyOf, "i.assigneeId = $scopeAssignee"), append(params, "scopeAssignee", scope.AssigneeID)
	}
	if len(scope.GroupIDs) > 0 {
		anyOf, params = append(anyOf, "i.assignmentGroupId IN $scopeGroups"), append(params, "scopeGroups", scope.GroupIDs)
	}
	if scope.Unassigned {
		anyOf = append(anyOf, "i.assignmentGroupId IS NULL")
	}
	if scope.Major {
		anyOf = append(anyOf, "i.major")
	}
	if scope.Opened && len(scope.GroupIDs) > 0 {
		anyOf, params = append(anyOf, "i.openingGroupId IN $scopeOpened"), append(params, "scopeOpened", scope.GroupIDs)
	}
	if len(anyOf) == 0 {
		anyOf = []string{"false"} // a scope with no part reads nothing
	}
	return "(" + strings.Join(anyOf, " OR ") + ")", params, true
}

const openIncidentsOn = `
UNWIND $itemIds AS id
MATCH (:Item {id: id})<-[:AFFECTS]-(i:Incident)$$WHERE
WITH DISTINCT i ORDER BY i.priority, i.createdAt DESC LIMIT $limit
RETURN properties(i) AS i`

// OpenIncidentsOn implements incident.Store.
func (m *Incidents) OpenIncidentsOn(ctx context.Context, scope incident.Scope, itemIDs []string, limit int) ([]incident.Incident, error) {
	stmt, params := openIncidentsOnStatement(scope, itemIDs, limit)
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]incident.Incident, error) {
		recs, err := collect(ctx, tx, stmt, params)
		return decodeIncidents(recs, "i"), err
	})
}

// openIncidentsOnStatement starts from the items' id index and follows
// AFFECTS to their incidents, so it never reads every incident.
func openIncidentsOnStatement(scope incident.Scope, itemIDs []string, limit int) (string, map[string]any) {
	where := newConditions()
	inScope(where, scope)
	where.add("NOT i.state IN $ended", "ended", texts(incident.EndedStates()))
	params := where.params
	params["itemIds"], params["limit"] = list(itemIDs), int64(limit)
	return strings.Replace(openIncidentsOn, "$$WHERE", where.where(), 1), params
}

// incidentsCausedBy reads each change's newest incidents from the
// (causedByChangeId, createdAt) index.
const incidentsCausedBy = `
UNWIND $ids AS cid
CALL (cid) {
  MATCH (i:Incident) WHERE i.causedByChangeId = cid AND i.createdAt IS NOT NULL
  RETURN i ORDER BY i.createdAt DESC LIMIT $limit
}
RETURN cid AS id, properties(i) AS r`

// IncidentsCausedBy implements incident.Store.
func (m *Incidents) IncidentsCausedBy(ctx context.Context, changeIDs []string, limit int) (map[string][]incident.Incident, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string][]incident.Incident, error) {
		recs, err := collect(ctx, tx, incidentsCausedBy, map[string]any{"ids": list(changeIDs), "limit": int64(limit)})
		if err != nil {
			return nil, err
		}
		return groupAll(recs, "r", infallible(incidentFromProps))
	})
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
WHERE i.createdAt < $to AND (i.resolvedAt IS NULL OR i.resolvedAt > $from)
  AND any(s IN $serviceIds WHERE s IN i.downServiceIds OR s IN coalesce(i.degradedServiceIds, []))
RETURN properties(i) AS i`

// OutageIncidents implements incident.Store.
func (m *Incidents) OutageIncidents(ctx context.Context, serviceIDs []string, from, to time.Time) ([]incident.Incident, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]incident.Incident, error) {
		recs, err := collect(ctx, tx, outageIncidents, map[string]any{"serviceIds": serviceIDs, "from": from, "to": to})
		return decodeIncidents(recs, "i"), err
	})
}
