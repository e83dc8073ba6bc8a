package main

import (
	"context"
	"fmt"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/request"
)

// The request rows' estate: serviceRequests requests in all. The first
// directRequests are ordered through the domain service (in process: the
// orders themselves are not timed) by requesters of requestsEach each;
// the rest are copies of those nodes, each copy for other people, so that
// the lists read from indexes as full as a large desk's. The timed
// approver decides approvalsPending of the orders (an item approved by a
// group of one); the rest are fulfilled by a desk task.
const (
	serviceRequests  = 100_000
	directRequests   = 2_000
	requestsEach     = 100
	approvalsPending = 100
)

// copyRequests copies the ordered requests and their approvals once per
// round, the copies' ids and people suffixed with the round, so that no
// copy lands in the timed lists.
const copyRequests = `
UNWIND range(1, $rounds) AS k
CALL (k) {
  MATCH (r:ServiceRequest) WHERE NOT r.id CONTAINS '~'
  CREATE (c:ServiceRequest)
  SET c = r {.*, id: r.id + '~' + k, number: r.number + '~' + k, requesterId: r.requesterId + '~' + k,
             requestedForId: r.requestedForId + '~' + k, idempotencyKey: null}
} IN TRANSACTIONS OF 1 ROWS
CALL (k) {
  MATCH (a:RequestApproval) WHERE NOT a.id CONTAINS '~'
  CREATE (c:RequestApproval)
  SET c = a {.*, id: a.id + '~' + k, requestId: a.requestId + '~' + k, approverId: a.approverId + '~' + k}
} IN TRANSACTIONS OF 1 ROWS`

// requestWorld is what the request rows read as: the approver's token and
// the timed requester's.
type requestWorld struct {
	approver, requester *graphqlClient
	approverID          string
}

