package neo4j

import (
	"context"
	"slices"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/tickets"
)

// Requests implements request.Store. A catalogue item is a
// (:CatalogueItem) node with its definition as a document; a request is a
// (:ServiceRequest) node holding the item as ordered, with
// (:RequestApproval) and (:RequestTask) nodes hanging off it (HAS_APPROVAL,
// HAS_TASK), rewritten with it in each write, and its moves as
// (:RequestHistory) nodes (HAS_RECORD). Approvals are nodes of their own
// so that an approver's pending ones are read from an index.
type Requests struct{ s *Store }

// Requests returns the request part of the store.
func (s *Store) Requests() *Requests { return &Requests{s: s} }

var _ request.Store = (*Requests)(nil)

// requestMigrations are the constraints and indexes of the catalogue,
// requests, approvals, tasks, history and the number counter.
func requestMigrations() []string {
	return []string{
		"CREATE CONSTRAINT catalogue_item_id IF NOT EXISTS FOR (i:CatalogueItem) REQUIRE i.id IS UNIQUE",
		"CREATE INDEX catalogue_item_name IF NOT EXISTS FOR (i:CatalogueItem) ON (i.name)",
		"CREATE CONSTRAINT service_request_id IF NOT EXISTS FOR (r:ServiceRequest) REQUIRE r.id IS UNIQUE",
		"CREATE INDEX service_request_requester IF NOT EXISTS FOR (r:ServiceRequest) ON (r.requesterId, r.createdAt)",
		"CREATE INDEX service_request_for IF NOT EXISTS FOR (r:ServiceRequest) ON (r.requestedForId, r.createdAt)",
		// … and ordered by modification time (orderBy: UPDATED_AT).
		"CREATE INDEX service_request_requester_updated IF NOT EXISTS FOR (r:ServiceRequest) ON (r.requesterId, r.updatedAt)",
		"CREATE INDEX service_request_for_updated IF NOT EXISTS FOR (r:ServiceRequest) ON (r.requestedForId, r.updatedAt)",
		"CREATE INDEX service_request_state_fulfilled IF NOT EXISTS FOR (r:ServiceRequest) ON (r.state, r.fulfilledAt)",
		"CREATE INDEX service_request_fulfilled IF NOT EXISTS FOR (r:ServiceRequest) ON (r.fulfilledAt)",
		"CREATE CONSTRAINT request_approval_id IF NOT EXISTS FOR (a:RequestApproval) REQUIRE a.id IS UNIQUE",
		"CREATE INDEX request_approval_inbox IF NOT EXISTS FOR (a:RequestApproval) ON (a.approverId, a.state, a.openedAt)",
		"CREATE INDEX request_approval_due IF NOT EXISTS FOR (a:RequestApproval) ON (a.state, a.dueAt)",
		"CREATE CONSTRAINT request_task_id IF NOT EXISTS FOR (t:RequestTask) REQUIRE t.id IS UNIQUE",
		"DROP INDEX request_task_group IF EXISTS",
		"CREATE INDEX request_task_queue IF NOT EXISTS FOR (t:RequestTask) ON (t.groupId, t.state, t.openedAt)",
		"CREATE INDEX request_task_queue_updated IF NOT EXISTS FOR (t:RequestTask) ON (t.groupId, t.state, t.updatedAt)",
		"CREATE INDEX service_request_state_created IF NOT EXISTS FOR (r:ServiceRequest) ON (r.state, r.createdAt)",
		"CREATE INDEX service_request_item IF NOT EXISTS FOR (r:ServiceRequest) ON (r.itemId, r.createdAt)",
		"CREATE INDEX service_request_created IF NOT EXISTS FOR (r:ServiceRequest) ON (r.createdAt)",
		"CREATE INDEX service_request_updated IF NOT EXISTS FOR (r:ServiceRequest) ON (r.updatedAt)",
		"CREATE INDEX request_history_request IF NOT EXISTS FOR (h:RequestHistory) ON (h.requestId)",
		// The SLA report reads a service's requests by approval time; the
		// service is copied from the item the request was ordered from.
		"CREATE INDEX service_request_service IF NOT EXISTS FOR (r:ServiceRequest) ON (r.serviceId, r.approvedAt)",
		"MATCH (r:ServiceRequest) WHERE r.serviceId IS NULL MATCH (i:CatalogueItem {id: r.itemId}) SET r.serviceId = i.serviceId",
	}
}

