package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// requestFields is what the request tests read of a request.
const requestFields = `
fragment R on ServiceRequest {
  id number state version cost currency quantity requesterId requestedForId currentStage allowedTransitions
  item { itemId version name price }
  answers { key values }
  stages { approver groupId rule }
  approvals { id stage kind approverId state reason }
  tasks { id name groupId step state configurationItemId notes { body author } }
  history { from to actor comment }
  satisfaction surveyComment approvedAt fulfilledAt closedAt fulfilmentDueAt
}`

type requestData struct {
	ID                 string   `json:"id"`
	Number             string   `json:"number"`
	State              string   `json:"state"`
	Version            int      `json:"version"`
	Cost               float64  `json:"cost"`
	Currency           string   `json:"currency"`
	Quantity           int      `json:"quantity"`
	RequesterID        string   `json:"requesterId"`
	RequestedForID     string   `json:"requestedForId"`
	CurrentStage       *int     `json:"currentStage"`
	AllowedTransitions []string `json:"allowedTransitions"`
	Item               struct {
		ItemID  string  `json:"itemId"`
		Version int     `json:"version"`
		Name    string  `json:"name"`
		Price   float64 `json:"price"`
	} `json:"item"`
	Answers []struct {
		Key    string   `json:"key"`
		Values []string `json:"values"`
	} `json:"answers"`
	Stages []struct {
		Approver string `json:"approver"`
	} `json:"stages"`
	Approvals []approvalData `json:"approvals"`
	Tasks     []taskData     `json:"tasks"`
	History   []struct {
		From    *string `json:"from"`
		To      string  `json:"to"`
		Actor   string  `json:"actor"`
		Comment *string `json:"comment"`
	} `json:"history"`
	Satisfaction    *int    `json:"satisfaction"`
	SurveyComment   *string `json:"surveyComment"`
	ApprovedAt      *string `json:"approvedAt"`
	FulfilledAt     *string `json:"fulfilledAt"`
	ClosedAt        *string `json:"closedAt"`
	FulfilmentDueAt *string `json:"fulfilmentDueAt"`
}

type taskData struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	GroupID string  `json:"groupId"`
	Step    int     `json:"step"`
	State   string  `json:"state"`
	CIID    *string `json:"configurationItemId"`
	Notes   []struct {
		Body   string `json:"body"`
		Author string `json:"author"`
	} `json:"notes"`
}

// taskOf returns the request's task for group.
func (r requestData) taskOf(t testing.TB, group string) taskData {
	t.Helper()
	k := slices.IndexFunc(r.Tasks, func(x taskData) bool { return x.GroupID == group })
	if k < 0 {
		t.Fatalf("request %s has no task for group %s: %+v", r.Number, group, r.Tasks)
	}
	return r.Tasks[k]
}

type approvalData struct {
	ID         string  `json:"id"`
	Stage      int     `json:"stage"`
	Kind       string  `json:"kind"`
	ApproverID string  `json:"approverId"`
	State      string  `json:"state"`
	Reason     *string `json:"reason"`
}

// states renders the moves as "FROM>TO" steps.
func (r requestData) states() []string {
	var out []string
	for _, h := range r.History {
		from := ""
		if h.From != nil {
			from = *h.From
		}
		out = append(out, from+">"+h.To)
	}
	return out
}

// approvalsOf renders each approval as "KIND approver STATE", by stage
// and then approver name.
func (r requestData) approvalsOf(names map[string]string) []string {
	as := slices.Clone(r.Approvals)
	slices.SortFunc(as, func(a, b approvalData) int {
		if a.Stage != b.Stage {
			return a.Stage - b.Stage
		}
		return strings.Compare(names[a.ApproverID], names[b.ApproverID])
	})
	var out []string
	for _, a := range as {
		out = append(out, a.Kind+" "+names[a.ApproverID]+" "+a.State)
	}
	return out
}

// approvalOf returns the id of who's approval.
func (r requestData) approvalOf(t testing.TB, who string) string {
	t.Helper()
	k := slices.IndexFunc(r.Approvals, func(a approvalData) bool { return a.ApproverID == who })
	if k < 0 {
		t.Fatalf("request %s has no approval for %s: %+v", r.Number, who, r.Approvals)
	}
	return r.Approvals[k].ID
}

