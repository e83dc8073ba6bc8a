package tests

import (
	"context"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// TestRequestTimeOutsAndAutoClose: a stage past its time-out takes its
// default answer (approve or reject) at the next sweep, and a fulfilled
// request nobody confirmed closes by itself once the window has passed.
func TestRequestTimeOutsAndAutoClose(t *testing.T) {
	clock := &settableClock{at: time.Now().UTC()}
	advance := clock.advance
	rt := setUpRequestTeam(t, newEnvAt(t, app.Limits{}, clock.now))
	item := func(name string, approve bool) string {
		return rt.createItem(t, map[string]any{"name": name, "serviceId": rt.serviceID, "price": 10, "currency": "EUR", "fulfilmentTargetHours": 4,
			"approvalPolicy": map[string]any{"stages": []map[string]any{{"approver": "GROUP", "groupId": rt.financeID, "rule": "ALL",
				"timeoutHours": 2, "defaultApprove": approve}}},
			"plan": []map[string]any{{"name": "Hand it over", "groupId": rt.deskID}}})
	}
	yes := rt.submit(t, rt.rita, map[string]any{"itemId": item("Monitor", true)})
	no := rt.submit(t, rt.rita, map[string]any{"itemId": item("Headset", false)})
	sweep := func() int {
		n, err := rt.e.api.Requests.Sweep(context.Background())
		if err != nil {
			t.Fatalf("Sweep: %v", err)
		}
		return n
	}
	advance(time.Hour)
	if n := sweep(); n != 0 {
		t.Fatalf("moved %d requests before their time-out", n)
	}
	advance(90 * time.Minute)
	if n := sweep(); n != 2 {
		t.Fatalf("moved %d requests past their time-out, want 2", n)
	}
	yes, no = rt.read(t, rt.rita, yes.ID), rt.read(t, rt.rita, no.ID)
	if yes.State != "IN_FULFILMENT" || no.State != "REJECTED" {
		t.Fatalf("after the time-outs: %s and %s", yes.State, no.State)
	}
	for _, a := range append(yes.Approvals, no.Approvals...) {
		if a.State != "TIMED_OUT" {
			t.Errorf("approval %s of %s is %s", a.ID, rt.names[a.ApproverID], a.State)
		}
	}
	yes = rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": yes.Tasks[0].ID, "expectedVersion": yes.Version, "state": "DONE"})
	advance(4 * 24 * time.Hour)
	if n := sweep(); n != 0 {
		t.Fatalf("closed %d requests within the window", n)
	}
	advance(25 * time.Hour)
	if n := sweep(); n != 1 {
		t.Fatalf("closed %d requests past the window, want 1", n)
	}
	yes = rt.read(t, rt.rita, yes.ID)
	if last := yes.History[len(yes.History)-1]; yes.State != "CLOSED" || last.Actor != "system" {
		t.Fatalf("after the window: %s by %s", yes.State, last.Actor)
	}
}

// TestRequestSubscriptions: approvalRequested tells approvers as their
// stage opens; requestChanged follows the subscriber's own requests and
// never hands them anyone else's.
func TestRequestSubscriptions(t *testing.T) {
	e := newEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	rt := setUpRequestTeam(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	listen := func(token, id, query string) *wsClient {
		c := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + token})
		c.expectAck(t)
		c.subscribe(t, id, query, nil)
		return c
	}
	fred := listen(rt.fred, "f", `subscription { approvalRequested { id state requestId kind } }`)
	rita := listen(rt.rita, "r", `subscription { requestChanged { id state version } }`)
	otto := listen(rt.otto, "o", `subscription { requestChanged { id state version } }`)
	// Subscriptions start asynchronously: order until both are heard.
	var req requestData
	heardFred, heardRita := false, false
	for i := 0; i < 40 && !(heardFred && heardRita); i++ {
		req = rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()})
		if !heardFred {
			_, heardFred = nextEvent(t, fred, "f", "approvalRequested", 250*time.Millisecond)
		}
		if !heardRita {
			_, heardRita = nextEvent(t, rita, "r", "requestChanged", 250*time.Millisecond)
		}
	}
	if !heardFred || !heardRita {
		t.Fatalf("subscriptions never delivered: fred %v, rita %v", heardFred, heardRita)
	}
	mona := listen(rt.mona, "m", `subscription { approvalRequested { id state requestId kind } }`)
	// Mona is asked once finance approved; keep approving rita's orders
	// until her subscription hears one.
	heardMona := false
	for i := 0; i < 20 && !heardMona; i++ {
		next := rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()})
		rt.decide(t, rt.fred, next.approvalOf(t, rt.fredID), true, "")
		ev, ok := nextEvent(t, mona, "m", "approvalRequested", 500*time.Millisecond)
		heardMona = ok && ev.Data["approvalRequested"].State == "PENDING"
	}
	if !heardMona {
		t.Fatal("mona never heard of the approval waiting for her")
	}
	rt.decide(t, rt.fred, req.approvalOf(t, rt.fredID), true, "")
	for {
		ev, ok := nextEvent(t, rita, "r", "requestChanged", 10*time.Second)
		if !ok {
			t.Fatal("rita did not hear her request move")
		}
		if d := ev.Data["requestChanged"]; d.ID == req.ID && d.Version > req.Version {
			break
		}
	}
	if ev, ok := nextEvent(t, otto, "o", "requestChanged", time.Second); ok {
		t.Fatalf("otto heard someone else's request: %s", ev.Payload)
	}

	// The service desk hears of the requests that give it a task; the
	// vendor, whose group has none of them, does not.
	dan := listen(rt.dan, "d", `subscription { requestChanged { id state } }`)
	vic := listen(rt.vic, "v", `subscription { requestChanged { id state } }`)
	heardDan := false
	for i := 0; i < 40 && !heardDan; i++ {
		vpn := rt.submit(t, rt.rita, map[string]any{"itemId": rt.vpn})
		ev, ok := nextEvent(t, dan, "d", "requestChanged", 250*time.Millisecond)
		heardDan = ok && ev.Data["requestChanged"].ID == vpn.ID
	}
	if !heardDan {
		t.Fatal("the service desk never heard of a request with a task for it")
	}
	if ev, ok := nextEvent(t, vic, "v", "requestChanged", time.Second); ok {
		t.Fatalf("the vendor heard of a request without a task for it: %s", ev.Payload)
	}
}