func catalogueItemToProps(it request.Item) (map[string]any, error) {
	doc, err := jsonProp(itemToDoc(it))
	return map[string]any{"id": it.ID, "name": it.Name, "serviceId": it.ServiceID, "retired": it.Retired,
		"version": int64(it.Version), "createdAt": it.CreatedAt, "updatedAt": it.UpdatedAt, "doc": doc}, err
}

func catalogueItemFromProps(p map[string]any) (request.Item, error) {
	var d itemDoc
	if err := decodeDoc(p, "doc", "catalogue item", &d); err != nil {
		return request.Item{}, err
	}
	return itemFromDoc(d), nil
}

// missingItemRefs lists the service and groups an item names that do not
// exist.
const missingItemRefs = `
RETURN NOT EXISTS { MATCH (:Service:Item {id: $serviceId}) } AS service,
       [id IN $groupIds WHERE NOT EXISTS { MATCH (:Group {id: id}) }] AS groups`

func checkItemRefs(ctx context.Context, tx driver.ManagedTransaction, it request.Item) error {
	groups := slices.Concat(it.OfferedTo, nonEmpty(it.Policy.FinanceGroupID))
	for _, s := range it.Policy.Stages {
		groups = append(groups, nonEmpty(s.GroupID)...)
	}
	for _, p := range it.Plan {
		groups = append(groups, p.GroupID)
	}
	recs, err := collect(ctx, tx, missingItemRefs, map[string]any{"serviceId": it.ServiceID, "groupIds": list(groups)})
	if err != nil {
		return err
	}
	if missing, _ := recs[0].Get("service"); missing == true {
		return apperr.New(apperr.NotFound, "serviceId: no service has id %q", it.ServiceID)
	}
	if g, _ := recs[0].Get("groups"); len(strs(g)) > 0 {
		return apperr.New(apperr.NotFound, "no group has id %q (offeredToGroupIds, approvalPolicy or plan)", strs(g)[0])
	}
	return nil
}

const createItem = `CREATE (i:CatalogueItem) SET i = $props`

// CreateItem implements request.Store.
func (m *Requests) CreateItem(ctx context.Context, it request.Item) (request.Item, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (request.Item, error) {
		if err := checkItemRefs(ctx, tx, it); err != nil {
			return request.Item{}, err
		}
		p, err := catalogueItemToProps(it)
		if err != nil {
			return request.Item{}, err
		}
		_, err = collect(ctx, tx, createItem, map[string]any{"props": p})
		return it, err
	})
}

const lockCatalogueItem = `
MATCH (i:CatalogueItem {id: $id})
SET i._lock = true
REMOVE i._lock
RETURN properties(i) AS i`

const replaceItem = `MATCH (i:CatalogueItem {id: $id}) SET i = $props`

// UpdateItem implements request.Store.
func (m *Requests) UpdateItem(ctx context.Context, id string, apply func(request.Item) (request.Item, error)) (request.Item, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (request.Item, error) {
		recs, err := collect(ctx, tx, lockCatalogueItem, map[string]any{"id": id})
		if err != nil {
			return request.Item{}, err
		}
		if len(recs) == 0 {
			return request.Item{}, apperr.New(apperr.NotFound, "no catalogue item has id %q", id)
		}
		cur, err := catalogueItemFromProps(props(recs[0], "i"))
		if err != nil {
			return request.Item{}, err
		}
		next, err := apply(cur)
		if err != nil {
			return request.Item{}, err
		}
		next.ID = id
		if err := checkItemRefs(ctx, tx, next); err != nil {
			return request.Item{}, err
		}
		p, err := catalogueItemToProps(next)
		if err != nil {
			return request.Item{}, err
		}
		_, err = collect(ctx, tx, replaceItem, map[string]any{"id": id, "props": p})
		return next, err
	})
}

const getItems = `MATCH (i:CatalogueItem) WHERE i.id IN $ids RETURN properties(i) AS n`

// GetItems implements request.Store.
func (m *Requests) GetItems(ctx context.Context, ids []string) ([]request.Item, error) {
	return readAll(ctx, m.s, getItems, map[string]any{"ids": ids}, "n", catalogueItemFromProps)
}

