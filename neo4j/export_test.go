package neo4j

import (
	"context"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/problem"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/search"
	"github.com/itsm-graph/itsm/sla"
)

// Statements are the statements of one list, for the tests that guard the
// plans Neo4j chooses for them.
type Statements struct {
	First, Next, Count string
	Params             map[string]any
}

func statementsOf(l listSpec) Statements {
	params := map[string]any{"afterValue": "x", "afterId": "x", "limit": int64(21)}
	for k, v := range l.where.params {
		params[k] = v
	}
	return Statements{First: l.statement(false), Next: l.statement(true), Count: l.count(), Params: params}
}

// CIListStatements are the statements ListCIs runs for f and o.
func CIListStatements(f cmdb.Filter, o cmdb.Order) (Statements, error) {
	l, err := ciList(f, o)
	return statementsOf(l), err
}

// The statements of the other lists.
func ServiceListStatements(f catalog.Filter) Statements  { return statementsOf(serviceList(f)) }
func UnitListStatements() Statements                     { return statementsOf(unitList()) }
func ProcessListStatements() Statements                  { return statementsOf(processList()) }
func UserListStatements() Statements                     { return statementsOf(userList()) }
func GroupListStatements() Statements                    { return statementsOf(groupList()) }
func SLAListStatements(customerID string) Statements     { return statementsOf(slaList(customerID)) }
func OLAListStatements(groupID string) Statements        { return statementsOf(olaList(groupID)) }
func SLAEventLogStatements(f sla.EventFilter) Statements { return statementsOf(eventLog(f)) }

func ChangeListStatements(f change.Filter) Statements { return statementsOf(changeList(f)) }
func ProblemListStatements(f problem.Filter, o problem.Order) Statements {
	return statementsOf(problemList(f, o))
}
func KnownErrorStatements(f problem.KnownErrorFilter) Statements {
	return statementsOf(knownErrorList(f))
}
func IncidentListStatements(scope incident.Scope, f incident.Filter) Statements {
	return statementsOf(incidentList(scope, f))
}
func OpenIncidentsOnStatements(scope incident.Scope) Statements {
	stmt, params := openIncidentsOnStatement(scope, []string{"ci_a", "svc_b"}, 100)
	return Statements{First: stmt, Next: stmt, Params: params}
}

// MyRequestsStatements and MyApprovalsStatements are the statements of a
// requester's request list and an approver's inbox.
func MyRequestsStatements() Statements {
	return Statements{First: myRequestsPage(false, "", "createdAt", true), Next: myRequestsPage(true, "", "createdAt", true), Count: countMyRequests(""),
		Params: map[string]any{"me": "usr_a", "afterValue": "x", "afterId": "x", "limit": int64(21)}}
}
func MyApprovalsStatements() Statements { return statementsOf(myApprovalsList("usr_a")) }

// TaskQueueStatements are the statements of a task queue over two groups.
func TaskQueueStatements() Statements {
	return statementsOf(taskQueueList([]string{"grp_a", "grp_b"}, []request.TaskState{request.TaskOpen, request.TaskInProgress}))
}

// OrderedStatements are the statements of the inbox, the task queue and a
// requester's list ordered by o, as their orderBy argument orders them.
func OrderedStatements(o paging.TimeOrder) map[string]Statements {
	prop, desc, _ := timeSort("myRequests", "createdAt", o)
	return map[string]Statements{
		"myApprovals": statementsOf(orderedByTime(myApprovalsList("usr_a"), "myApprovals", o)),
		"task queue":  statementsOf(orderedByTime(taskQueueList([]string{"grp_a", "grp_b"}, []request.TaskState{request.TaskOpen}), "taskQueue", o)),
		"myRequests": {First: myRequestsPage(false, "", prop, desc), Next: myRequestsPage(true, "", prop, desc), Count: countMyRequests(""),
			Params: map[string]any{"me": "usr_a", "afterValue": "x", "afterId": "x", "limit": int64(21)}},
	}
}

// WebhookDeliveriesStatement is the read of webhooks' latest deliveries.
func WebhookDeliveriesStatement() (string, map[string]any) {
	return webhookDeliveries, map[string]any{"ids": []string{"whk_a", "whk_b"}, "limit": int64(20)}
}

// RequestListStatements are the statements of the staff list for f.
func RequestListStatements(f request.Filter) Statements { return statementsOf(requestList(f)) }

// NeighbourhoodStatement is the statement Impact.Neighbourhood runs.
func NeighbourhoodStatement(id string, depth int, types []string, first int, retired []string) (string, map[string]any) {
	return neighbourhoodStatement(id, depth, types, first, retired)
}

// Operators returns the operators of the plan Neo4j chooses for stmt.
func (s *Store) Operators(ctx context.Context, stmt string, params map[string]any) ([]string, error) {
	return s.plan(ctx, stmt, params, false)
}

