package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// TestChangeSubscription: changeChanged delivers state changes.
func TestChangeSubscription(t *testing.T) {
	e, w, team, base := newChangeEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	s, en := window(base, 2, 1, 2)
	c := e.createChange(t, team.requester, normalChange("Watched", w.idsOf(t, "cache"), s, en))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.analyst})
	ws.expectAck(t)
	ws.subscribe(t, "1", `subscription($ids: [ID!]) { changeChanged(ids: $ids) { id state version } }`, map[string]any{"ids": []string{c.ID}})

	// The subscription starts asynchronously: edit until an event arrives.
	seen := map[string]bool{}
	for i := 0; i < 40 && len(seen) == 0; i++ {
		var up struct {
			UpdateChange changePayload `json:"updateChange"`
		}
		e.ok(t, team.requester, updateChangeMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": c.Version, "description": fmt.Sprint(i)}}, &up)
		c = up.UpdateChange.Change
		if m, ok := ws.tryNext(t, 250*time.Millisecond); ok {
			seen[string(m.Payload)] = true
		}
	}
	if len(seen) == 0 {
		t.Fatal("no event")
	}
	c = e.transitionChange(t, team.requester, c, "SUBMITTED", "")
	for {
		m := ws.next(t, 10*time.Second)
		if strings.Contains(string(m.Payload), `"state":"SUBMITTED"`) {
			break
		}
		if m.Type != "next" {
			t.Fatalf("unexpected %s %s", m.Type, m.Payload)
		}
	}
	// Requesters may not subscribe.
	rq := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.requester})
	rq.expectAck(t)
	rq.subscribe(t, "2", `subscription { changeChanged { id } }`, nil)
	if errs := subscriptionErrors(t, rq.next(t, 10*time.Second), "2"); len(errs) == 0 || errs[0].Extensions.Code != "FORBIDDEN" {
		t.Fatalf("requester subscription: %+v", errs)
	}
}
