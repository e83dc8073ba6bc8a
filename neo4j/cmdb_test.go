package neo4j_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/credentials"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
)

// clock ticks one millisecond per reading, so history order is deterministic.
type clock struct{ n atomic.Int64 }

func (c *clock) now() time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(c.n.Add(1)) * time.Millisecond)
}

type fixture struct {
	store *neo4j.Store
	svc   *cmdb.Service
	dir   *people.Directory
	ctx   context.Context
}

func setup(t *testing.T) fixture {
	t.Helper()
	store := neo4jtest.Open(t)
	c := &clock{}
	return fixture{
		store: store,
		svc:   cmdb.NewService(store.CMDB(), c.now, ids.New, nil),
		dir:   people.NewDirectory(store.People(), nil, credentials.Bcrypt{}, c.now, ids.New),
		ctx:   context.Background(),
	}
}

func ptr[T any](v T) *T { return &v }

func (f fixture) create(t *testing.T, name string, typ cmdb.Type, mod ...func(*cmdb.CreateInput)) cmdb.CI {
	t.Helper()
	in := cmdb.CreateInput{Name: name, Type: typ, Status: ptr(cmdb.StatusActive)}
	for _, m := range mod {
		m(&in)
	}
	ci, err := f.svc.Create(f.ctx, auth.Principal{Subject: "tester"}, in)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return ci
}

