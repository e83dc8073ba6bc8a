package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

const createBaselineMutation = `mutation($in: CreateBaselineInput!) { createBaseline(input: $in) { baseline { id name rootId rootName scope depth createdBy
  items { id kind name fields { field value } } relationships { sourceName type targetName } } } }`

const driftQuery = `query($id: ID!) { baseline(id: $id) { drift { drifted comparedAt
  added { name } removed { name }
  changed { item { name } changes { field baseline current } }
  relationshipsAdded { sourceName type targetName } relationshipsRemoved { sourceName type targetName } } } }`

type baselineData struct {
	ID, Name, RootID, RootName, Scope, CreatedBy string
	Depth                                        int
	Items                                        []struct {
		ID, Kind, Name string
		Fields         []struct{ Field, Value string }
	}
	Relationships []baselineRel
}

type baselineRel struct{ SourceName, Type, TargetName string }

func (r baselineRel) String() string { return r.SourceName + " " + r.Type + " " + r.TargetName }

type driftData struct {
	Drifted        bool
	ComparedAt     string
	Added, Removed []struct{ Name string }
	Changed        []struct {
		Item    struct{ Name string }
		Changes []struct {
			Field             string
			Baseline, Current *string
		}
	}
	RelationshipsAdded, RelationshipsRemoved []baselineRel
}

