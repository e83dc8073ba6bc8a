package neo4j_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// TestEventPositionsFollowCommits: concurrent writers each append their
// events in the transaction of their write; the positions given are
// 1, 2, 3, … with no gap and no repeat, each write's event once, and a
// write refused appends nothing.
func TestEventPositionsFollowCommits(t *testing.T) {
	f := setup(t)
	const writers, each = 4, 10
	var wg sync.WaitGroup
	made := make([][]string, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				made[w] = append(made[w], f.create(t, fmt.Sprintf("w%d-%d", w, i), cmdb.TypeServer).ID)
			}
		})
	}
	wg.Wait()
	dup := cmdb.CreateInput{Name: "dup", Type: cmdb.TypeServer, Source: ptr("feed"), ExternalID: ptr("x")}
	if _, err := f.svc.Create(f.ctx, tester, dup); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(f.ctx, tester, dup); err == nil {
		t.Fatal("a second CI with the same source key was created")
	}

	evs, err := f.store.Events().After(f.ctx, 0, 1000, events.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != writers*each+1 {
		t.Fatalf("%d events, want %d", len(evs), writers*each+1)
	}
	var ids []string
	for i, e := range evs {
		if e.Position != int64(i+1) || e.Kind != events.KindCI {
			t.Fatalf("event %d: position %d kind %s", i, e.Position, e.Kind)
		}
		ci, err := events.Decode[cmdb.CI](e)
		if err != nil || ci.ID != e.RecordID || !slices.Equal(e.Keys, []string{ci.ID}) {
			t.Fatalf("event %d: %+v %v", e.Position, ci, err)
		}
		ids = append(ids, ci.ID)
	}
	var want []string
	for _, m := range made {
		want = append(want, m...)
	}
	slices.Sort(ids[:len(ids)-1])
	slices.Sort(want)
	if !slices.Equal(ids[:len(ids)-1], want) {
		t.Fatalf("logged %v, want %v", ids, want)
	}
	first, head, err := f.store.Events().Bounds(f.ctx)
	if err != nil || first != 1 || head != int64(len(evs)) {
		t.Fatalf("bounds %d..%d %v", first, head, err)
	}
}

var tester = auth.Principal{Subject: "tester"}

// TestTopicsFollowKeysResumeAndOverflow: a topic delivers the events of
// its kind to the subscribers following one of their keys; a subscriber
// resuming after a position first gets what it missed; one that falls
// behind by more than its buffer gets what the buffer held and then a
// delivery marked lost with the last position it got.
func TestTopicsFollowKeysResumeAndOverflow(t *testing.T) {
	f := setup(t)
	hub := events.NewHub(f.store.Events(), 20*time.Millisecond, 4)
	if err := hub.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	f.store.OnAppend(hub.Wake)
	go hub.Run(ctx, func(err error) { t.Error(err) })
	topic := events.NewTopic[cmdb.CI](hub, events.KindCI)
	next := func(ch <-chan events.Delivery[cmdb.CI]) events.Delivery[cmdb.CI] {
		t.Helper()
		select {
		case d := <-ch:
			return d
		case <-time.After(5 * time.Second):
			t.Fatal("nothing delivered")
		}
		return events.Delivery[cmdb.CI]{}
	}

	everything, err := topic.Subscribe(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := f.create(t, "a", cmdb.TypeServer)
	if d := next(everything); d.Value.ID != a.ID {
		t.Fatalf("everything: %+v", d)
	}
	following, err := topic.Subscribe(ctx, []string{a.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := f.create(t, "b", cmdb.TypeServer)
	renamed, err := f.svc.Update(f.ctx, tester, cmdb.UpdateInput{ID: a.ID, ExpectedVersion: 1, Name: ptr("a2")})
	if err != nil {
		t.Fatal(err)
	}
	if d := next(following); d.Value.ID != a.ID || d.Value.Name != renamed.Name || d.Lost {
		t.Fatalf("following %s: %+v", a.ID, d)
	}
	d1, d2 := next(everything), next(everything)
	if d1.Value.ID != b.ID || d2.Value.ID != a.ID || d2.Position != d1.Position+1 {
		t.Fatalf("everything: %+v then %+v", d1, d2)
	}

	// Resuming after the first of them replays the second, then goes on live.
	resumed, err := topic.Subscribe(ctx, nil, &d1.Position)
	if err != nil {
		t.Fatal(err)
	}
	if d := next(resumed); d.Position != d2.Position || d.Value.ID != a.ID {
		t.Fatalf("resumed: %+v", d)
	}
	c := f.create(t, "c", cmdb.TypeServer)
	if d := next(resumed); d.Value.ID != c.ID {
		t.Fatalf("live after resuming: %+v", d)
	}

	// A subscriber that reads nothing while 10 events pass its buffer of 4.
	slow, err := topic.Subscribe(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		f.create(t, fmt.Sprintf("burst-%d", i), cmdb.TypeServer)
	}
	time.Sleep(300 * time.Millisecond)
	var got []events.Delivery[cmdb.CI]
	for d := range slow {
		got = append(got, d)
	}
	if n := len(got); n < 2 || !got[n-1].Lost || got[n-1].Position != got[n-2].Position || slices.ContainsFunc(got[:n-1], func(d events.Delivery[cmdb.CI]) bool { return d.Lost }) {
		t.Fatalf("slow subscriber got %+v", got)
	}
	if _, err := topic.Subscribe(ctx, nil, ptr(int64(1_000_000))); err == nil {
		t.Fatal("resumed from a position not given yet")
	}
}

// TestEventReadsUseThePositionIndex: every read of the log (the hub's,
// a resumed subscription's by kind, a poller's by kind and record) seeks
// the position index, in its order, rather than scanning and sorting.
func TestEventReadsUseThePositionIndex(t *testing.T) {
	s := neo4jtest.Open(t)
	for name, f := range map[string]events.Filter{
		"all":    {},
		"kind":   {Kinds: []events.Kind{events.KindIncident}},
		"record": {Kinds: []events.Kind{events.KindCI, events.KindChange}, RecordIDs: []string{"ci_x"}},
	} {
		stmt, params := neo4j.EventReadStatements(f)
		ops, err := s.Operators(context.Background(), stmt, params)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stmt)
		}
		seeks := slices.ContainsFunc(ops, func(op string) bool { return strings.Contains(op, "IndexSeekByRange") })
		sorts := slices.ContainsFunc(ops, func(op string) bool { return strings.HasPrefix(op, "Sort") || strings.HasPrefix(op, "Top") })
		if !seeks || sorts {
			t.Errorf("%s: planned %v, want a range seek of the position index in its order\n%s", name, ops, stmt)
		}
	}
}