func (f fixture) count(t *testing.T) int {
	t.Helper()
	p, err := f.svc.List(f.ctx, cmdb.Filter{Statuses: cmdb.Statuses()}, cmdb.Order{}, paging.Request{First: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

func (f fixture) history(t *testing.T, id string) []cmdb.HistoryEntry {
	t.Helper()
	h, err := f.svc.History(f.ctx, []string{id}, paging.Request{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	return h[id].Items
}

func TestCreateAndReadBack(t *testing.T) {
	f := setup(t)
	g, err := f.dir.CreateGroup(f.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Platform", Kind: people.Team})
	if err != nil {
		t.Fatal(err)
	}
	ci := f.create(t, "db-01", cmdb.TypeDatabase, func(in *cmdb.CreateInput) {
		in.Environment = ptr(cmdb.EnvStaging)
		in.Criticality = ptr(cmdb.CriticalityHigh)
		in.Description = ptr("orders database")
		in.Location = ptr("dc1")
		in.OwnerGroupID = &g.ID
		in.Attributes = []cmdb.AttributeInput{{Key: "engine", Value: ptr("postgres")}, {Key: "net.ip", Value: ptr("10.0.0.5")}}
		in.Source, in.ExternalID = ptr("scanner"), ptr("x-1")
	})
	got, err := f.svc.Get(f.ctx, ci.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "db-01" || got.Type != cmdb.TypeDatabase || got.Status != cmdb.StatusActive ||
		got.Environment != cmdb.EnvStaging || got.Criticality != cmdb.CriticalityHigh ||
		got.Description != "orders database" || got.Location != "dc1" || got.OwnerGroupID != g.ID ||
		got.Attributes["engine"] != "postgres" || got.Attributes["net.ip"] != "10.0.0.5" || len(got.Attributes) != 2 ||
		got.Source != "scanner" || got.ExternalID != "x-1" || got.Version != 1 || got.RetiredAt != nil ||
		!got.CreatedAt.Equal(ci.CreatedAt) || got.MinimumUp != 0 {
		t.Fatalf("read back %+v", got)
	}
	h := f.history(t, ci.ID)
	if len(h) != 1 || h[0].Action != cmdb.ActionCreated || h[0].Actor != "tester" {
		t.Fatalf("history %+v", h)
	}
	if _, err := f.svc.Get(f.ctx, "ci_missing"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing CI: %v", err)
	}
}

func TestCreateRefusals(t *testing.T) {
	f := setup(t)
	f.create(t, "a", cmdb.TypeServer, func(in *cmdb.CreateInput) { in.Source, in.ExternalID = ptr("scan"), ptr("1") })
	tests := []struct {
		name string
		in   cmdb.CreateInput
		code apperr.Code
	}{
		{"unknown owner group", cmdb.CreateInput{Name: "b", Type: cmdb.TypeServer, OwnerGroupID: ptr("grp_nope")}, apperr.NotFound},
		{"source key taken", cmdb.CreateInput{Name: "c", Type: cmdb.TypeServer, Source: ptr("scan"), ExternalID: ptr("1")}, apperr.Conflict},
		{"source without external id", cmdb.CreateInput{Name: "d", Type: cmdb.TypeServer, Source: ptr("scan")}, apperr.BadUserInput},
		{"unknown type", cmdb.CreateInput{Name: "e", Type: "TOASTER"}, apperr.BadUserInput},
		{"created retired", cmdb.CreateInput{Name: "f", Type: cmdb.TypeServer, Status: ptr(cmdb.StatusRetired)}, apperr.BadUserInput},
		{"bad minimum", cmdb.CreateInput{Name: "g", Type: cmdb.TypeCluster, MinimumUp: ptr(0)}, apperr.BadUserInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Create(f.ctx, auth.Principal{Subject: "tester"}, tt.in); !apperr.Is(err, tt.code) {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if n := f.count(t); n != 1 {
				t.Fatalf("%d CIs after a refused create, want 1", n)
			}
		})
	}
}

func TestIdempotentCreate(t *testing.T) {
	f := setup(t)
	in := cmdb.CreateInput{Name: "alert-host", Type: cmdb.TypeServer, IdempotencyKey: ptr("k-1")}
	var wg sync.WaitGroup
	results := make([]cmdb.CI, 6)
	errs := make([]error, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.svc.Create(f.ctx, auth.Principal{Subject: "monitor"}, in)
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || results[i].ID != results[0].ID {
			t.Fatalf("attempt %d: %v, id %s vs %s", i, errs[i], results[i].ID, results[0].ID)
		}
	}
	if n := f.count(t); n != 1 {
		t.Fatalf("%d CIs, want 1", n)
	}
	other := in
	other.Name = "something else"
	if _, err := f.svc.Create(f.ctx, auth.Principal{Subject: "monitor"}, other); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("key reused for other input: %v", err)
	}
	// Keys are scoped to the caller.
	if ci, err := f.svc.Create(f.ctx, auth.Principal{Subject: "someone-else"}, in); err != nil || ci.ID == results[0].ID {
		t.Fatalf("other caller, same key: %v, %s", err, ci.ID)
	}
}

func TestUpdateOptimisticConcurrency(t *testing.T) {
	f := setup(t)
	ci := f.create(t, "web", cmdb.TypeServer, func(in *cmdb.CreateInput) {
		in.Attributes = []cmdb.AttributeInput{{Key: "os", Value: ptr("linux")}}
	})
	const writers = 8
	var wg sync.WaitGroup
	var ok, conflicts atomic.Int32
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Update(f.ctx, auth.Principal{Subject: "tester"}, cmdb.UpdateInput{ID: ci.ID, ExpectedVersion: 1, Name: ptr(fmt.Sprintf("web-%d", i))})
			switch {
			case err == nil:
				ok.Add(1)
			case apperr.Is(err, apperr.Conflict):
				conflicts.Add(1)
			default:
				t.Errorf("writer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || conflicts.Load() != writers-1 {
		t.Fatalf("%d succeeded, %d conflicted; want 1 and %d", ok.Load(), conflicts.Load(), writers-1)
	}
	got, _ := f.svc.Get(f.ctx, ci.ID)
	if got.Version != 2 || len(f.history(t, ci.ID)) != 2 {
		t.Fatalf("version %d, %d history entries; want 2 and 2", got.Version, len(f.history(t, ci.ID)))
	}

	// Attribute removal and an unchanged update.
	upd, err := f.svc.Update(f.ctx, auth.Principal{Subject: "tester"}, cmdb.UpdateInput{ID: ci.ID, ExpectedVersion: 2, Attributes: []cmdb.AttributeInput{{Key: "os"}, {Key: "cpu", Value: ptr("4")}}})
	if err != nil || upd.Version != 3 || len(upd.Attributes) != 1 || upd.Attributes["cpu"] != "4" {
		t.Fatalf("attribute update: %+v, %v", upd, err)
	}
	same, err := f.svc.Update(f.ctx, auth.Principal{Subject: "tester"}, cmdb.UpdateInput{ID: ci.ID, ExpectedVersion: 3, Name: ptr(upd.Name)})
	if err != nil || same.Version != 3 || len(f.history(t, ci.ID)) != 3 {
		t.Fatalf("no-op update wrote: version %d, %v", same.Version, err)
	}
	last := f.history(t, ci.ID)[0]
	if last.Action != cmdb.ActionUpdated || len(last.Changes) != 2 || last.Changes[0].Field != "attributes.cpu" || last.Changes[1].Field != "attributes.os" ||
		*last.Changes[1].Before != `"linux"` || last.Changes[1].After != nil {
		t.Fatalf("last history entry %+v", last)
	}
}

func TestLifecycle(t *testing.T) {
	f := setup(t)
	ci := f.create(t, "vm", cmdb.TypeVirtualMachine)
	if _, err := f.svc.Update(f.ctx, auth.Principal{Subject: "t"}, cmdb.UpdateInput{ID: ci.ID, ExpectedVersion: 1, Status: ptr(cmdb.StatusPlanned)}); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("ACTIVE → PLANNED: %v", err)
	}
	if _, err := f.svc.Update(f.ctx, auth.Principal{Subject: "t"}, cmdb.UpdateInput{ID: "ci_nope", ExpectedVersion: 1, Name: ptr("x")}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := f.svc.Retire(f.ctx, auth.Principal{Subject: "t"}, cmdb.RetireInput{ID: ci.ID, ExpectedVersion: 7, Reason: ""}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale retire: %v", err)
	}
	r, err := f.svc.Retire(f.ctx, auth.Principal{Subject: "t"}, cmdb.RetireInput{ID: ci.ID, ExpectedVersion: 1, Reason: "decommissioned"})
	if err != nil || r.Status != cmdb.StatusRetired || r.RetiredAt == nil || r.Version != 2 {
		t.Fatalf("retire: %+v, %v", r, err)
	}
	if _, err := f.svc.Retire(f.ctx, auth.Principal{Subject: "t"}, cmdb.RetireInput{ID: ci.ID, ExpectedVersion: 2, Reason: ""}); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("retire twice: %v", err)
	}
	if _, err := f.svc.Update(f.ctx, auth.Principal{Subject: "t"}, cmdb.UpdateInput{ID: ci.ID, ExpectedVersion: 2, Name: ptr("x")}); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("update retired: %v", err)
	}
	// Retired CIs leave default lists but stay reachable by filter.
	def, _ := f.svc.List(f.ctx, cmdb.Filter{}, cmdb.Order{}, paging.Request{First: 10})
	all, _ := f.svc.List(f.ctx, cmdb.Filter{Statuses: []cmdb.Status{cmdb.StatusRetired}}, cmdb.Order{}, paging.Request{First: 10})
	if def.Total != 0 || all.Total != 1 {
		t.Fatalf("default list %d, retired list %d", def.Total, all.Total)
	}
}

func TestRelationships(t *testing.T) {
	f := setup(t)
	app := f.create(t, "app", cmdb.TypeApplication)
	db := f.create(t, "db", cmdb.TypeDatabase)
	host := f.create(t, "host", cmdb.TypeServer)
	pool := f.create(t, "pool", cmdb.TypeCluster, func(in *cmdb.CreateInput) { in.MinimumUp = ptr(1) })
	retired := f.create(t, "old", cmdb.TypeServer)
	if _, err := f.svc.Retire(f.ctx, auth.Principal{Subject: "t"}, cmdb.RetireInput{ID: retired.ID, ExpectedVersion: 1, Reason: ""}); err != nil {
		t.Fatal(err)
	}

	rel, created, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID})
	if err != nil || !created || rel.Source.Name != "app" || rel.Target.Name != "db" || rel.Type != "DEPENDS_ON" {
		t.Fatalf("relate: %+v %v %v", rel, created, err)
	}
	again, created, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID})
	if err != nil || created || again.ID != rel.ID {
		t.Fatalf("relate again: %+v %v %v", again, created, err)
	}
	for _, r := range [][3]string{{db.ID, "RUNS_ON", host.ID}, {host.ID, "MEMBER_OF", pool.ID}, {app.ID, "USES", host.ID}} {
		if _, _, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: r[0], Type: r[1], TargetID: r[2]}); err != nil {
			t.Fatal(r, err)
		}
	}
	refusals := []struct {
		name                string
		source, typ, target string
		code                apperr.Code
	}{
		{"unknown type", app.ID, "LIKES", db.ID, apperr.BadUserInput},
		{"injection in type", app.ID, "DEPENDS_ON]->(x) DETACH DELETE x//", db.ID, apperr.BadUserInput},
		{"self", app.ID, "DEPENDS_ON", app.ID, apperr.BadUserInput},
		{"unknown source", "ci_nope", "DEPENDS_ON", db.ID, apperr.NotFound},
		{"retired end", app.ID, "DEPENDS_ON", retired.ID, apperr.BadUserInput},
		{"member of a non-group", db.ID, "MEMBER_OF", host.ID, apperr.BadUserInput},
	}
	for _, tt := range refusals {
		if _, _, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: tt.source, Type: tt.typ, TargetID: tt.target}); !apperr.Is(err, tt.code) {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}

	names := func(rels []cmdb.Relationship) string {
		s := ""
		for _, r := range rels {
			s += r.Source.Name + "-" + r.Type + "->" + r.Target.Name + " "
		}
		return s
	}
	cases := []struct {
		dir   cmdb.Direction
		types []string
		limit int
		want  map[string]string
	}{
		{cmdb.Both, nil, 10, map[string]string{
			app.ID:  "app-DEPENDS_ON->db app-USES->host ",
			db.ID:   "app-DEPENDS_ON->db db-RUNS_ON->host ",
			host.ID: "host-MEMBER_OF->pool db-RUNS_ON->host app-USES->host ",
			pool.ID: "host-MEMBER_OF->pool ",
		}},
		{cmdb.Outgoing, nil, 10, map[string]string{app.ID: "app-DEPENDS_ON->db app-USES->host ", db.ID: "db-RUNS_ON->host ", host.ID: "host-MEMBER_OF->pool "}},
		{cmdb.Incoming, []string{"RUNS_ON", "USES"}, 10, map[string]string{host.ID: "db-RUNS_ON->host app-USES->host "}},
		{cmdb.Both, nil, 1, map[string]string{app.ID: "app-DEPENDS_ON->db ", db.ID: "app-DEPENDS_ON->db ", host.ID: "host-MEMBER_OF->pool ", pool.ID: "host-MEMBER_OF->pool "}},
	}
	for _, c := range cases {
		got, err := f.svc.Relationships(f.ctx, []string{app.ID, db.ID, host.ID, pool.ID}, c.dir, c.types, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range c.want {
			if names(got[id]) != want {
				t.Errorf("%s %v limit %d for %s: got %q, want %q", c.dir, c.types, c.limit, id, names(got[id]), want)
			}
		}
		for id, rels := range got {
			if _, ok := c.want[id]; !ok && len(rels) > 0 {
				t.Errorf("%s %v: unexpected relationships for %s: %s", c.dir, c.types, id, names(rels))
			}
		}
	}
	members, err := f.svc.Members(f.ctx, []string{pool.ID, app.ID})
	if err != nil || len(members[pool.ID]) != 1 || members[pool.ID][0].ID != host.ID || len(members[app.ID]) != 0 {
		t.Fatalf("members %+v %v", members, err)
	}
	byID, err := f.svc.Relationship(f.ctx, rel.ID)
	if err != nil || byID.Source.ID != app.ID || byID.Target.ID != db.ID {
		t.Fatalf("relationship by id: %+v %v", byID, err)
	}

	// Both ends record the addition once and the removal once.
	if h := f.history(t, db.ID); len(h) != 3 || h[0].Action != cmdb.ActionRelationshipAdded {
		t.Fatalf("db history before unrelate: %+v", h)
	}
	removed, err := f.svc.Unrelate(f.ctx, auth.Principal{Subject: "t"}, cmdb.UnrelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID})
	if err != nil || removed != rel.ID {
		t.Fatalf("unrelate: %q %v", removed, err)
	}
	for _, id := range []string{app.ID, db.ID} {
		if h := f.history(t, id); h[0].Action != cmdb.ActionRelationshipRemoved {
			t.Errorf("%s history head %+v", id, h[0])
		}
	}
	if _, err := f.svc.Unrelate(f.ctx, auth.Principal{Subject: "t"}, cmdb.UnrelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unrelate twice: %v", err)
	}
	if _, err := f.svc.Relationship(f.ctx, rel.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("removed relationship by id: %v", err)
	}
}