// The menu is small (tens of items): it is read whole, by name.
const (
	listLiveItems = `MATCH (i:CatalogueItem) WHERE i.name IS NOT NULL AND i.retired = false RETURN properties(i) AS n ORDER BY i.name, i.id`
	listAllItems  = `MATCH (i:CatalogueItem) WHERE i.name IS NOT NULL RETURN properties(i) AS n ORDER BY i.name, i.id`
)

// ListItems implements request.Store.
func (m *Requests) ListItems(ctx context.Context, retired bool) ([]request.Item, error) {
	stmt := listLiveItems
	if retired {
		stmt = listAllItems
	}
	return readAll(ctx, m.s, stmt, map[string]any{}, "n", catalogueItemFromProps)
}

func requestToProps(r request.Request) (map[string]any, error) {
	item, err := jsonProp(itemToDoc(r.Item))
	if err != nil {
		return nil, err
	}
	answers, err := jsonProp(answersToDoc(r.Answers))
	if err != nil {
		return nil, err
	}
	stages, err := jsonProp(stagesToDoc(r.Stages))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": r.ID, "number": r.Number, "itemId": r.Item.ID, "serviceId": r.Item.ServiceID, "item": item, "quantity": int64(r.Quantity), "answers": answers,
		"cost": r.Cost, "requesterId": r.RequesterID, "requestedForId": r.RequestedForID, "state": string(r.State),
		"stages": stages, "stage": int64(r.Stage), "satisfaction": int64(r.Satisfaction), "surveyComment": nullable(r.SurveyComment),
		"idempotencyKey": nullable(r.IdempotencyKey), "version": int64(r.Version), "createdAt": r.CreatedAt, "updatedAt": r.UpdatedAt,
		"approvedAt": optTime(r.ApprovedAt), "fulfilledAt": optTime(r.FulfilledAt), "closedAt": optTime(r.ClosedAt),
	}, nil
}

func approvalToProps(a request.Approval) map[string]any {
	return map[string]any{"id": a.ID, "requestId": a.RequestID, "stage": int64(a.Stage), "kind": string(a.Kind),
		"approverId": a.ApproverID, "state": string(a.State), "reason": nullable(a.Reason), "openedAt": optTime(a.OpenedAt),
		"dueAt": optTime(a.DueAt), "decidedAt": optTime(a.DecidedAt)}
}

func approvalFromProps(p map[string]any) (request.Approval, error) {
	return request.Approval{ID: str(p, "id"), RequestID: str(p, "requestId"), Stage: num(p, "stage"), Kind: request.ApproverKind(str(p, "kind")),
		ApproverID: str(p, "approverId"), State: request.ApprovalState(str(p, "state")), Reason: str(p, "reason"),
		OpenedAt: tmPtr(p, "openedAt"), DueAt: tmPtr(p, "dueAt"), DecidedAt: tmPtr(p, "decidedAt")}, nil
}

func taskToProps(t request.Task) (map[string]any, error) {
	notes, err := jsonProp(notesToDoc(t.Notes))
	return map[string]any{"id": t.ID, "requestId": t.RequestID, "name": t.Name, "groupId": t.GroupID, "step": int64(t.Step),
		"state": string(t.State), "ciId": nullable(t.CIID), "notes": notes, "openedAt": optTime(t.OpenedAt), "doneAt": optTime(t.DoneAt),
		"updatedAt": t.UpdatedAt}, err
}

func taskFromProps(p map[string]any) (request.Task, error) {
	var notes []noteDoc
	if err := decodeDoc(p, "notes", "request task", &notes); err != nil {
		return request.Task{}, err
	}
	return request.Task{ID: str(p, "id"), RequestID: str(p, "requestId"), Name: str(p, "name"), GroupID: str(p, "groupId"),
		Step: num(p, "step"), State: request.TaskState(str(p, "state")), CIID: str(p, "ciId"), Notes: notesFromDoc(notes),
		OpenedAt: tmPtr(p, "openedAt"), DoneAt: tmPtr(p, "doneAt"), UpdatedAt: tm(p, "updatedAt")}, nil
}

