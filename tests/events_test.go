package tests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// instance serves another API instance on the same database through a
// connection of its own, as a second server would: it shares nothing with
// e but the database (and the token settings and clock).
func (e *env) instance(t *testing.T, limits app.Limits) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := neo4j.Open(ctx, neo4jtest.Config(t))
	if err != nil {
		t.Fatalf("opening a second connection: %v", err)
	}
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	s := *e
	s.store = store
	s.serve(t, limits)
	return &s
}

// heardCI is one CI a configurationItemChanged subscription delivered,
// with the position of its event.
type heardCI struct {
	id, position string
}

// nextCI returns the next CI subscription sub delivers on c within wait.
func nextCI(t *testing.T, c *wsClient, sub string, wait time.Duration) (heardCI, bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		m, ok := c.tryNext(t, time.Until(deadline))
		if !ok {
			return heardCI{}, false
		}
		if m.ID != sub {
			continue
		}
		var p struct {
			Data struct {
				ConfigurationItemChanged struct{ ID string } `json:"configurationItemChanged"`
			} `json:"data"`
			Extensions struct {
				Position string `json:"position"`
			} `json:"extensions"`
		}
		if m.Type != "next" || json.Unmarshal(m.Payload, &p) != nil || p.Extensions.Position == "" {
			t.Fatalf("subscription %s: %s %s", sub, m.Type, m.Payload)
		}
		return heardCI{id: p.Data.ConfigurationItemChanged.ID, position: p.Extensions.Position}, true
	}
}

const ciFeed = `subscription($after: String) { configurationItemChanged(after: $after) { id } }`

// TestEventsReachEveryInstanceAndResume: a subscriber connected to one
// instance hears the writes made through another, each message with the
// position of its event; one that disconnects, misses three writes and
// subscribes again after the last position it got receives exactly those
// three, in order, and then live writes once each. Positions that cannot
// be resumed from are refused with the reason.
func TestEventsReachEveryInstanceAndResume(t *testing.T) {
	limits := app.Limits{CORSOrigins: []string{okOrigin}, Events: app.EventLimits{Poll: 50 * time.Millisecond}}
	a := newEnv(t, limits)
	b := a.instance(t, limits)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := a.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + a.cm})
	ws.expectAck(t)
	ws.subscribe(t, "1", ciFeed, nil)

	// A subscription starts asynchronously: write through B until A's
	// subscriber hears one, then take the last position heard.
	var last heardCI
	for i := 0; last.id == ""; i++ {
		if i == 20 {
			t.Fatal("no write made through the other instance reached the subscriber")
		}
		b.createCI(t, map[string]any{"name": "probe-" + strconv.Itoa(i), "type": "SERVER"})
		if h, ok := nextCI(t, ws, "1", 2*time.Second); ok {
			last = h
		}
	}
	for {
		h, ok := nextCI(t, ws, "1", 500*time.Millisecond)
		if !ok {
			break
		}
		last = h
	}
	ws.send(t, wsMsg{ID: "1", Type: "complete"})

	var missed []string
	for i := range 3 {
		missed = append(missed, b.createCI(t, map[string]any{"name": "missed-" + strconv.Itoa(i), "type": "SERVER"}).ID)
	}
	ws.subscribe(t, "2", ciFeed, map[string]any{"after": last.position})
	var got []string
	prev, _ := strconv.ParseInt(last.position, 10, 64)
	for len(got) < 3 {
		h, ok := nextCI(t, ws, "2", 10*time.Second)
		if !ok {
			t.Fatalf("resumed after %s: heard %v, want %v", last.position, got, missed)
		}
		pos, _ := strconv.ParseInt(h.position, 10, 64)
		if pos <= prev {
			t.Fatalf("position %d after %d", pos, prev)
		}
		prev = pos
		got = append(got, h.id)
	}
	if !slices.Equal(got, missed) {
		t.Fatalf("resumed after %s: heard %v, want %v", last.position, got, missed)
	}
	live := b.createCI(t, map[string]any{"name": "live", "type": "SERVER"})
	if h, ok := nextCI(t, ws, "2", 10*time.Second); !ok || h.id != live.ID {
		t.Fatalf("live after resuming: %+v %v, want %s", h, ok, live.ID)
	}
	if h, ok := nextCI(t, ws, "2", 500*time.Millisecond); ok {
		t.Fatalf("heard %+v twice or more", h)
	}

	// Positions that cannot be resumed from.
	refused := func(id, after, want string) {
		t.Helper()
		ws.subscribe(t, id, ciFeed, map[string]any{"after": after})
		for {
			m := ws.next(t, 10*time.Second)
			if m.ID != id {
				continue
			}
			errs := subscriptionErrors(t, m, id)
			if len(errs) != 1 || errs[0].Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(errs[0].Message, want) {
				t.Fatalf("after %q: %+v, want BAD_USER_INPUT saying %q", after, errs, want)
			}
			return
		}
	}
	refused("3", "yesterday", "is not an event position")
	refused("4", strconv.FormatInt(prev+1000, 10), "has not been given yet")
	if _, err := a.store.Events().Prune(ctx, time.Now().Add(time.Hour), 1000); err != nil {
		t.Fatal(err)
	}
	refused("5", last.position, "were pruned")
}

