package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/itsm-graph/itsm/app"
)

const subprotocol = "graphql-transport-ws"

// wsMsg is a graphql-transport-ws message.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient is one graphql-transport-ws connection whose incoming messages
// (other than ping/pong, which it answers) arrive on msgs; the read error
// that ends the connection arrives on done.
type wsClient struct {
	conn *websocket.Conn
	ctx  context.Context
	msgs chan wsMsg
	done chan error
}

func (e *env) wsURL() string { return "ws" + strings.TrimPrefix(e.url, "http") + "/graphql" }

// dialWS opens a WebSocket to /graphql; ctx bounds the whole connection.
func (e *env) dialWS(ctx context.Context, origin string) (*websocket.Conn, *http.Response, error) {
	opts := &websocket.DialOptions{Subprotocols: []string{subprotocol}}
	if origin != "" {
		opts.HTTPHeader = http.Header{"Origin": {origin}}
	}
	c, resp, err := websocket.Dial(ctx, e.wsURL(), opts)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	return c, resp, err
}

// connectWS dials, starts the reader and sends connection_init with payload.
func (e *env) connectWS(t *testing.T, ctx context.Context, origin string, payload map[string]any) *wsClient {
	t.Helper()
	conn, resp, err := e.dialWS(ctx, origin)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("WebSocket dial (HTTP %d): %v", status, err)
	}
	if conn.Subprotocol() != subprotocol {
		t.Fatalf("subprotocol = %q, want %q", conn.Subprotocol(), subprotocol)
	}
	c := &wsClient{conn: conn, ctx: ctx, msgs: make(chan wsMsg, 256), done: make(chan error, 1)}
	t.Cleanup(func() { _ = conn.Close(websocket.StatusNormalClosure, "test over") })
	go func() {
		for {
			var m wsMsg
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				c.done <- err
				close(c.msgs)
				return
			}
			switch m.Type {
			case "ping":
				_ = wsjson.Write(ctx, conn, wsMsg{Type: "pong"})
			case "pong":
			default:
				c.msgs <- m
			}
		}
	}()
	raw, _ := json.Marshal(payload)
	c.send(t, wsMsg{Type: "connection_init", Payload: raw})
	return c
}

func (c *wsClient) send(t *testing.T, m wsMsg) {
	t.Helper()
	if err := wsjson.Write(c.ctx, c.conn, m); err != nil {
		t.Fatalf("WebSocket write %s: %v", m.Type, err)
	}
}

// next returns the next message, failing the test after wait.
func (c *wsClient) next(t *testing.T, wait time.Duration) wsMsg {
	t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			t.Fatalf("connection closed while waiting for a message: %v", <-c.done)
		}
		return m
	case <-time.After(wait):
		t.Fatalf("no message within %s", wait)
	}
	return wsMsg{}
}

// tryNext returns the next message if one arrives within wait.
func (c *wsClient) tryNext(t *testing.T, wait time.Duration) (wsMsg, bool) {
	t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			t.Fatalf("connection closed while waiting for a message: %v", <-c.done)
		}
		return m, true
	case <-time.After(wait):
		return wsMsg{}, false
	}
}

func (c *wsClient) subscribe(t *testing.T, id, query string, vars map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	c.send(t, wsMsg{ID: id, Type: "subscribe", Payload: raw})
}

func (c *wsClient) expectAck(t *testing.T) {
	t.Helper()
	if m := c.next(t, 10*time.Second); m.Type != "connection_ack" {
		t.Fatalf("got %s %s, want connection_ack", m.Type, m.Payload)
	}
}

const changedSubscription = `subscription($ids: [ID!]) {
  configurationItemChanged(ids: $ids) { id name status version description }
}`

type changedEvent struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Status      string  `json:"status"`
	Version     int     `json:"version"`
	Description *string `json:"description"`
}

// event decodes a "next" message for subscription id into its CI.
func event(t *testing.T, m wsMsg, id string) changedEvent {
	t.Helper()
	if m.Type != "next" || m.ID != id {
		t.Fatalf("got %s (id %q) %s, want next for %q", m.Type, m.ID, m.Payload, id)
	}
	var p struct {
		Data struct {
			ConfigurationItemChanged changedEvent `json:"configurationItemChanged"`
		} `json:"data"`
		Errors []gqlError `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("next payload %s: %v", m.Payload, err)
	}
	if len(p.Errors) > 0 {
		t.Fatalf("next payload has errors: %s", m.Payload)
	}
	return p.Data.ConfigurationItemChanged
}

// subscriptionErrors returns the errors of an "error" message (a list) or of
// a "next" message (a result with errors) for subscription id.
func subscriptionErrors(t *testing.T, m wsMsg, id string) []gqlError {
	t.Helper()
	if m.ID != id {
		t.Fatalf("message for id %q, want %q: %s %s", m.ID, id, m.Type, m.Payload)
	}
	var errs []gqlError
	switch m.Type {
	case "error":
		if err := json.Unmarshal(m.Payload, &errs); err != nil {
			t.Fatalf("error payload %s: %v", m.Payload, err)
		}
	case "next":
		var p struct {
			Data   json.RawMessage `json:"data"`
			Errors []gqlError      `json:"errors"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatalf("next payload %s: %v", m.Payload, err)
		}
		if len(p.Data) > 0 && string(p.Data) != "null" {
			t.Errorf("a refused subscription delivered data: %s", p.Data)
		}
		errs = p.Errors
	default:
		t.Fatalf("got %s %s, want error or next", m.Type, m.Payload)
	}
	checkErrors(t, &gqlResponse{Errors: errs, Body: m.Payload})
	return errs
}