// recordFromProps decodes a request read with its approvals and tasks
// (see withChildren).
func recordFromProps(p map[string]any) (request.Record, error) {
	var item itemDoc
	var answers []answerDoc
	var stages []stageDoc
	for _, d := range []struct {
		key string
		v   any
	}{{"item", &item}, {"answers", &answers}, {"stages", &stages}} {
		if err := decodeDoc(p, d.key, "request", d.v); err != nil {
			return request.Record{}, err
		}
	}
	cost, _ := p["cost"].(float64)
	rec := request.Record{Request: request.Request{
		ID: str(p, "id"), Number: str(p, "number"), Item: itemFromDoc(item), Quantity: num(p, "quantity"), Answers: answersFromDoc(answers),
		Cost: cost, RequesterID: str(p, "requesterId"), RequestedForID: str(p, "requestedForId"), State: request.State(str(p, "state")),
		Stages: stagesFromDoc(stages), Stage: num(p, "stage"), Satisfaction: num(p, "satisfaction"), SurveyComment: str(p, "surveyComment"),
		IdempotencyKey: str(p, "idempotencyKey"), Version: num(p, "version"), CreatedAt: tm(p, "createdAt"), UpdatedAt: tm(p, "updatedAt"),
		ApprovedAt: tmPtr(p, "approvedAt"), FulfilledAt: tmPtr(p, "fulfilledAt"), ClosedAt: tmPtr(p, "closedAt"),
	}}
	for _, a := range maps(p["approvals"]) {
		x, _ := approvalFromProps(a)
		rec.Approvals = append(rec.Approvals, x)
	}
	for _, t := range maps(p["tasks"]) {
		x, err := taskFromProps(t)
		if err != nil {
			return request.Record{}, err
		}
		rec.Tasks = append(rec.Tasks, x)
	}
	return rec, nil
}

// withChildren is the projection of a request with its approvals and
// tasks, in one map.
const withChildren = `r {.*,
  approvals: COLLECT { MATCH (r)-[:HAS_APPROVAL]->(a:RequestApproval) RETURN properties(a) ORDER BY a.stage, a.approverId },
  tasks: COLLECT { MATCH (r)-[:HAS_TASK]->(t:RequestTask) RETURN properties(t) ORDER BY t.step, t.name, t.id }}`

const getRequests = `
MATCH (r:ServiceRequest) WHERE r.id IN $ids
RETURN ` + withChildren + ` AS n`

func getRequestRecords(ctx context.Context, tx driver.ManagedTransaction, ids []string) ([]request.Record, error) {
	recs, err := collect(ctx, tx, getRequests, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return decodeAll(recs, "n", recordFromProps)
}

// GetRequests implements request.Store.
func (m *Requests) GetRequests(ctx context.Context, ids []string) ([]request.Record, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]request.Record, error) {
		return getRequestRecords(ctx, tx, ids)
	})
}

const createRequest = `CREATE (r:ServiceRequest) SET r = $props`

// writeRequest writes a request's properties, upserts its approvals and
// tasks and appends its history, in one statement.
const writeRequest = `
MATCH (r:ServiceRequest {id: $id})
SET r = $props
WITH r
CALL (r) {
  UNWIND $approvals AS a
  MERGE (x:RequestApproval {id: a.id})
  SET x = a
  MERGE (r)-[:HAS_APPROVAL]->(x)
}
CALL (r) {
  UNWIND $tasks AS t
  MERGE (x:RequestTask {id: t.id})
  SET x = t
  MERGE (r)-[:HAS_TASK]->(x)
}
CALL (r) {
  UNWIND $history AS h
  CREATE (x:RequestHistory)
  SET x = h
  CREATE (r)-[:HAS_RECORD]->(x)
}`

func writeRecord(ctx context.Context, tx driver.ManagedTransaction, rec request.Record, history []request.HistoryEntry) error {
	p, err := requestToProps(rec.Request)
	if err != nil {
		return err
	}
	approvals := make([]map[string]any, 0, len(rec.Approvals))
	for _, a := range rec.Approvals {
		approvals = append(approvals, approvalToProps(a))
	}
	tasks := make([]map[string]any, 0, len(rec.Tasks))
	for _, t := range rec.Tasks {
		tp, err := taskToProps(t)
		if err != nil {
			return err
		}
		tasks = append(tasks, tp)
	}
	hist := make([]map[string]any, 0, len(history))
	for n, h := range history {
		hist = append(hist, map[string]any{"id": h.ID, "requestId": rec.Request.ID, "at": h.At, "seq": int64(n), "actor": h.Actor,
			"from": nullable(string(h.From)), "to": string(h.To), "comment": nullable(h.Comment)})
	}
	_, err = collect(ctx, tx, writeRequest, map[string]any{"id": rec.Request.ID, "props": p, "approvals": approvals, "tasks": tasks, "history": hist})
	return err
}