const (
	submitRequestMutation = requestFields + `
mutation($in: SubmitRequestInput!) { submitRequest(input: $in) { created request { ...R } } }`
	decideApprovalMutation = requestFields + `
mutation($in: DecideApprovalInput!) { decideApproval(input: $in) { request { ...R } } }`
	transitionRequestMutation = requestFields + `
mutation($in: TransitionRequestInput!) { transitionRequest(input: $in) { request { ...R } } }`
	updateTaskMutation = requestFields + `
mutation($in: UpdateRequestTaskInput!) { updateRequestTask(input: $in) { request { ...R } } }`
	surveyMutation = requestFields + `
mutation($in: RequestSurveyInput!) { submitRequestSurvey(input: $in) { request { ...R } } }`
	requestQuery = requestFields + `
query($id: ID!) { serviceRequest(id: $id) { ...R } }`
	myApprovalsQuery = `
{ myApprovals(first: 50) { totalCount edges { node { id stage kind state requestId request { id number } } } } }`
	myRequestsQuery = `
{ myRequests(first: 50) { totalCount edges { node { id number state } } } }`
	catalogueQuery     = `{ requestCatalogue { id name version price } }`
	createItemMutation = `
mutation($in: CatalogueItemInput!) { createCatalogueItem(input: $in) { item { id name version } } }`
)

// requestTeam is the world of the request tests: a service owned by the
// workplace team, a finance group of two, a line manager, a requester in
// the staff group, a contractor outside it, the service desk and a vendor,
// and a menu of a laptop (over the finance threshold, for staff only,
// line manager after finance, two parallel tasks) and VPN access (for
// everyone, no approval, one task).
type requestTeam struct {
	e                                               *env
	owner                                           string // SERVICE_OWNER token
	rita, mona, fred, fiona, otto, dan, vic         string // tokens
	ritaID, monaID, fredID, fionaID, ottoID         string
	danID, vicID                                    string
	financeID, deskID, vendorID, staffID, serviceID string
	laptop, vpn                                     string // item ids
	names                                           map[string]string
}

func newRequestTeam(t *testing.T) *requestTeam {
	t.Helper()
	return setUpRequestTeam(t, newEnv(t, app.Limits{}))
}

func setUpRequestTeam(t *testing.T, e *env) *requestTeam {
	t.Helper()
	rt := &requestTeam{e: e, owner: e.mint(t, "e2e-service-owner", auth.ServiceOwner), names: map[string]string{}}
	rt.financeID, rt.deskID, rt.vendorID = e.createGroup(t, "Finance"), e.createGroup(t, "Service desk"), e.createGroup(t, "Laptop vendor")
	rt.staffID = e.createGroup(t, "Staff")
	workplace := e.createGroup(t, "Workplace team")
	contractors := e.createGroup(t, "Contractors")
	user := func(name string, role auth.Role, manager string, groups ...string) (string, string) {
		in := map[string]any{"username": name, "displayName": name, "roles": []string{string(role)}, "groupIds": groups}
		if manager != "" {
			in["managerId"] = manager
		}
		u := e.createUser(t, in)
		rt.names[u.ID] = name
		return u.ID, e.mint(t, u.ID, role)
	}
	rt.monaID, rt.mona = user("mona", auth.Requester, "", rt.staffID)
	rt.ritaID, rt.rita = user("rita", auth.Requester, rt.monaID, rt.staffID)
	rt.fredID, rt.fred = user("fred", auth.Requester, rt.monaID, rt.financeID, rt.staffID)
	rt.fionaID, rt.fiona = user("fiona", auth.Requester, "", rt.financeID)
	rt.ottoID, rt.otto = user("otto", auth.Requester, "", contractors)
	rt.danID, rt.dan = user("dan", auth.Agent, "", rt.deskID)
	rt.vicID, rt.vic = user("vic", auth.Agent, "", rt.vendorID)
	var svc struct {
		CreateService struct {
			Service named `json:"service"`
		} `json:"createService"`
	}
	e.ok(t, e.admin, `mutation($in: CreateServiceInput!) { createService(input: $in) { service { id name } } }`,
		map[string]any{"in": map[string]any{"kind": "BUSINESS", "name": "Workplace", "ownerGroupId": workplace}}, &svc)
	rt.serviceID = svc.CreateService.Service.ID
	rt.laptop = rt.createItem(t, laptopItem(rt))
	rt.vpn = rt.createItem(t, map[string]any{"name": "VPN access", "category": "Access", "serviceId": rt.serviceID, "price": 0,
		"currency": "EUR", "fulfilmentTargetHours": 8, "plan": []map[string]any{{"name": "Grant VPN", "groupId": rt.deskID}}})
	return rt
}