// TestBaselinesShowDrift: a configuration manager baselines one CI and the
// whole tree that supports a business service; after a VM moves host and
// changes, each baseline's drift names what moved — the fields with their
// baseline and current values, the host that joined the tree and the one
// that left it, the relationships added and removed — while a baseline of
// something untouched shows none. Bad input changes nothing.
func TestBaselinesShowDrift(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	type m = map[string]any
	w.build(t, "bu:Retail CONSUMES bs:Webshop", "bs:Webshop DEPENDS_ON ts:Payments", "ts:Payments DEPENDS_ON payments-app",
		"payments-app RUNS_ON vm-1", "vm-1 HOSTED_ON host-1", "payments-app DOCUMENTED_BY runbook", "db-1 HOSTED_ON host-9")
	w.item(t, "host-2")

	take := func(in m) baselineData {
		t.Helper()
		var out struct {
			CreateBaseline struct{ Baseline baselineData }
		}
		e.ok(t, e.cm, createBaselineMutation, m{"in": in}, &out)
		return out.CreateBaseline.Baseline
	}
	drift := func(id string) driftData {
		t.Helper()
		var out struct{ Baseline struct{ Drift driftData } }
		e.ok(t, e.analyst, driftQuery, m{"id": id}, &out)
		return out.Baseline.Drift
	}
	names := func(b baselineData) []string {
		var out []string
		for _, it := range b.Items {
			out = append(out, it.Name)
		}
		slices.Sort(out)
		return out
	}
	rels := func(rs []baselineRel) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.String())
		}
		slices.Sort(out)
		return out
	}

	// Refused, and nothing kept.
	for name, c := range map[string]struct {
		token string
		in    m
		code  string
	}{
		"unknown root":  {e.cm, m{"name": "x", "rootId": "ci_missing"}, "NOT_FOUND"},
		"no name":       {e.cm, m{"name": " ", "rootId": w.id(t, "vm-1")}, "BAD_USER_INPUT"},
		"depth 0":       {e.cm, m{"name": "x", "rootId": w.id(t, "vm-1"), "scope": "SUPPORTING_TREE", "depth": 0}, "BAD_USER_INPUT"},
		"depth 21":      {e.cm, m{"name": "x", "rootId": w.id(t, "vm-1"), "scope": "SUPPORTING_TREE", "depth": 21}, "BAD_USER_INPUT"},
		"by an analyst": {e.analyst, m{"name": "x", "rootId": w.id(t, "vm-1")}, "FORBIDDEN"},
	} {
		if r := e.gql(t, c.token, createBaselineMutation, m{"in": c.in}); !slices.Equal(r.codes(), []string{c.code}) {
			t.Errorf("%s: got %v, want %s", name, r.codes(), c.code)
		}
	}
	var none struct{ Baselines struct{ TotalCount int } }
	e.ok(t, e.analyst, `{ baselines { totalCount } }`, nil, &none)
	if none.Baselines.TotalCount != 0 {
		t.Fatalf("refused baselines were kept: %d", none.Baselines.TotalCount)
	}

	vmOnly := take(m{"name": "vm-1 as built", "rootId": w.id(t, "vm-1")})
	if vmOnly.Scope != "ITEM" || vmOnly.Depth != 0 || !slices.Equal(names(vmOnly), []string{"vm-1"}) || vmOnly.CreatedBy != subjCM ||
		!slices.Equal(rels(vmOnly.Relationships), []string{"payments-app RUNS_ON vm-1", "vm-1 HOSTED_ON host-1"}) {
		t.Fatalf("item baseline %+v", vmOnly)
	}
	tree := take(m{"name": "Webshop before the migration", "rootId": w.id(t, "Webshop"), "scope": "SUPPORTING_TREE"})
	// What supports the webshop: not the unit that consumes it, nor the
	// runbook (a document failing takes nothing down), nor db-1.
	if want := []string{"Payments", "Webshop", "host-1", "payments-app", "vm-1"}; !slices.Equal(names(tree), want) || tree.RootName != "Webshop" || tree.Depth != 10 {
		t.Fatalf("tree baseline items %v (root %s, depth %d), want %v", names(tree), tree.RootName, tree.Depth, want)
	}
	other := take(m{"name": "db-1", "rootId": w.id(t, "db-1"), "scope": "SUPPORTING_TREE", "depth": 3})
	for _, b := range []baselineData{vmOnly, tree, other} {
		if d := drift(b.ID); d.Drifted || d.ComparedAt == "" {
			t.Fatalf("%s drifted before anything changed: %+v", b.Name, d)
		}
	}

	// The VM moves to host-2 and is changed.
	vm := e.snapshot(t, w.id(t, "vm-1")).ci
	e.updateCI(t, m{"id": vm.ID, "expectedVersion": vm.Version, "location": "DC2", "attributes": []m{{"key": "os", "value": "rhel9"}}})
	e.ok(t, e.cm, unrelateMutation, m{"in": m{"sourceId": vm.ID, "type": "HOSTED_ON", "targetId": w.id(t, "host-1")}}, nil)
	w.build(t, "vm-1 HOSTED_ON host-2")

	d := drift(tree.ID)
	if !d.Drifted || len(d.Added) != 1 || d.Added[0].Name != "host-2" || len(d.Removed) != 1 || d.Removed[0].Name != "host-1" {
		t.Fatalf("tree drift added %v removed %v", d.Added, d.Removed)
	}
	if len(d.Changed) != 1 || d.Changed[0].Item.Name != "vm-1" {
		t.Fatalf("tree drift changed %+v", d.Changed)
	}
	var moved []string
	for _, c := range d.Changed[0].Changes {
		moved = append(moved, c.Field+":"+deref(c.Baseline)+">"+deref(c.Current))
	}
	if want := []string{"attributes.os:<nil>>rhel9", "location:<nil>>DC2"}; !slices.Equal(moved, want) {
		t.Errorf("vm-1 fields moved %v, want %v", moved, want)
	}
	if got := rels(d.RelationshipsAdded); !slices.Equal(got, []string{"vm-1 HOSTED_ON host-2"}) {
		t.Errorf("relationships added %v", got)
	}
	// host-1 left the tree: its relationships left with it.
	if got := strings.Join(rels(d.RelationshipsRemoved), ";"); got != "vm-1 HOSTED_ON host-1" {
		t.Errorf("relationships removed %v", got)
	}
	if d := drift(vmOnly.ID); len(d.Changed) != 1 || len(d.RelationshipsAdded) != 1 || len(d.RelationshipsRemoved) != 1 || len(d.Added)+len(d.Removed) != 0 {
		t.Errorf("vm-1 baseline drift %+v", d)
	}
	if d := drift(other.ID); d.Drifted {
		t.Errorf("db-1's tree drifted: %+v", d)
	}

	var list struct {
		Baselines struct {
			TotalCount int
			Edges      []struct{ Node struct{ Name string } }
		}
	}
	e.ok(t, e.analyst, `query($r: ID) { baselines(rootId: $r) { totalCount edges { node { name } } } }`, m{"r": w.id(t, "Webshop")}, &list)
	if list.Baselines.TotalCount != 1 || list.Baselines.Edges[0].Node.Name != "Webshop before the migration" {
		t.Errorf("baselines of Webshop: %+v", list)
	}
	e.ok(t, e.analyst, `{ baselines(first: 2) { totalCount edges { node { name } } } }`, nil, &list)
	if list.Baselines.TotalCount != 3 || list.Baselines.Edges[0].Node.Name != "db-1" {
		t.Errorf("all baselines, newest first: %+v", list)
	}
	if r := e.gql(t, e.requester, `query($id: ID!) { baseline(id: $id) { name } }`, m{"id": tree.ID}); !slices.Equal(r.codes(), []string{"FORBIDDEN"}) {
		t.Errorf("a requester read a baseline: %v", r.codes())
	}
}
