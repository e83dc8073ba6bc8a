package tests

import (
	"strings"
	"testing"
)

// TestRequestBadInput: each bad input of issue 16 gets its code and a
// message naming what to fix, and changes nothing: no request is made, the
// request it names keeps its version and state.
func TestRequestBadInput(t *testing.T) {
	rt := newRequestTeam(t)
	e := rt.e
	answers := func(edit func(map[string][]string)) []map[string]any {
		m := map[string][]string{}
		for _, a := range laptopAnswers() {
			m[a["key"].(string)] = a["values"].([]string)
		}
		edit(m)
		var out []map[string]any
		for k, v := range m {
			out = append(out, map[string]any{"key": k, "values": v})
		}
		return out
	}
	submits := []struct {
		name, token, code string
		in                map[string]any
		// want are the parts the message must name.
		want []string
	}{
		{"missing and invalid answers, each named", rt.rita, "BAD_USER_INPUT", map[string]any{"itemId": rt.laptop, "answers": answers(func(m map[string][]string) {
			delete(m, "model")
			m["justification"] = []string{"short"}
			m["costCentre"] = []string{"1234"}
			m["memoryGb"] = []string{"640"}
			m["neededBy"] = []string{"next week"}
			m["extras"] = []string{"dock", "sofa"}
			m["colour"] = []string{"red"}
		})}, []string{"model: is required", "justification: must be between 10 and 500", "costCentre: does not match", "memoryGb: must be between 8 and 64",
			"neededBy:", "extras:", "colour: is not a field"}},
		{"quantity zero", rt.rita, "BAD_USER_INPUT", map[string]any{"itemId": rt.laptop, "quantity": 0, "answers": laptopAnswers()}, []string{"quantity"}},
		{"quantity negative", rt.rita, "BAD_USER_INPUT", map[string]any{"itemId": rt.laptop, "quantity": -3, "answers": laptopAnswers()}, []string{"quantity"}},
		{"absurd quantity", rt.rita, "BAD_USER_INPUT", map[string]any{"itemId": rt.laptop, "quantity": 100000, "answers": laptopAnswers()}, []string{"quantity"}},
		{"unknown item", rt.rita, "NOT_FOUND", map[string]any{"itemId": "rqi_nope"}, []string{"rqi_nope"}},
		{"an item not offered to the requester", rt.otto, "NOT_FOUND", map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()}, []string{rt.laptop}},
		{"an unknown person to order for", rt.rita, "BAD_USER_INPUT", map[string]any{"itemId": rt.vpn, "requestedFor": "usr_nobody"}, []string{"requestedFor"}},
	}
	for _, c := range submits {
		t.Run(c.name, func(t *testing.T) {
			r := e.fail(t, c.token, submitRequestMutation, map[string]any{"in": c.in}, c.code)
			for _, w := range c.want {
				if !strings.Contains(r.Errors[0].Message, w) {
					t.Errorf("message %q does not name %q", r.Errors[0].Message, w)
				}
			}
		})
	}
	var mine struct {
		MyRequests struct {
			TotalCount int `json:"totalCount"`
		} `json:"myRequests"`
	}
	for _, tok := range []string{rt.rita, rt.otto} {
		e.ok(t, tok, myRequestsQuery, nil, &mine)
		if mine.MyRequests.TotalCount != 0 {
			t.Fatalf("refused orders made %d requests", mine.MyRequests.TotalCount)
		}
	}

	// Fred is in finance: ordering a laptop, he is not among its approvers,
	// and he cannot decide fiona's part.
	own := rt.submit(t, rt.fred, map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()})
	if got := own.approvalsOf(rt.names); len(got) != 2 || got[0] != "FINANCE fiona PENDING" {
		t.Fatalf("fred's own order asks %v", got)
	}
	if got := rt.inbox(t, rt.fred); len(got) != 0 {
		t.Errorf("fred is asked to approve his own order: %v", got)
	}
	rita := rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()})
	decided := rt.decide(t, rt.fiona, rita.approvalOf(t, rt.fionaID), true, "")
	writes := []struct {
		name, token, mutation, code string
		id                          string
		in                          map[string]any
	}{
		{"approving your own request", rt.fred, decideApprovalMutation, "NOT_FOUND", own.ID,
			map[string]any{"approvalId": own.approvalOf(t, rt.fionaID), "approve": true}},
		{"deciding twice", rt.fiona, decideApprovalMutation, "CONFLICT", rita.ID,
			map[string]any{"approvalId": rita.approvalOf(t, rt.fionaID), "approve": false, "reason": "changed my mind"}},
		{"deciding a part no longer needed", rt.fred, decideApprovalMutation, "INVALID_TRANSITION", rita.ID,
			map[string]any{"approvalId": rita.approvalOf(t, rt.fredID), "approve": true}},
		{"deciding someone else's part", rt.otto, decideApprovalMutation, "NOT_FOUND", rita.ID,
			map[string]any{"approvalId": rita.approvalOf(t, rt.monaID), "approve": true}},
		{"confirming someone else's request", rt.otto, transitionRequestMutation, "NOT_FOUND", rita.ID,
			map[string]any{"id": rita.ID, "expectedVersion": decided.Version, "to": "CLOSED"}},
		{"confirming a request not fulfilled", rt.rita, transitionRequestMutation, "INVALID_TRANSITION", rita.ID,
			map[string]any{"id": rita.ID, "expectedVersion": decided.Version, "to": "CLOSED"}},
		{"a stale version", rt.rita, transitionRequestMutation, "CONFLICT", rita.ID,
			map[string]any{"id": rita.ID, "expectedVersion": rita.Version, "to": "CANCELLED"}},
		{"a survey before fulfilment", rt.rita, surveyMutation, "INVALID_TRANSITION", rita.ID,
			map[string]any{"requestId": rita.ID, "rating": 4}},
		{"a rating out of range", rt.rita, surveyMutation, "BAD_USER_INPUT", rita.ID,
			map[string]any{"requestId": rita.ID, "rating": 6}},
	}
	for _, c := range writes {
		t.Run(c.name, func(t *testing.T) {
			before := rt.read(t, e.admin, c.id)
			e.fail(t, c.token, c.mutation, map[string]any{"in": c.in}, c.code)
			after := rt.read(t, e.admin, c.id)
			if after.Version != before.Version || after.State != before.State || strings.Join(after.approvalsOf(rt.names), ",") != strings.Join(before.approvalsOf(rt.names), ",") {
				t.Errorf("the refused write changed %s: %+v → %+v", before.Number, before, after)
			}
		})
	}

	// Confirming as a fulfiller who sees the request: FORBIDDEN.
	vpn := rt.submit(t, rt.rita, map[string]any{"itemId": rt.vpn})
	vpn = rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": vpn.Tasks[0].ID, "expectedVersion": vpn.Version, "state": "DONE"})
	if vpn.State != "FULFILLED" {
		t.Fatalf("vpn: %s", vpn.State)
	}
	e.fail(t, rt.dan, transitionRequestMutation, map[string]any{"in": map[string]any{"id": vpn.ID, "expectedVersion": vpn.Version, "to": "CLOSED"}}, "FORBIDDEN")
	if got := rt.read(t, rt.rita, vpn.ID); got.Version != vpn.Version || got.State != "FULFILLED" {
		t.Errorf("the refused confirmation changed it: %s v%d", got.State, got.Version)
	}
	// Not done after all: back to fulfilment, the desk's task open again.
	back := rt.write(t, rt.rita, transitionRequestMutation, "transitionRequest", map[string]any{"id": vpn.ID, "expectedVersion": vpn.Version,
		"to": "IN_FULFILMENT", "comment": "still no access"})
	if back.State != "IN_FULFILMENT" || back.Tasks[0].State != "OPEN" {
		t.Errorf("after 'not done': %s, task %s", back.State, back.Tasks[0].State)
	}
}