func laptopItem(rt *requestTeam) map[string]any {
	return map[string]any{"name": "Laptop", "category": "Hardware", "serviceId": rt.serviceID, "price": 1200, "currency": "EUR",
		"offeredToGroupIds": []string{rt.staffID}, "fulfilmentTargetHours": 72,
		"form": []map[string]any{
			{"key": "model", "label": "Model", "type": "CHOICE", "required": true, "options": []string{"13-inch", "15-inch"}},
			{"key": "justification", "label": "Why", "type": "TEXT", "required": true, "min": 10, "max": 500},
			{"key": "costCentre", "label": "Cost centre", "type": "TEXT", "pattern": "CC-[0-9]{4}"},
			{"key": "memoryGb", "label": "Memory (GB)", "type": "NUMBER", "min": 8, "max": 64},
			{"key": "neededBy", "label": "Needed by", "type": "DATE"},
			{"key": "extras", "label": "Extras", "type": "MULTI_CHOICE", "options": []string{"dock", "mouse", "bag"}},
		},
		"approvalPolicy": map[string]any{"financeThreshold": 1000, "financeGroupId": rt.financeID,
			"stages": []map[string]any{{"approver": "LINE_MANAGER"}}},
		"plan": []map[string]any{{"name": "Image the laptop", "groupId": rt.deskID, "step": 1}, {"name": "Ship the laptop", "groupId": rt.vendorID, "step": 1}},
	}
}

func (rt *requestTeam) createItem(t testing.TB, in map[string]any) string {
	t.Helper()
	var out struct {
		CreateCatalogueItem struct {
			Item named `json:"item"`
		} `json:"createCatalogueItem"`
	}
	rt.e.ok(t, rt.owner, createItemMutation, map[string]any{"in": in}, &out)
	return out.CreateCatalogueItem.Item.ID
}

// laptopAnswers are valid answers to the laptop's form.
func laptopAnswers() []map[string]any {
	return []map[string]any{
		{"key": "model", "values": []string{"15-inch"}},
		{"key": "justification", "values": []string{"my old one broke down"}},
		{"key": "costCentre", "values": []string{"CC-1234"}},
		{"key": "memoryGb", "values": []string{"32"}},
		{"key": "extras", "values": []string{"dock", "bag"}},
	}
}

// submit orders an item as token and returns the request.
func (rt *requestTeam) submit(t testing.TB, token string, in map[string]any) requestData {
	t.Helper()
	var out struct {
		SubmitRequest struct {
			Created bool        `json:"created"`
			Request requestData `json:"request"`
		} `json:"submitRequest"`
	}
	rt.e.ok(t, token, submitRequestMutation, map[string]any{"in": in}, &out)
	return out.SubmitRequest.Request
}

// write runs one request mutation as token and returns the request.
func (rt *requestTeam) write(t testing.TB, token, mutation, field string, in map[string]any) requestData {
	t.Helper()
	var out map[string]struct {
		Request requestData `json:"request"`
	}
	rt.e.ok(t, token, mutation, map[string]any{"in": in}, &out)
	return out[field].Request
}

// read reads one request as token.
func (rt *requestTeam) read(t testing.TB, token, id string) requestData {
	t.Helper()
	var out struct {
		ServiceRequest requestData `json:"serviceRequest"`
	}
	rt.e.ok(t, token, requestQuery, map[string]any{"id": id}, &out)
	return out.ServiceRequest
}

func (rt *requestTeam) decide(t testing.TB, token, approvalID string, approve bool, reason string) requestData {
	t.Helper()
	return rt.write(t, token, decideApprovalMutation, "decideApproval", map[string]any{"approvalId": approvalID, "approve": approve, "reason": reason})
}

// inbox reads token's myApprovals as "KIND requestNumber".
func (rt *requestTeam) inbox(t testing.TB, token string) []string {
	t.Helper()
	var out struct {
		MyApprovals struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					Kind    string `json:"kind"`
					Request struct {
						Number string `json:"number"`
					} `json:"request"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"myApprovals"`
	}
	rt.e.ok(t, token, myApprovalsQuery, nil, &out)
	got := []string{}
	for _, e := range out.MyApprovals.Edges {
		got = append(got, e.Node.Kind+" "+e.Node.Request.Number)
	}
	if out.MyApprovals.TotalCount != len(got) {
		t.Errorf("myApprovals totalCount %d, edges %d", out.MyApprovals.TotalCount, len(got))
	}
	return got
}