func TestListFiltersOrderAndPaging(t *testing.T) {
	f := setup(t)
	g, _ := f.dir.CreateGroup(f.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Net", Kind: people.Team})
	for i := range 25 {
		typ := cmdb.TypeServer
		if i%5 == 0 {
			typ = cmdb.TypeNetworkDevice
		}
		f.create(t, fmt.Sprintf("node-%02d", i), typ, func(in *cmdb.CreateInput) {
			if i%2 == 0 {
				in.OwnerGroupID = &g.ID
			}
			in.Attributes = []cmdb.AttributeInput{{Key: "rack", Value: ptr(fmt.Sprint(i % 3))}}
		})
	}
	f.create(t, "Gateway-Edge", cmdb.TypeNetworkDevice)

	filters := []struct {
		name string
		f    cmdb.Filter
		want int
	}{
		{"all", cmdb.Filter{}, 26},
		{"type", cmdb.Filter{Types: []cmdb.Type{cmdb.TypeNetworkDevice}}, 6},
		{"owner", cmdb.Filter{OwnerGroupID: g.ID}, 13},
		{"name contains, any case", cmdb.Filter{NameContains: "EDGE"}, 1},
		{"name contains digits", cmdb.Filter{NameContains: "-1"}, 10},
		{"attribute", cmdb.Filter{AttrKey: "rack", AttrValue: "2"}, 8},
		{"combined", cmdb.Filter{Types: []cmdb.Type{cmdb.TypeServer}, AttrKey: "rack", AttrValue: "0"}, 7},
		{"status", cmdb.Filter{Statuses: []cmdb.Status{cmdb.StatusPlanned}}, 0},
	}
	for _, tt := range filters {
		p, err := f.svc.List(f.ctx, tt.f, cmdb.Order{}, paging.Request{First: 100})
		if err != nil || p.Total != tt.want || len(p.Items) != tt.want {
			t.Errorf("%s: total %d, %d items, %v; want %d", tt.name, p.Total, len(p.Items), err, tt.want)
		}
	}

	for _, order := range []cmdb.Order{{Field: cmdb.OrderByName}, {Field: cmdb.OrderByName, Desc: true}, {Field: cmdb.OrderByCreatedAt, Desc: true}, {Field: cmdb.OrderByUpdatedAt}} {
		var names []string
		req := paging.Request{First: 7}
		pages := 0
		for {
			p, err := f.svc.List(f.ctx, cmdb.Filter{}, order, req)
			if err != nil {
				t.Fatal(order, err)
			}
			pages++
			for _, c := range p.Items {
				names = append(names, c.Name)
			}
			if p.HasPrevious != (req.After != "") || p.Total != 26 {
				t.Fatalf("%v page %d: hasPrevious %v total %d", order, pages, p.HasPrevious, p.Total)
			}
			if !p.HasNext {
				break
			}
			req.After = p.Cursors[len(p.Cursors)-1]
		}
		if pages != 4 || len(names) != 26 {
			t.Fatalf("%v: %d pages, %d items", order, pages, len(names))
		}
		for i := 1; i < len(names); i++ {
			if order.Field == cmdb.OrderByName && (names[i-1] < names[i]) == order.Desc {
				t.Fatalf("%v: %q before %q", order, names[i-1], names[i])
			}
			if order.Field == cmdb.OrderByCreatedAt && names[i-1] < names[i] && names[i] != "Gateway-Edge" && names[i-1] != "Gateway-Edge" {
				t.Fatalf("%v: %q before %q", order, names[i-1], names[i])
			}
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Fatalf("%v: %s twice", order, n)
			}
			seen[n] = true
		}
	}
	first, _ := f.svc.List(f.ctx, cmdb.Filter{}, cmdb.Order{Field: cmdb.OrderByName}, paging.Request{First: 2})
	if _, err := f.svc.List(f.ctx, cmdb.Filter{}, cmdb.Order{Field: cmdb.OrderByCreatedAt}, paging.Request{First: 2, After: first.Cursors[1]}); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("cursor of another order: %v", err)
	}
	if _, err := f.svc.List(f.ctx, cmdb.Filter{AttrKey: "x` = 1 DETACH DELETE c //"}, cmdb.Order{}, paging.Request{First: 2}); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("bad attribute key: %v", err)
	}
}

