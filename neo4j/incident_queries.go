package neo4j

import (
	"context"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
)

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