// PlanDetails returns the operators of the plan Neo4j chooses for stmt,
// each followed by its details (the index it reads, the predicate it
// applies).
func (s *Store) PlanDetails(ctx context.Context, stmt string, params map[string]any) ([]string, error) {
	return s.plan(ctx, stmt, params, true)
}

// plan reads the plan from PROFILE rather than EXPLAIN: the driver's
// Plan.Children (v5.28) hands out its last child in place of every child,
// so an EXPLAIN walk never sees the left side of an Apply or a Union;
// ProfiledPlan.Children is right. The statements are reads, and profiling
// one on the test database costs nothing.
func (s *Store) plan(ctx context.Context, stmt string, params map[string]any, details bool) ([]string, error) {
	return read(ctx, s, func(tx driver.ManagedTransaction) ([]string, error) {
		res, err := tx.Run(ctx, "PROFILE "+stmt, params)
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		var ops []string
		var walk func(p driver.ProfiledPlan)
		walk = func(p driver.ProfiledPlan) {
			op := p.Operator()
			if d, ok := p.Arguments()["Details"].(string); ok && details {
				op += " " + d
			}
			ops = append(ops, op)
			for _, c := range p.Children() {
				walk(c)
			}
		}
		walk(sum.Profile())
		return ops, nil
	})
}

// EventsNearStatement is the statement of Near.EventsNear.
const EventsNearStatement = eventsNear

// KnownErrorsSharingStatement is the statement of Near.KnownErrorsSharing
// for a depth.
func KnownErrorsSharingStatement(depth int) string { return withDepth(knownErrorsSharing, depth) }

// CandidateStatements are the statements of Near.Upstream (for a depth),
// Near.ImpactEdges and the problems and known errors on CIs.
func CandidateStatements(depth int) (upstream, edges, problems, knownErrors string) {
	return upstreamStatement(depth), impactEdges, problemsOn, knownErrorsOn
}

// ArticleListStatements are the statements ListVersions runs for f and
// the reader's visibility.
func ArticleListStatements(f knowledge.Filter, vis knowledge.Visibility) Statements {
	return statementsOf(articleList(f, vis, false))
}

// SearchStatements are the page (after a cursor) and count statements of
// Knowledge.Search for f, reading articles, with their parameters but the
// query text.
func SearchStatements(f knowledge.Filter) (page, count string, params map[string]any) {
	return searchStatements(knowledge.Query{Filter: f, Articles: true}, true, false)
}

// Exec runs one write statement: for the tests that need a record of
// another process without setting up its service.
func (s *Store) Exec(ctx context.Context, stmt string, params map[string]any) error {
	_, err := write(ctx, s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, stmt, params)
		return struct{}{}, err
	})
	return err
}

// ImportLookupStatements are the statements an import finds rows' CIs
// with: by source key, and by each identifying attribute. The lock is left
// out (plans are read in a read transaction); it does not change how the
// CIs are found.
func ImportLookupStatements() map[string]Statements {
	unlocked := func(stmt string) string { return strings.Replace(stmt, "SET c._lock = true\nREMOVE c._lock\n", "", 1) }
	out := map[string]Statements{
		"by source key":         {First: idsBySourceKey, Params: map[string]any{"source": "s", "externalIds": []any{"x"}}},
		"by identity":           {First: idsByIdentity, Params: map[string]any{"source": "s", "externalIds": []any{"x"}}},
		"source has identities": {First: sourceHasIdentities, Params: map[string]any{"source": "s"}},
		"by id":                 {First: unlocked(lockByIDs), Params: map[string]any{"ids": []any{"x"}}},
	}
	for _, attr := range cmdb.IdentifyingAttributes {
		out["by "+attr] = Statements{First: unlocked(candidateStatement(attr)), Params: map[string]any{
			"rows": []any{map[string]any{"ext": "x", "type": "SERVER", "value": "v"}}, "source": "s", "prefix": "s\x1f", "retired": "RETIRED"}}
	}
	return out
}

// ListsByTime are the statements of the lists that take an order by time
// in place of their own (paging.Request.Order), ordered by o.
func ListsByTime(o paging.TimeOrder) map[string]Statements {
	lists := map[string]listSpec{"services": serviceList(catalog.Filter{}), "units": unitList(), "processes": processList(),
		"users": userList(), "groups": groupList(), "slas": slaList(""), "olas": olaList(""), "baselines": baselineList("")}
	out := map[string]Statements{}
	for name, l := range lists {
		out[name] = statementsOf(orderedByTime(l, name, o))
	}
	return out
}

// RecordSearchStatements are the page and count statements of the search
// box for q.
func RecordSearchStatements(q search.Query) (page, count string, params map[string]any) {
	return recordSearchStatements(q)
}

// EventReadStatements are the statements reading the log with f, and
// their parameters.
func EventReadStatements(f events.Filter) (string, map[string]any) {
	stmt, params := eventsAfter(f)
	params["after"], params["limit"] = int64(0), int64(10)
	return stmt, params
}