func TestHistoryPaging(t *testing.T) {
	f := setup(t)
	ci := f.create(t, "x", cmdb.TypeServer)
	for v := 1; v <= 6; v++ {
		if _, err := f.svc.Update(f.ctx, auth.Principal{Subject: "t"}, cmdb.UpdateInput{ID: ci.ID, ExpectedVersion: v, Name: ptr(fmt.Sprintf("x%d", v))}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	req := paging.Request{First: 3}
	for {
		h, err := f.svc.History(f.ctx, []string{ci.ID}, req)
		if err != nil {
			t.Fatal(err)
		}
		p := h[ci.ID]
		if p.Total != 7 {
			t.Fatalf("total %d", p.Total)
		}
		for _, e := range p.Items {
			name := "created"
			for _, c := range e.Changes {
				if c.Field == "name" && e.Action == cmdb.ActionUpdated {
					name = *c.After
				}
			}
			got = append(got, name)
		}
		if !p.HasNext {
			break
		}
		req.After = p.Cursors[len(p.Cursors)-1]
	}
	want := `"x6" "x5" "x4" "x3" "x2" "x1" created`
	if fmt.Sprint(got) != "["+want+"]" {
		t.Fatalf("history order %v, want [%s]", got, want)
	}
	e, err := f.svc.HistoryEntry(f.ctx, f.history(t, ci.ID)[0].ID)
	if err != nil || e.Action != cmdb.ActionUpdated {
		t.Fatalf("entry by id: %+v %v", e, err)
	}
}
