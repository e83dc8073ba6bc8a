package tests

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/webhooks"
)

// receiver is an endpoint on loopback that records what it is sent and
// answers with the statuses it is told to, in turn (200 once they run out).
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	position, signature, webhook string
	body                         []byte
	status                       int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.got = append(r.got, received{position: req.Header.Get(webhooks.HeaderPosition), signature: req.Header.Get(webhooks.HeaderSignature),
			webhook: req.Header.Get(webhooks.HeaderWebhook), body: body, status: status})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// await returns what was received once n requests have come.
func (r *receiver) await(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		got := append([]received(nil), r.got...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("received %d requests, want %d", len(r.got), n)
	return nil
}

const createWebhookMutation = `mutation($in: CreateWebhookInput!) { createWebhook(input: $in) { secret webhook { id url kinds enabled position } } }`

type webhookState struct {
	ID, DisabledReason, Position string
	Enabled                      bool
	Failures                     int
	Deliveries                   []struct {
		Position  string
		Attempt   int
		Status    *int
		Succeeded bool
	}
}

func (e *env) webhook(t *testing.T, id string) webhookState {
	t.Helper()
	var out struct{ Webhooks []webhookState }
	e.ok(t, e.admin, `{ webhooks { id enabled disabledReason failures position deliveries(first: 100) { position attempt status succeeded } } }`, nil, &out)
	for _, w := range out.Webhooks {
		if w.ID == id {
			return w
		}
	}
	t.Fatalf("no webhook %s among %+v", id, out.Webhooks)
	return webhookState{}
}

// TestWebhooksDeliverTheLogSigned: an administrator registers an endpoint
// for CI events; it receives each one, in order, once, with the event's
// position as idempotency key and a signature made with the secret it was
// given; other kinds do not reach it.
func TestWebhooksDeliverTheLogSigned(t *testing.T) {
	e := newEnv(t, app.Limits{Webhooks: webhooks.Policy{AllowPrivate: true}})
	rcv := newReceiver(t)
	var made struct {
		CreateWebhook struct {
			Secret  string
			Webhook struct {
				ID, URL string
				Kinds   []string
				Enabled bool
			}
		}
	}
	e.ok(t, e.admin, createWebhookMutation, map[string]any{"in": map[string]any{"url": rcv.srv.URL + "/itsm", "kinds": []string{"CONFIGURATION_ITEM"}}}, &made)
	hook := made.CreateWebhook
	if hook.Secret == "" || !hook.Webhook.Enabled || hook.Webhook.URL != rcv.srv.URL+"/itsm" {
		t.Fatalf("created %+v", hook)
	}
	e.runBackground(t, app.Background{EvaluateSLAs: time.Hour, AutoClose: time.Hour, Webhooks: 20 * time.Millisecond})

	a := e.createCI(t, map[string]any{"name": "hooked-a", "type": "SERVER"})
	e.createIncidentAsAgent(t)
	b := e.createCI(t, map[string]any{"name": "hooked-b", "type": "SERVER"})
	rcv.await(t, 2)
	time.Sleep(300 * time.Millisecond)
	got := rcv.await(t, 2)
	if len(got) != 2 {
		t.Fatalf("received %d requests, want the 2 CI events", len(got))
	}
	var prev int64
	for i, r := range got {
		var body struct {
			Position, Kind, RecordID string
			Record                   struct{ ID, Name string }
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
		pos, _ := strconv.ParseInt(r.position, 10, 64)
		if want := []string{a.ID, b.ID}[i]; body.Kind != "CONFIGURATION_ITEM" || body.RecordID != want || body.Record.ID != want || body.Position != r.position || pos <= prev || r.webhook != hook.Webhook.ID {
			t.Fatalf("delivery %d: %s (position header %s, webhook %s)", i, r.body, r.position, r.webhook)
		}
		prev = pos
		ts, mac, _ := strings.Cut(strings.TrimPrefix(r.signature, "t="), ",v1=")
		m := hmac.New(sha256.New, []byte(hook.Secret))
		m.Write([]byte(ts + "." + string(r.body)))
		if !hmac.Equal([]byte(mac), []byte(hex.EncodeToString(m.Sum(nil)))) {
			t.Fatalf("signature %q does not verify with the secret", r.signature)
		}
	}
	if w := e.webhook(t, hook.Webhook.ID); len(w.Deliveries) != 2 || !w.Deliveries[0].Succeeded || w.Deliveries[0].Position != got[1].position {
		t.Fatalf("delivery log %+v", w.Deliveries)
	}
	// Events of other kinds move the webhook on without a delivery.
	e.createIncidentAsAgent(t)
	var w webhookState
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if w = e.webhook(t, hook.Webhook.ID); w.Position != got[1].position {
			break
		}
	}
	if after, _ := strconv.ParseInt(w.Position, 10, 64); after <= prev || len(w.Deliveries) != 2 || len(rcv.await(t, 2)) != 2 {
		t.Fatalf("after an event of another kind: position %s (was %s), %d deliveries", w.Position, got[1].position, len(w.Deliveries))
	}
}

// createIncidentAsAgent writes an incident, an event of another kind.
func (e *env) createIncidentAsAgent(t *testing.T) {
	t.Helper()
	e.ok(t, e.agent, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": "not for the hook", "impact": "LOW", "urgency": "LOW"}}, nil)
}

// TestWebhooksRetryThenDisable: a failing endpoint is retried with the
// same event (at least once, the position as idempotency key) after a
// growing wait; enough failures in a row disable the webhook, and enabling
// it resumes delivery where it stopped.
func TestWebhooksRetryThenDisable(t *testing.T) {
	e := newEnv(t, app.Limits{Webhooks: webhooks.Policy{AllowPrivate: true, MaxFailures: 3, MaxBackoff: 50 * time.Millisecond}})
	rcv := newReceiver(t, 500, 503, 500)
	var made struct {
		CreateWebhook struct{ Webhook struct{ ID string } }
	}
	e.ok(t, e.admin, createWebhookMutation, map[string]any{"in": map[string]any{"url": rcv.srv.URL}}, &made)
	id := made.CreateWebhook.Webhook.ID
	e.runBackground(t, app.Background{EvaluateSLAs: time.Hour, AutoClose: time.Hour, Webhooks: 20 * time.Millisecond})
	ci := e.createCI(t, map[string]any{"name": "retried", "type": "SERVER"})

	got := rcv.await(t, 3)
	for _, r := range got {
		if r.position != got[0].position || !strings.Contains(string(r.body), ci.ID) {
			t.Fatalf("attempts %+v: want the same event each time", got)
		}
	}
	var w webhookState
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if w = e.webhook(t, id); !w.Enabled {
			break
		}
	}
	if w.Enabled || w.Failures != 3 || !strings.Contains(w.DisabledReason, "3 failed attempts") || len(w.Deliveries) != 3 || w.Deliveries[0].Attempt != 3 || *w.Deliveries[0].Status != 500 {
		t.Fatalf("after 3 failures: %+v", w)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(rcv.await(t, 3)); n != 3 {
		t.Fatalf("a disabled webhook was sent %d requests", n)
	}

	var enabled struct{ EnableWebhook struct{ Enabled bool } }
	e.ok(t, e.admin, `mutation($id: ID!) { enableWebhook(id: $id) { enabled } }`, map[string]any{"id": id}, &enabled)
	got = rcv.await(t, 4)
	if got[3].position != got[0].position || got[3].status != 200 {
		t.Fatalf("after enabling: %+v", got[3])
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if w = e.webhook(t, id); w.Failures == 0 && len(w.Deliveries) == 4 {
			break
		}
	}
	if !w.Enabled || w.Failures != 0 || !w.Deliveries[0].Succeeded || w.Deliveries[0].Attempt != 1 {
		t.Fatalf("after a success: %+v", w)
	}
}

// TestWebhookTargetsAndRoles: only administrators manage webhooks, and a
// webhook may not target this machine or a private network unless the
// operator allows it.
func TestWebhookTargetsAndRoles(t *testing.T) {
	e := newEnv(t, app.Limits{})
	for _, u := range []string{"http://127.0.0.1:8080/", "http://localhost/hook", "http://10.0.0.5/", "http://169.254.169.254/latest", "http://[::1]/", "ftp://example.com/", "https://u:p@example.com/"} {
		t.Run(u, func(t *testing.T) {
			e.fail(t, e.admin, createWebhookMutation, map[string]any{"in": map[string]any{"url": u}}, "BAD_USER_INPUT")
		})
	}
	e.fail(t, e.cm, createWebhookMutation, map[string]any{"in": map[string]any{"url": "https://hooks.example.com/"}}, "FORBIDDEN")
	e.fail(t, e.analyst, `{ webhooks { id } }`, nil, "FORBIDDEN")
	var made struct {
		CreateWebhook struct{ Webhook struct{ ID string } }
	}
	e.ok(t, e.admin, createWebhookMutation, map[string]any{"in": map[string]any{"url": "https://hooks.example.com/itsm"}}, &made)
	e.ok(t, e.admin, `mutation($id: ID!) { deleteWebhook(id: $id) }`, map[string]any{"id": made.CreateWebhook.Webhook.ID}, nil)
	e.fail(t, e.admin, `mutation($id: ID!) { deleteWebhook(id: $id) }`, map[string]any{"id": made.CreateWebhook.Webhook.ID}, "NOT_FOUND")
	var none struct{ Webhooks []struct{ ID string } }
	e.ok(t, e.admin, `{ webhooks { id } }`, nil, &none)
	if len(none.Webhooks) != 0 {
		t.Fatalf("webhooks after delete: %+v", none.Webhooks)
	}
}