// writeRequests sets up the catalogue (two items of one service) through
// the API and orders serviceRequests requests in process.
func (b *bench) writeRequests(ctx context.Context, admin *graphqlClient, svc *request.Service, mint func(subject string, roles ...auth.Role) (*graphqlClient, error)) (requestWorld, error) {
	var w requestWorld
	id := func(data []byte, path ...string) (string, error) {
		var out map[string]map[string]struct{ ID string }
		if err := decodeData(data, &out); err != nil {
			return "", err
		}
		return out[path[0]][path[1]].ID, nil
	}
	post := func(mutation string, in map[string]any, path ...string) (string, error) {
		data, err := admin.post(ctx, mutation, map[string]any{"in": in})
		if err != nil {
			return "", err
		}
		return id(data, path...)
	}
	approvers, err := post(`mutation($in: CreateGroupInput!) { createGroup(input: $in) { group { id } } }`, map[string]any{"name": "bench approvers"}, "createGroup", "group")
	if err != nil {
		return w, err
	}
	desk, err := post(`mutation($in: CreateGroupInput!) { createGroup(input: $in) { group { id } } }`, map[string]any{"name": "bench desk"}, "createGroup", "group")
	if err != nil {
		return w, err
	}
	approverID, err := post(`mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
		map[string]any{"username": "bench-approver", "displayName": "Bench approver", "roles": []string{"REQUESTER"}, "groupIds": []string{approvers}}, "createUser", "user")
	if err != nil {
		return w, err
	}
	service, err := post(`mutation($in: CreateServiceInput!) { createService(input: $in) { service { id } } }`,
		map[string]any{"kind": "BUSINESS", "name": "bench workplace", "ownerGroupId": desk}, "createService", "service")
	if err != nil {
		return w, err
	}
	owner, err := mint("bench-service-owner", auth.ServiceOwner)
	if err != nil {
		return w, err
	}
	item := func(name string, policy map[string]any) (string, error) {
		data, err := owner.post(ctx, `mutation($in: CatalogueItemInput!) { createCatalogueItem(input: $in) { item { id } } }`, map[string]any{"in": map[string]any{
			"name": name, "serviceId": service, "price": 10, "currency": "EUR", "fulfilmentTargetHours": 8, "approvalPolicy": policy,
			"form": []map[string]any{{"key": "note", "label": "Note", "type": "TEXT"}},
			"plan": []map[string]any{{"name": "Hand it over", "groupId": desk}}}})
		if err != nil {
			return "", err
		}
		return id(data, "createCatalogueItem", "item")
	}
	plain, err := item("bench mouse", nil)
	if err != nil {
		return w, err
	}
	approved, err := item("bench monitor", map[string]any{"stages": []map[string]any{{"approver": "GROUP", "groupId": approvers}}})
	if err != nil {
		return w, err
	}
	w.approverID = approverID
	if w.approver, err = mint(approverID, auth.Requester); err != nil {
		return w, err
	}
	if w.requester, err = mint(requesterSubject(0), auth.Requester); err != nil {
		return w, err
	}
	// Every approvalsPending-th order (spread over requesters) is the
	// approved item's.
	every := directRequests / approvalsPending
	err = fourAtATime(directRequests, func(i int) error {
		it := plain
		if i%every == every/2 {
			it = approved
		}
		v := request.Viewer{Principal: auth.Principal{Subject: requesterSubject(i % (directRequests / requestsEach)), Roles: []auth.Role{auth.Requester}}}
		_, _, err := svc.Submit(ctx, v, request.SubmitInput{ItemID: it, Quantity: 1, Answers: []request.Answer{{Key: "note", Values: []string{fmt.Sprintf("order %d", i)}}}})
		return err
	})
	if err != nil {
		return w, err
	}
	return w, b.autocommit(ctx, copyRequests, map[string]any{"rounds": serviceRequests/directRequests - 1})
}

func requesterSubject(i int) string { return fmt.Sprintf("bench-requester-%d", i) }

const (
	myApprovalsRead = `{ myApprovals(first: 20) { totalCount edges { node { id stage state openedAt request { id number state } } } } }`
	myRequestsRead  = `{ myRequests(first: 20) { totalCount edges { node { id number state createdAt item { name } } } } }`
)

// rawMyApprovals and rawMyRequests are the same pages as good Cypher
// writes them: from the (approverId, state, openedAt) index with each
// approval's request, and from the two (person, createdAt) indexes merged;
// each with its count.
var (
	rawMyApprovals = []string{`MATCH (a:RequestApproval) WHERE a.approverId = $me AND a.state = 'PENDING' AND a.openedAt IS NOT NULL
WITH a ORDER BY a.openedAt, a.id LIMIT 21
MATCH (r:ServiceRequest {id: a.requestId})
RETURN a.id AS id, a.stage AS stage, a.openedAt AS openedAt, r.id AS request, r.number AS number, r.state AS state`,
		`MATCH (a:RequestApproval) WHERE a.approverId = $me AND a.state = 'PENDING' AND a.openedAt IS NOT NULL RETURN count(a) AS total`}
	rawMyRequests = []string{`CALL () {
  MATCH (r:ServiceRequest) WHERE r.requesterId = $me AND r.createdAt IS NOT NULL RETURN r ORDER BY r.requesterId DESC, r.createdAt DESC LIMIT 21
  UNION
  MATCH (r:ServiceRequest) WHERE r.requestedForId = $me AND r.createdAt IS NOT NULL RETURN r ORDER BY r.requestedForId DESC, r.createdAt DESC LIMIT 21
}
RETURN r.id AS id, r.number AS number, r.state AS state, r.createdAt AS createdAt, r.item AS item ORDER BY r.createdAt DESC, r.id DESC LIMIT 21`,
		`RETURN COUNT { MATCH (r:ServiceRequest) WHERE r.requesterId = $me AND r.createdAt IS NOT NULL } +
       COUNT { MATCH (r:ServiceRequest) WHERE r.requestedForId = $me AND r.createdAt IS NOT NULL AND r.requesterId <> $me } AS total`}
)

// requestCases are the request rows.
func requestCases(w requestWorld) []struct {
	g *graphqlClient
	c readCase
} {
	edges := func(field string) func(data []byte) (int, error) {
		return func(data []byte) (int, error) {
			var r map[string]struct{ Edges []any }
			err := decodeData(data, &r)
			return len(r[field].Edges), err
		}
	}
	page := func(recs [][]*driver.Record) int { return min(len(recs[0]), 20) }
	return []struct {
		g *graphqlClient
		c readCase
	}{
		{w.approver, readCase{name: fmt.Sprintf("myApprovals, %d pending among %d requests", approvalsPending, serviceRequests), query: myApprovalsRead,
			raw: rawMyApprovals, params: map[string]any{"me": w.approverID}, rows: edges("myApprovals"), rawRows: page}},
		{w.requester, readCase{name: fmt.Sprintf("myRequests, %d of %d requests", requestsEach, serviceRequests), query: myRequestsRead,
			raw: rawMyRequests, params: map[string]any{"me": requesterSubject(0)}, rows: edges("myRequests"), rawRows: page}},
	}
}