// orderContext reads what approvals need: whether the person the request
// is for exists, their line manager and the owner group of the service.
const orderContext = `
OPTIONAL MATCH (u:User {id: $for})
OPTIONAL MATCH (s:Service:Item {id: $serviceId})
RETURN u IS NOT NULL AS known, u.managerId AS manager, s.ownerGroupId AS ownerGroup,
       [x IN $cis WHERE NOT EXISTS { MATCH (:CI:Item {id: x.id}) } | x.key] +
       [x IN $users WHERE NOT EXISTS { MATCH (:User {id: x.id}) } | x.key] AS missing`

const groupMembers = `
UNWIND $groupIds AS gid
MATCH (u:User)-[:MEMBER_OF_GROUP]->(:Group {id: gid})
WHERE u.active = true
RETURN gid AS id, collect(u.id) AS members`

func refRows(m map[string]string) []map[string]any {
	out := []map[string]any{}
	for k, id := range m {
		out = append(out, map[string]any{"key": k, "id": id})
	}
	return out
}

// directory reads the people the approvals of a request of it for
// subject forID need, and the answers' references that do not exist. The
// person it is for need not have an account (a token from an identity
// provider names a subject only): they then have no line manager. Someone
// else named as requestedFor must have one: missing names requestedFor
// otherwise.
func directory(ctx context.Context, tx driver.ManagedTransaction, it request.Item, forID string, other bool, refs request.Refs) (request.Directory, []string, error) {
	recs, err := collect(ctx, tx, orderContext, map[string]any{"for": forID, "serviceId": it.ServiceID,
		"cis": refRows(refs.CIs), "users": refRows(refs.Users)})
	if err != nil {
		return request.Directory{}, nil, err
	}
	r := recs[0]
	manager, _ := r.Get("manager")
	owner, _ := r.Get("ownerGroup")
	missing, _ := r.Get("missing")
	d := request.Directory{Members: map[string][]string{}}
	d.Manager, _ = manager.(string)
	d.ServiceOwnerGroup, _ = owner.(string)
	groups := nonEmpty(d.ServiceOwnerGroup)
	groups = append(groups, nonEmpty(it.Policy.FinanceGroupID)...)
	for _, s := range it.Policy.Stages {
		groups = append(groups, nonEmpty(s.GroupID)...)
	}
	recs, err = collect(ctx, tx, groupMembers, map[string]any{"groupIds": list(groups)})
	if err != nil {
		return request.Directory{}, nil, err
	}
	for _, r := range recs {
		id, _ := r.Get("id")
		members, _ := r.Get("members")
		k, _ := id.(string)
		d.Members[k] = strs(members)
	}
	m := strs(missing)
	slices.Sort(m)
	if known, _ := r.Get("known"); known != true && other {
		m = append(m, "requestedFor")
	}
	return d, m, nil
}