// TestJobsRunOnceAcrossInstances: with two instances running the periodic
// work, SLA evaluation runs on the one holding its lease; when that one
// dies without giving the lease up, the other takes it over once it
// expires, and each warning and breach is recorded and heard once.
func TestJobsRunOnceAcrossInstances(t *testing.T) {
	limits := app.Limits{CORSOrigins: []string{okOrigin}, Events: app.EventLimits{Poll: 50 * time.Millisecond}}
	e, w, team, clock := newIncidentEnv(t, limits, t0)
	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	inc, _ := e.createIncident(t, team.monitor, alert(w, t, "lease-1", ""))
	first, second := e.instance(t, limits), e.instance(t, limits)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + e.analyst})
	ws.expectAck(t)
	ws.subscribe(t, "1", `subscription($id: ID) { slaEvents(slaId: $id) { kind metric ticketId } }`, map[string]any{"id": gold})
	ws.subscribe(t, "2", `subscription($id: ID) { incidentChanged(id: $id) { id state version } }`, map[string]any{"id": inc.ID})
	e.awaitLive(t, ws, "2", team.agent, inc.ID)

	const lease = time.Second
	bg := app.Background{EvaluateSLAs: 20 * time.Millisecond, AutoClose: time.Hour, Lease: lease}
	runCtx, kill := context.WithCancel(context.Background())
	var dead sync.WaitGroup
	dead.Go(func() { first.api.Run(runCtx, bg) })
	t.Cleanup(func() { kill(); dead.Wait() })
	time.Sleep(200 * time.Millisecond) // the first instance takes the leases
	second.runBackground(t, bg)

	heard := func(want int) []string {
		t.Helper()
		var kinds []string
		for len(kinds) < want {
			ev, ok := nextEvent(t, ws, "1", "slaEvents", 15*time.Second)
			if !ok {
				t.Fatalf("SLA events heard: %v, want %d", kinds, want)
			}
			kinds = append(kinds, ev.Data["slaEvents"].Metric+":"+ev.Data["slaEvents"].Kind)
		}
		return kinds
	}
	// The holder warns at 1h30m.
	clock.Advance(90*time.Minute + time.Minute)
	if got := heard(1); !slices.Equal(got, []string{"RESPONSE:WARNING"}) {
		t.Fatalf("before the holder dies: %v", got)
	}

	// The holder dies: its connection goes first, so it cannot give its
	// leases up; the other instance takes them over when they expire.
	_ = first.store.Close(context.Background())
	kill()
	dead.Wait()
	died := time.Now()
	clock.Advance(30 * time.Minute)
	if got := heard(1); !slices.Equal(got, []string{"RESPONSE:BREACH"}) {
		t.Fatalf("after the holder died: %v", got)
	}
	t.Logf("the breach was recorded %s after the holder died (lease %s)", time.Since(died).Round(time.Millisecond), lease)
	if ev, ok := nextEvent(t, ws, "1", "slaEvents", time.Second); ok {
		t.Fatalf("heard again: %s", ev.Payload)
	}
	var log struct {
		SLAEventLog struct{ TotalCount int } `json:"slaEventLog"`
	}
	e.ok(t, e.analyst, `query($id: ID) { slaEventLog(filter: {slaId: $id}) { totalCount } }`, map[string]any{"id": gold}, &log)
	if log.SLAEventLog.TotalCount != 2 {
		t.Fatalf("recorded %d events, want the warning and the breach once each", log.SLAEventLog.TotalCount)
	}
}