// TestSubscriptionReceivesHTTPUpdates: a configurationItemChanged
// subscription filtered to one CI sees that CI's updates, relationships and
// retirement made over HTTP, in order, and nothing of other CIs.
func TestSubscriptionReceivesHTTPUpdates(t *testing.T) {
	e := newEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	watched := e.createCI(t, map[string]any{"name": "watched", "type": "SERVER", "status": "ACTIVE"})
	other := e.createCI(t, map[string]any{"name": "unwatched", "type": "SERVER", "status": "ACTIVE"})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.analyst})
	c.expectAck(t)
	c.subscribe(t, "1", changedSubscription, map[string]any{"ids": []string{watched.ID}})

	// The subscription starts asynchronously: update until the first event
	// arrives (bounded), then account for every update made meanwhile.
	version := 1
	var first changedEvent
	got := false
	for attempt := 0; attempt < 40 && !got; attempt++ {
		u := e.updateCI(t, map[string]any{"id": watched.ID, "expectedVersion": version, "description": fmt.Sprintf("rev-%d", version+1)})
		version = u.Version
		var m wsMsg
		if m, got = c.tryNext(t, 250*time.Millisecond); got {
			first = event(t, m, "1")
		}
	}
	if !got {
		t.Fatalf("no event after %d updates", version-1)
	}
	check := func(ev changedEvent, wantVersion int, wantStatus string) {
		t.Helper()
		if ev.ID != watched.ID || ev.Name != "watched" || ev.Version != wantVersion || ev.Status != wantStatus {
			t.Errorf("event %+v, want %s v%d %s", ev, watched.ID, wantVersion, wantStatus)
		}
	}
	if first.ID != watched.ID || deref(first.Description) != fmt.Sprintf("rev-%d", first.Version) {
		t.Fatalf("first event %+v does not match an update of %s", first, watched.ID)
	}
	for v := first.Version + 1; v <= version; v++ {
		ev := event(t, c.next(t, 5*time.Second), "1")
		check(ev, v, "ACTIVE")
	}

	// An update of another CI is filtered out; the next event is ours.
	e.updateCI(t, map[string]any{"id": other.ID, "expectedVersion": 1, "description": "noise"})
	u := e.updateCI(t, map[string]any{"id": watched.ID, "expectedVersion": version, "description": "final", "status": "MAINTENANCE"})
	ev := event(t, c.next(t, 5*time.Second), "1")
	check(ev, version+1, "MAINTENANCE")
	if deref(ev.Description) != "final" || u.Version != version+1 {
		t.Errorf("event description %q (update returned v%d), want final v%d", deref(ev.Description), u.Version, version+1)
	}
	version++

	// A new relationship is a change of both ends.
	e.relate(t, other.ID, "DEPENDS_ON", watched.ID)
	check(event(t, c.next(t, 5*time.Second), "1"), version, "MAINTENANCE")

	e.retireCI(t, watched.ID, version, "decommissioned")
	check(event(t, c.next(t, 5*time.Second), "1"), version+1, "RETIRED")

	// Completing the subscription stops events; an unfiltered one sees
	// creations.
	c.send(t, wsMsg{ID: "1", Type: "complete"})
	c.subscribe(t, "2", changedSubscription, nil)
	var created []string
	got = false
	for attempt := 0; attempt < 40 && !got; attempt++ {
		n := e.createCI(t, map[string]any{"name": fmt.Sprintf("fresh-%d", attempt), "type": "CONTAINER"})
		created = append(created, n.ID)
		var m wsMsg
		if m, got = c.tryNext(t, 250*time.Millisecond); got {
			if m.ID == "1" && m.Type == "complete" {
				got = false
				continue
			}
			ev := event(t, m, "2")
			if !strings.HasPrefix(ev.Name, "fresh-") || ev.Version != 1 || ev.Status != "PLANNED" {
				t.Errorf("creation event %+v", ev)
			}
		}
	}
	if !got {
		t.Fatalf("unfiltered subscription saw none of %d creations", len(created))
	}
}