// Submit implements request.Store.
func (m *Requests) Submit(ctx context.Context, key *ids.IdempotencyKey, o request.Order, refsOf func(request.Item) request.Refs,
	build func(request.Item, request.Directory, []string) (request.Record, []request.HistoryEntry, error)) (request.Record, bool, error) {
	type result struct {
		rec     request.Record
		created bool
	}
	res, err := write(ctx, m.s, func(tx driver.ManagedTransaction) (result, error) {
		if key != nil {
			first, err := claimKey(ctx, tx, key, o.ID, o.At)
			if err != nil {
				return result{}, err
			}
			if first != o.ID {
				got, err := getRequestRecords(ctx, tx, []string{first})
				if err != nil {
					return result{}, err
				}
				if len(got) == 0 {
					return result{}, apperr.New(apperr.NotFound, "the request created under idempotencyKey %q no longer exists", key.Key)
				}
				return result{rec: got[0]}, nil
			}
		}
		items, err := readItems(ctx, tx, o.ItemID)
		if err != nil {
			return result{}, err
		}
		if len(items) == 0 {
			return result{}, apperr.New(apperr.NotFound, "no catalogue item %q is offered to you; choose one from requestCatalogue", o.ItemID)
		}
		d, missing, err := directory(ctx, tx, items[0], o.ForID, o.ForID != o.RequesterID, refsOf(items[0]))
		if err != nil {
			return result{}, err
		}
		rec, hist, err := build(items[0], d, missing)
		if err != nil {
			return result{}, err
		}
		if rec.Request.Number, err = nextNumber(ctx, tx, tickets.Request); err != nil {
			return result{}, err
		}
		p, err := requestToProps(rec.Request)
		if err != nil {
			return result{}, err
		}
		if _, err := collect(ctx, tx, createRequest, map[string]any{"props": p}); err != nil {
			return result{}, err
		}
		if err := writeRecord(ctx, tx, rec, hist); err != nil {
			return result{}, err
		}
		return result{rec: rec, created: true}, emitRequest(ctx, tx, request.Record{}, rec)
	})
	return res.rec, res.created, err
}

func readItems(ctx context.Context, tx driver.ManagedTransaction, ids ...string) ([]request.Item, error) {
	recs, err := collect(ctx, tx, getItems, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return decodeAll(recs, "n", catalogueItemFromProps)
}

// lockRequest takes the request's write lock before reading it.
const lockRequest = `
MATCH (r:ServiceRequest {id: $id})
SET r._lock = true
REMOVE r._lock
RETURN ` + withChildren + ` AS n`

// UpdateRequest implements request.Store.
func (m *Requests) UpdateRequest(ctx context.Context, id string, apply func(request.Record) (request.Record, []request.HistoryEntry, error)) (request.Record, error) {
	return write(ctx, m.s, func(tx driver.ManagedTransaction) (request.Record, error) {
		recs, err := collect(ctx, tx, lockRequest, map[string]any{"id": id})
		if err != nil {
			return request.Record{}, err
		}
		if len(recs) == 0 {
			return request.Record{}, apperr.New(apperr.NotFound, "no request has id %q", id)
		}
		cur, err := recordFromProps(props(recs[0], "n"))
		if err != nil {
			return request.Record{}, err
		}
		next, hist, err := apply(cur)
		if err != nil {
			return request.Record{}, err
		}
		if next.Request.Version == cur.Request.Version {
			return cur, nil
		}
		if err := checkTaskCIs(ctx, tx, cur, next); err != nil {
			return request.Record{}, err
		}
		if err := writeRecord(ctx, tx, next, hist); err != nil {
			return request.Record{}, err
		}
		return next, emitRequest(ctx, tx, cur, next)
	})
}

// emitRequest appends the events of a request written from before, and
// of the approvals the write opened (see emit).
func emitRequest(ctx context.Context, tx driver.ManagedTransaction, before, rec request.Record) error {
	evs, err := eventsFor(events.KindRequest, func(r request.Record) string { return r.Request.ID }, request.EventKeys, rec)
	if err != nil {
		return err
	}
	opened, err := eventsFor(events.KindApproval, func(a request.Approval) string { return a.ID }, request.ApprovalKeys, request.Opened(before, rec)...)
	if err != nil {
		return err
	}
	return emit(ctx, tx, append(evs, opened...)...)
}

const missingCIs = `RETURN [id IN $ids WHERE NOT EXISTS { MATCH (:CI:Item {id: id}) }] AS missing`

// checkTaskCIs refuses a task CI that does not exist (NOT_FOUND).
func checkTaskCIs(ctx context.Context, tx driver.ManagedTransaction, cur, next request.Record) error {
	var ids []string
	for _, t := range next.Tasks {
		k := slices.IndexFunc(cur.Tasks, func(c request.Task) bool { return c.ID == t.ID })
		if t.CIID != "" && (k < 0 || cur.Tasks[k].CIID != t.CIID) {
			ids = append(ids, t.CIID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	recs, err := collect(ctx, tx, missingCIs, map[string]any{"ids": ids})
	if err != nil {
		return err
	}
	if missing, _ := recs[0].Get("missing"); len(strs(missing)) > 0 {
		return apperr.New(apperr.NotFound, "configurationItemId: no configuration item has id %q", strs(missing)[0])
	}
	return nil
}

const requestOf = `
OPTIONAL MATCH (a:RequestApproval {id: $id})
OPTIONAL MATCH (t:RequestTask {id: $id})
RETURN coalesce(a.requestId, t.requestId) AS id`

// RequestOf implements request.Store.
func (m *Requests) RequestOf(ctx context.Context, id string) (string, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (string, error) {
		recs, err := collect(ctx, tx, requestOf, map[string]any{"id": id})
		if err != nil {
			return "", err
		}
		v, _ := recs[0].Get("id")
		s, ok := v.(string)
		if !ok {
			return "", apperr.New(apperr.NotFound, "no approval or task has id %q", id)
		}
		return s, nil
	})
}

const requestHistory = `
MATCH (h:RequestHistory) WHERE h.requestId IN $ids
RETURN h.requestId AS id, properties(h) AS r
ORDER BY h.at, h.seq`

// History implements request.Store.
func (m *Requests) History(ctx context.Context, ids []string) (map[string][]request.HistoryEntry, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string][]request.HistoryEntry, error) {
		recs, err := collect(ctx, tx, requestHistory, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		return groupAll(recs, "r", infallible(func(p map[string]any) request.HistoryEntry {
			return request.HistoryEntry{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"), From: request.State(str(p, "from")),
				To: request.State(str(p, "to")), Comment: str(p, "comment")}
		}))
	})
}

const dueTimeOuts = `
MATCH (a:RequestApproval)
WHERE a.state = 'PENDING' AND a.dueAt <= $now
RETURN DISTINCT a.requestId AS id
LIMIT $limit`

const dueClosures = `
MATCH (r:ServiceRequest)
WHERE r.state = 'FULFILLED' AND r.fulfilledAt <= $before
RETURN r.id AS id
LIMIT $limit`

func (m *Requests) idsOf(ctx context.Context, stmt string, params map[string]any) ([]string, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) ([]string, error) {
		recs, err := collect(ctx, tx, stmt, params)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, r := range recs {
			v, _ := r.Get("id")
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out, nil
	})
}