const eventLogQuery = `query($after: String!, $first: Int, $f: EventFilter) {
  eventLog(after: $after, first: $first, filter: $f) {
    endPosition hasMore
    events { position kind recordId record { __typename ... on ConfigurationItem { id name } ... on Incident { id } } } } }`

type eventLogPage struct {
	EventLog struct {
		EndPosition string
		HasMore     bool
		Events      []struct {
			Position, Kind, RecordID string
			Record                   struct{ Typename, ID, Name string } `json:"record"`
		}
	} `json:"eventLog"`
}

// TestEventLogForPollers: automation that polls reads the log after a
// position, page by page, each record as the write left it, narrowed by
// kind and record, and only the records it may read.
func TestEventLogForPollers(t *testing.T) {
	e, _, team, _ := newIncidentEnv(t, app.Limits{}, time.Now())
	read := func(token, after string, first int, f map[string]any) eventLogPage {
		t.Helper()
		var p eventLogPage
		e.ok(t, token, eventLogQuery, map[string]any{"after": after, "first": first, "f": f}, &p)
		return p
	}
	start := read(e.analyst, "0", 500, nil).EventLog.EndPosition
	a := e.createCI(t, map[string]any{"name": "poll-a", "type": "SERVER"})
	b := e.createCI(t, map[string]any{"name": "poll-b", "type": "SERVER"})
	e.updateCI(t, map[string]any{"id": a.ID, "expectedVersion": a.Version, "name": "poll-a2"})
	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": "poll", "callerId": subjCaller, "impact": "LOW", "urgency": "LOW", "assignmentGroupId": team.deskID})

	// One page at a time, oldest first, each CI as that write left it.
	var got []string
	after := start
	for range 10 {
		p := read(e.analyst, after, 1, nil).EventLog
		for _, ev := range p.Events {
			got = append(got, ev.Kind+":"+ev.Record.Name+ev.Record.ID[:min(3, len(ev.Record.ID))])
			if ev.Position != p.EndPosition || ev.RecordID != ev.Record.ID {
				t.Fatalf("event %+v, end %s", ev, p.EndPosition)
			}
		}
		after = p.EndPosition
		if !p.HasMore {
			break
		}
	}
	want := []string{"CONFIGURATION_ITEM:poll-aci_", "CONFIGURATION_ITEM:poll-bci_", "CONFIGURATION_ITEM:poll-a2ci_", "INCIDENT:inc"}
	if !slices.Equal(got[:min(len(got), 4)], want) {
		t.Fatalf("read %v, want %v first", got, want)
	}

	if p := read(e.analyst, start, 100, map[string]any{"recordIds": []string{b.ID}}).EventLog; len(p.Events) != 1 || p.Events[0].RecordID != b.ID {
		t.Fatalf("b's events: %+v", p)
	}
	// An agent of another group reads CIs but not the desk's incidents.
	lone := e.mint(t, "e2e-lone-agent", auth.Agent)
	if p := read(lone, start, 100, map[string]any{"kinds": []string{"CONFIGURATION_ITEM"}}).EventLog; len(p.Events) != 3 {
		t.Errorf("CI events read by an agent: %+v", p.Events)
	}
	for token, want := range map[string]int{e.analyst: 1, lone: 0} {
		if p := read(token, start, 100, map[string]any{"kinds": []string{"INCIDENT"}}).EventLog; len(p.Events) != want || (want == 1 && p.Events[0].RecordID != inc.ID) {
			t.Errorf("incident events read with %s: %+v, want %d", token[:8], p.Events, want)
		}
	}
	e.fail(t, team.caller, eventLogQuery, map[string]any{"after": "0"}, "FORBIDDEN")
	for name, vars := range map[string]map[string]any{
		"not a position":  {"after": "abc"},
		"from the future": {"after": "999999"},
		"too many":        {"after": "0", "first": 501},
	} {
		t.Run(name, func(t *testing.T) { e.fail(t, e.analyst, eventLogQuery, vars, "BAD_USER_INPUT") })
	}
}

