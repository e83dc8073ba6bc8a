package tests

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLaptopOrderStory is issue 16's story: a laptop over the finance
// threshold is approved by finance, then by the line manager, fulfilled by
// two parallel tasks (the service desk images it, the vendor ships it and
// records the CI), confirmed by the requester, who answers the survey; the
// report counts it.
func TestLaptopOrderStory(t *testing.T) {
	rt := newRequestTeam(t)
	e := rt.e

	// The menu: staff see both items, a contractor only VPN access.
	var menu struct {
		RequestCatalogue []named `json:"requestCatalogue"`
	}
	e.ok(t, rt.rita, catalogueQuery, nil, &menu)
	if got := names(menu.RequestCatalogue); !slices.Equal(got, []string{"Laptop", "VPN access"}) {
		t.Fatalf("rita's menu: %v", got)
	}
	e.ok(t, rt.otto, catalogueQuery, nil, &menu)
	if got := names(menu.RequestCatalogue); !slices.Equal(got, []string{"VPN access"}) {
		t.Fatalf("otto's menu: %v", got)
	}

	req := rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "quantity": 1, "answers": laptopAnswers(), "idempotencyKey": "laptop-1"})
	if req.State != "PENDING_APPROVAL" || req.Cost != 1200 || req.Currency != "EUR" || !strings.HasPrefix(req.Number, "REQ") || req.Item.Version != 1 {
		t.Fatalf("submitted: %+v", req)
	}
	if got := req.approvalsOf(rt.names); !slices.Equal(got, []string{"FINANCE fiona PENDING", "FINANCE fred PENDING", "LINE_MANAGER mona WAITING"}) {
		t.Fatalf("approvals: %v", got)
	}
	// A retry with the same key returns the first order.
	again := rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "quantity": 1, "answers": laptopAnswers(), "idempotencyKey": "laptop-1"})
	if again.ID != req.ID {
		t.Fatalf("the retry created %s beside %s", again.ID, req.ID)
	}
	if got := rt.inbox(t, rt.fred); !slices.Equal(got, []string{"FINANCE " + req.Number}) {
		t.Fatalf("fred's inbox: %v", got)
	}
	if got := rt.inbox(t, rt.mona); len(got) != 0 {
		t.Fatalf("mona is asked before finance decided: %v", got)
	}

	req = rt.decide(t, rt.fred, req.approvalOf(t, rt.fredID), true, "budgeted")
	if got := req.approvalsOf(rt.names); !slices.Equal(got, []string{"FINANCE fiona NOT_NEEDED", "FINANCE fred APPROVED", "LINE_MANAGER mona PENDING"}) {
		t.Fatalf("after finance: %v", got)
	}
	if got := rt.inbox(t, rt.fiona); len(got) != 0 {
		t.Errorf("fiona still asked: %v", got)
	}
	if got := rt.inbox(t, rt.mona); !slices.Equal(got, []string{"LINE_MANAGER " + req.Number}) {
		t.Fatalf("mona's inbox: %v", got)
	}
	req = rt.decide(t, rt.mona, req.approvalOf(t, rt.monaID), true, "")
	if req.State != "IN_FULFILMENT" || req.ApprovedAt == nil || req.FulfilmentDueAt == nil {
		t.Fatalf("after the line manager: %s", req.State)
	}
	if len(req.Tasks) != 2 || req.Tasks[0].State != "OPEN" || req.Tasks[1].State != "OPEN" {
		t.Fatalf("tasks: %+v", req.Tasks)
	}
	desk, vendor := req.taskOf(t, rt.deskID).ID, req.taskOf(t, rt.vendorID).ID

	// The desk works its task; the vendor records the laptop it shipped.
	req = rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": desk, "expectedVersion": req.Version,
		"state": "IN_PROGRESS", "note": "imaging"})
	// A vendor agent cannot work the desk's task.
	e.fail(t, rt.vic, updateTaskMutation, map[string]any{"in": map[string]any{"taskId": desk, "expectedVersion": req.Version, "state": "DONE"}}, "FORBIDDEN")
	// Nor create a CI through it: the task is checked before the CMDB is written.
	cis := e.ciTotal(t)
	e.fail(t, rt.vic, updateTaskMutation, map[string]any{"in": map[string]any{"taskId": desk, "expectedVersion": req.Version,
		"newConfigurationItem": map[string]any{"name": "stray", "type": "SERVER"}}}, "FORBIDDEN")
	if got := e.ciTotal(t); got != cis {
		t.Fatalf("a refused task update created a CI: %d CIs, was %d", got, cis)
	}
	req = rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": desk, "expectedVersion": req.Version, "state": "DONE"})
	if req.State != "IN_FULFILMENT" {
		t.Fatalf("fulfilled with the vendor's task open: %s", req.State)
	}
	// Linking a CI that does not exist changes nothing.
	e.fail(t, rt.vic, updateTaskMutation, map[string]any{"in": map[string]any{"taskId": vendor, "expectedVersion": req.Version,
		"configurationItemId": "ci_nope"}}, "NOT_FOUND")
	req = rt.write(t, rt.vic, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": vendor, "expectedVersion": req.Version,
		"state": "DONE", "note": "shipped", "newConfigurationItem": map[string]any{"name": "laptop-rita", "type": "SERVER"}})
	var laptopCI struct {
		ConfigurationItem ciData `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { id name type status } }`,
		map[string]any{"id": deref(req.taskOf(t, rt.vendorID).CIID)}, &laptopCI)
	if laptopCI.ConfigurationItem.Name != "laptop-rita" {
		t.Fatalf("the vendor's CI: %+v", laptopCI.ConfigurationItem)
	}
	if req.State != "FULFILLED" || req.FulfilledAt == nil {
		t.Fatalf("after both tasks: %s", req.State)
	}
	if !slices.Equal(req.AllowedTransitions, nil) {
		t.Errorf("the vendor may move the request: %v", req.AllowedTransitions)
	}
	req = rt.read(t, rt.rita, req.ID)
	if !slices.Equal(req.AllowedTransitions, []string{"IN_FULFILMENT", "CLOSED"}) {
		t.Errorf("rita's moves: %v", req.AllowedTransitions)
	}
	req = rt.write(t, rt.rita, transitionRequestMutation, "transitionRequest", map[string]any{"id": req.ID, "expectedVersion": req.Version, "to": "CLOSED"})
	req = rt.write(t, rt.rita, surveyMutation, "submitRequestSurvey", map[string]any{"requestId": req.ID, "rating": 5, "comment": "quick"})
	if req.State != "CLOSED" || req.Satisfaction == nil || *req.Satisfaction != 5 {
		t.Fatalf("closed: %s, satisfaction %v", req.State, req.Satisfaction)
	}
	e.fail(t, rt.rita, surveyMutation, map[string]any{"in": map[string]any{"requestId": req.ID, "rating": 1}}, "CONFLICT")
	want := []string{">SUBMITTED", "SUBMITTED>PENDING_APPROVAL", "PENDING_APPROVAL>APPROVED", "APPROVED>IN_FULFILMENT",
		"IN_FULFILMENT>FULFILLED", "FULFILLED>CLOSED"}
	if got := req.states(); !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
	vendorTask := req.taskOf(t, rt.vendorID)
	if deref(vendorTask.CIID) != laptopCI.ConfigurationItem.ID || len(vendorTask.Notes) != 1 || vendorTask.Notes[0].Author != rt.vicID {
		t.Errorf("vendor task: %+v", vendorTask)
	}

	// The service owner's report counts it.
	var rep struct {
		RequestReport struct {
			Requests int `json:"requests"`
			Items    []struct {
				Name             string   `json:"name"`
				Requests         int      `json:"requests"`
				Surveys          int      `json:"surveys"`
				MeanSatisfaction *float64 `json:"meanSatisfaction"`
				WithinTarget     int      `json:"withinTarget"`
			} `json:"items"`
			Groups []struct {
				ID       string `json:"id"`
				Requests int    `json:"requests"`
			} `json:"groups"`
		} `json:"requestReport"`
	}
	from, to := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	e.ok(t, rt.owner, `query($f: DateTime!, $t: DateTime!) { requestReport(from: $f, to: $t) { requests
	  items { name requests surveys meanSatisfaction withinTarget } groups { id requests } } }`, map[string]any{"f": from, "t": to}, &rep)
	r := rep.RequestReport
	if r.Requests != 1 || len(r.Items) != 1 || r.Items[0].Surveys != 1 || *r.Items[0].MeanSatisfaction != 5 || r.Items[0].WithinTarget != 1 || len(r.Groups) != 2 {
		t.Errorf("report: %+v", r)
	}
	e.fail(t, rt.rita, `query($f: DateTime!, $t: DateTime!) { requestReport(from: $f, to: $t) { requests } }`, map[string]any{"f": from, "t": to}, "FORBIDDEN")
}