// DueTimeOuts implements request.Store.
func (m *Requests) DueTimeOuts(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return m.idsOf(ctx, dueTimeOuts, map[string]any{"now": now, "limit": int64(limit)})
}

// DueClosures implements request.Store.
func (m *Requests) DueClosures(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return m.idsOf(ctx, dueClosures, map[string]any{"before": before, "limit": int64(limit)})
}

const finishedRequests = `
MATCH (r:ServiceRequest)
WHERE r.fulfilledAt >= $from AND r.fulfilledAt < $to
RETURN ` + withChildren + ` AS n
ORDER BY r.fulfilledAt
LIMIT $limit`

// clockRequests reads the requests whose fulfilment clock may still
// produce events: those being fulfilled (a request sent back to fulfilment
// has no fulfilledAt, so none is read twice), and those fulfilled since.
const clockRequests = `
MATCH (r:ServiceRequest) WHERE r.state = 'IN_FULFILMENT'
RETURN properties(r) AS n
UNION ALL
MATCH (r:ServiceRequest) WHERE r.fulfilledAt >= $since
RETURN properties(r) AS n`

// ClockRequests implements request.Store.
func (m *Requests) ClockRequests(ctx context.Context, since time.Time) ([]request.Record, error) {
	return readAll(ctx, m.s, clockRequests, map[string]any{"since": since}, "n", recordFromProps)
}

const requestsApproved = `
MATCH (r:ServiceRequest)
WHERE r.serviceId IN $serviceIds AND r.approvedAt >= $from AND r.approvedAt < $to
RETURN properties(r) AS n`

// RequestsApproved implements request.Store.
func (m *Requests) RequestsApproved(ctx context.Context, serviceIDs []string, from, to time.Time) ([]request.Record, error) {
	return readAll(ctx, m.s, requestsApproved, map[string]any{"serviceIds": list(serviceIDs), "from": from, "to": to}, "n", recordFromProps)
}

// Finished implements request.Store.
func (m *Requests) Finished(ctx context.Context, from, to time.Time, limit int) ([]request.Record, error) {
	return readAll(ctx, m.s, finishedRequests, map[string]any{"from": from, "to": to, "limit": int64(limit)}, "n", recordFromProps)
}