// TestSubscriptionAuth: a subscription needs a valid token with a staff role
// in connection_init; an invalid token ends the connection.
func TestSubscriptionAuth(t *testing.T) {
	e := newEnv(t, app.Limits{})
	past := e.mintExpired(t)

	refused := []struct {
		name    string
		payload map[string]any
		code    string
	}{
		{"no token", map[string]any{}, "UNAUTHENTICATED"},
		{"REQUESTER token", map[string]any{"Authorization": "Bearer " + e.requester}, "FORBIDDEN"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := e.connectWS(t, ctx, "", tc.payload)
			c.expectAck(t)
			c.subscribe(t, "s", changedSubscription, nil)
			errs := subscriptionErrors(t, c.next(t, 10*time.Second), "s")
			if len(errs) != 1 || errs[0].Extensions.Code != tc.code {
				t.Fatalf("errors %+v, want one %s", errs, tc.code)
			}
			// The refused subscription must not deliver events.
			e.createCI(t, map[string]any{"name": "after-" + strings.ReplaceAll(tc.name, " ", "-"), "type": "SERVER"})
			for {
				m, ok := c.tryNext(t, 500*time.Millisecond)
				if !ok {
					break
				}
				if m.Type == "next" {
					t.Fatalf("refused subscription delivered %s", m.Payload)
				}
			}
		})
	}

	invalid := []struct {
		name    string
		payload map[string]any
	}{
		{"garbage token", map[string]any{"Authorization": "Bearer garbage"}},
		{"expired token", map[string]any{"Authorization": "Bearer " + past}},
		{"token of another key", map[string]any{"Authorization": "Bearer " + e.mintOtherKey(t)}},
		{"bare garbage", map[string]any{"authorization": "not-a-token"}},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := e.connectWS(t, ctx, "", tc.payload)
			deadline := time.After(10 * time.Second)
			for {
				select {
				case m, ok := <-c.msgs:
					if !ok {
						err := <-c.done
						if websocket.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) {
							t.Logf("connection ended by %v", err)
						} else {
							t.Logf("connection closed with status %d", websocket.CloseStatus(err))
						}
						return
					}
					switch m.Type {
					case "connection_ack":
						// Acknowledged as anonymous at most: a subscription
						// must then be refused.
						c.subscribe(t, "s", changedSubscription, nil)
					case "error", "next":
						errs := subscriptionErrors(t, m, "s")
						if len(errs) != 1 || errs[0].Extensions.Code != "UNAUTHENTICATED" {
							t.Fatalf("errors %+v, want one UNAUTHENTICATED", errs)
						}
						return
					default:
						t.Fatalf("unexpected %s %s", m.Type, m.Payload)
					}
				case <-deadline:
					t.Fatal("an invalid token neither closed the connection nor refused the subscription within 10s")
				}
			}
		})
	}
}

// TestWebSocketOrigin: browsers do not apply CORS to WebSockets, so the
// upgrade itself refuses origins outside the allowlist with 403.
func TestWebSocketOrigin(t *testing.T) {
	e := newEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	closed := e.sibling(t, app.Limits{})
	cases := []struct {
		name   string
		env    *env
		origin string
		status int
	}{
		{"allowed origin", e, okOrigin, http.StatusSwitchingProtocols},
		{"no Origin (not a browser)", e, "", http.StatusSwitchingProtocols},
		{"same origin", e, e.url, http.StatusSwitchingProtocols},
		{"evil origin", e, "https://evil.example", http.StatusForbidden},
		{"allowed name as a prefix", e, "https://ok.example.evil.example", http.StatusForbidden},
		{"other scheme", e, "http://ok.example", http.StatusForbidden},
		{"null origin", e, "null", http.StatusForbidden},
		{"empty allowlist", closed, okOrigin, http.StatusForbidden},
		{"empty allowlist, same origin", closed, closed.url, http.StatusSwitchingProtocols},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			conn, resp, err := tc.env.dialWS(ctx, tc.origin)
			if conn != nil {
				defer func() { _ = conn.Close(websocket.StatusNormalClosure, "") }()
			}
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			if status != tc.status {
				t.Fatalf("upgrade answered HTTP %d (err %v), want %d", status, err, tc.status)
			}
			if tc.status == http.StatusSwitchingProtocols {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				// The connection is usable.
				raw, _ := json.Marshal(map[string]any{"Authorization": "Bearer " + e.analyst})
				if err := wsjson.Write(ctx, conn, wsMsg{Type: "connection_init", Payload: raw}); err != nil {
					t.Fatal(err)
				}
				var m wsMsg
				if err := wsjson.Read(ctx, conn, &m); err != nil || m.Type != "connection_ack" {
					t.Fatalf("after init: %+v, %v; want connection_ack", m, err)
				}
			} else if err == nil {
				t.Fatal("dial succeeded, want a refusal")
			}
		})
	}
}