// TestRequestRejectionAndCancellation: a rejection needs a reason and ends
// the request before the line manager is asked; the requester cancels
// another order before it is decided, and nobody is asked any more.
func TestRequestRejectionAndCancellation(t *testing.T) {
	rt := newRequestTeam(t)
	e := rt.e
	req := rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "quantity": 2, "answers": laptopAnswers()})
	if req.Cost != 2400 {
		t.Fatalf("cost %v", req.Cost)
	}
	r := e.fail(t, rt.fiona, decideApprovalMutation, map[string]any{"in": map[string]any{"approvalId": req.approvalOf(t, rt.fionaID), "approve": false}}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, "reason") {
		t.Errorf("message: %s", r.Errors[0].Message)
	}
	if got := rt.read(t, rt.rita, req.ID); got.Version != req.Version || got.State != "PENDING_APPROVAL" {
		t.Fatalf("a refused rejection changed the request: %+v", got)
	}
	req = rt.decide(t, rt.fiona, req.approvalOf(t, rt.fionaID), false, "two laptops are one too many")
	if req.State != "REJECTED" || req.ClosedAt == nil {
		t.Fatalf("after the rejection: %s", req.State)
	}
	if got := req.approvalsOf(rt.names); !slices.Equal(got, []string{"FINANCE fiona REJECTED", "FINANCE fred NOT_NEEDED", "LINE_MANAGER mona NOT_NEEDED"}) {
		t.Errorf("approvals: %v", got)
	}
	if h := req.History[len(req.History)-1]; h.To != "REJECTED" || deref(h.Comment) != "two laptops are one too many" {
		t.Errorf("last move: %+v", h)
	}
	if got := rt.inbox(t, rt.mona); len(got) != 0 {
		t.Errorf("mona asked about a rejected request: %v", got)
	}

	second := rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()})
	if !slices.Equal(second.AllowedTransitions, []string{"CANCELLED"}) {
		t.Errorf("moves: %v", second.AllowedTransitions)
	}
	// Only the requester cancels: fred (asked to approve) may not.
	e.fail(t, rt.fred, transitionRequestMutation, map[string]any{"in": map[string]any{"id": second.ID, "expectedVersion": second.Version, "to": "CANCELLED"}}, "FORBIDDEN")
	second = rt.write(t, rt.rita, transitionRequestMutation, "transitionRequest", map[string]any{"id": second.ID, "expectedVersion": second.Version,
		"to": "CANCELLED", "comment": "found a spare"})
	if second.State != "CANCELLED" || len(rt.inbox(t, rt.fred)) != 0 {
		t.Fatalf("after cancelling: %s, fred's inbox %v", second.State, rt.inbox(t, rt.fred))
	}
	e.fail(t, rt.rita, transitionRequestMutation, map[string]any{"in": map[string]any{"id": second.ID, "expectedVersion": second.Version, "to": "CANCELLED"}}, "INVALID_TRANSITION")

	// A request with no approval goes straight to fulfilment.
	vpn := rt.submit(t, rt.otto, map[string]any{"itemId": rt.vpn})
	if vpn.State != "IN_FULFILMENT" || len(vpn.Tasks) != 1 {
		t.Fatalf("vpn: %s %+v", vpn.State, vpn.Tasks)
	}
	e.fail(t, rt.otto, transitionRequestMutation, map[string]any{"in": map[string]any{"id": vpn.ID, "expectedVersion": vpn.Version, "to": "CANCELLED"}}, "INVALID_TRANSITION")
}