// bookmarkOf is the bookmark an answer carries in its extensions.
func bookmarkOf(t *testing.T, r *gqlResponse) string {
	t.Helper()
	var p struct {
		Extensions struct {
			Bookmark string `json:"bookmark"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("answer %s: %v", r.Body, err)
	}
	return p.Extensions.Bookmark
}

// TestBookmarksCarryWritesAcrossInstances: an answer to a write names it
// with a bookmark; a read through another instance that sends it back
// reads from a database that has the write (on a cluster it waits for the
// member it is routed to to catch up). A bookmark the API did not give is
// refused, by the API when malformed and by the database when it names no
// transaction of its own: either way it reached the store.
func TestBookmarksCarryWritesAcrossInstances(t *testing.T) {
	a := newEnv(t, app.Limits{})
	b := a.instance(t, app.Limits{})
	wrote := b.postWith(t, a.cm, map[string]any{"query": createCIMutation, "variables": map[string]any{"in": map[string]any{"name": "bookmarked", "type": "SERVER"}}}, nil)
	if len(wrote.Errors) > 0 {
		t.Fatalf("create: %s", wrote.Body)
	}
	bm := bookmarkOf(t, wrote)
	if bm == "" {
		t.Fatalf("the answer to a write names no bookmark: %s", wrote.Body)
	}
	var made struct {
		CreateConfigurationItem struct{ ConfigurationItem struct{ ID string } } `json:"createConfigurationItem"`
	}
	if err := json.Unmarshal(wrote.Data, &made); err != nil {
		t.Fatal(err)
	}
	read := func(bookmark any) *gqlResponse {
		t.Helper()
		return a.postWith(t, a.analyst, map[string]any{"query": `query($id: ID!) { configurationItem(id: $id) { name } }`,
			"variables": map[string]any{"id": made.CreateConfigurationItem.ConfigurationItem.ID}, "extensions": map[string]any{"bookmark": bookmark}}, nil)
	}
	got := read(bm)
	if len(got.Errors) > 0 || !strings.Contains(string(got.Data), "bookmarked") {
		t.Fatalf("read with the bookmark: %s", got.Body)
	}
	if bookmarkOf(t, got) != "" {
		t.Errorf("a read names a bookmark: %s", got.Body)
	}
	for name, c := range map[string]struct {
		bookmark any
		want     string
	}{
		"not a string":     {42, "must be the string"},
		"not ours":         {"hello", "is not a bookmark this API gave"},
		"no such bookmark": {base64.RawURLEncoding.EncodeToString([]byte(`["not-a-neo4j-bookmark"]`)), "the database gave no such bookmark"},
	} {
		t.Run(name, func(t *testing.T) {
			r := read(c.bookmark)
			if codes := r.codes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || !strings.Contains(string(r.Body), c.want) {
				t.Fatalf("%s", r.Body)
			}
		})
	}
}
