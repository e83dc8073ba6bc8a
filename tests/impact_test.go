package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// impactCase is one impactAnalysis request with its exact answer.
type impactCase struct {
	name   string
	starts []string
	depth  any // nil for the default
	// want lists the impacted items as "name:distance:SEVERITY" in the
	// order the answer must have.
	want []string
	// edges, when not nil, are the graph's edges as "a-TYPE->b".
	edges []string
	// paths maps impacted names to their exact explaining path.
	paths map[string]string
}

func (w *world) runImpact(t *testing.T, c impactCase) impactResult {
	t.Helper()
	res := w.impact(t, c.depth, c.starts...)
	w.checkImpact(t, res, c.starts...)
	equalStrings(t, "impacted", w.summary(res), c.want)
	wantDepth := 10
	if d, ok := c.depth.(int); ok {
		wantDepth = d
	}
	if res.MaxDepth != wantDepth {
		t.Errorf("maxDepth = %d, want %d", res.MaxDepth, wantDepth)
	}
	if c.edges != nil {
		equalStrings(t, "graph edges", w.viewEdges(res.Graph), sortedStrings(c.edges...))
	}
	for name, want := range c.paths {
		found := false
		for _, i := range res.Impacted {
			if i.Item.ID == w.id(t, name) {
				found = true
				if got := w.path(i.Path); got != want {
					t.Errorf("path to %s:\n got  %s\n want %s", name, got, want)
				}
			}
		}
		if !found {
			t.Errorf("%s is not impacted", name)
		}
	}
	return res
}

// TestImpactAnalysisTopologies runs impactAnalysis and serviceImpact on
// hand-built topologies and checks every answer exactly: items, distances,
// severities, order, paths, counts and the graph.
func TestImpactAnalysisTopologies(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t,
		// A chain from a host up to the business.
		"bu:Sales CONSUMES bs:Webshop",
		"bu:Marketing CONSUMES bs:Webshop",
		"bs:Webshop SUPPORTS bp:Ordering",
		"bs:Webshop DEPENDS_ON ts:Checkout",
		"ts:Checkout DEPENDS_ON ts:Payments",
		"ts:Payments DEPENDS_ON pay-app",
		"pay-app RUNS_ON pay-vm",
		"pay-vm HOSTED_ON pay-host",
		// An uneven diamond: front is reached through api and through lb.
		"front DEPENDS_ON api",
		"front DEPENDS_ON proxy",
		"proxy DEPENDS_ON lb",
		"lb DEPENDS_ON api",
		"api DEPENDS_ON core-db",
		// An even diamond.
		"web DEPENDS_ON api-a",
		"web DEPENDS_ON api-b",
		"api-a DEPENDS_ON store",
		"api-b DEPENDS_ON store",
		// A cycle with a tail.
		"cyc-a DEPENDS_ON cyc-b",
		"cyc-b DEPENDS_ON cyc-c",
		"cyc-c DEPENDS_ON cyc-a",
		"cyc-d DEPENDS_ON cyc-c",
		// Impact both ways.
		"primary INTERDEPENDS_WITH witness",
		"quorum-app DEPENDS_ON primary",
		// Relationships that do not carry impact.
		"ledger-app DEPENDS_ON ledger-db",
		"ledger-db DOCUMENTED_BY ledger-runbook",
		"ledger-db BACKED_UP_BY ledger-backup",
		"ledger-db REPLICATES_TO ledger-replica",
		// The network.
		"net-host1 CONNECTS_TO net-switch",
		"net-host2 CONNECTS_TO net-switch",
		"net-switch CONNECTS_TO net-router",
		// Parts impact their whole.
		"arr-disk PART_OF arr-array",
		"arr-volume STORES_DATA_ON arr-array",
	)

	chainEdges := []string{
		"pay-vm-HOSTED_ON->pay-host", "pay-app-RUNS_ON->pay-vm", "Payments-DEPENDS_ON->pay-app", "Checkout-DEPENDS_ON->Payments",
		"Webshop-DEPENDS_ON->Checkout", "Webshop-SUPPORTS->Ordering", "Sales-CONSUMES->Webshop", "Marketing-CONSUMES->Webshop",
	}
	toWebshop := "pay-vm-HOSTED_ON->pay-host pay-app-RUNS_ON->pay-vm Payments-DEPENDS_ON->pay-app Checkout-DEPENDS_ON->Payments Webshop-DEPENDS_ON->Checkout"
	cases := []impactCase{
		{name: "chain up to the business", starts: []string{"pay-host"},
			want:  []string{"pay-vm:1:DOWN", "pay-app:2:DOWN", "Payments:3:DOWN", "Checkout:4:DOWN", "Webshop:5:DOWN", "Ordering:6:DOWN", "Marketing:6:DOWN", "Sales:6:DOWN"},
			edges: chainEdges,
			paths: map[string]string{
				"pay-vm":   "pay-vm-HOSTED_ON->pay-host",
				"Webshop":  toWebshop,
				"Sales":    toWebshop + " Sales-CONSUMES->Webshop",
				"Ordering": toWebshop + " Webshop-SUPPORTS->Ordering",
			}},
		{name: "maxDepth 20", starts: []string{"pay-host"}, depth: 20,
			want:  []string{"pay-vm:1:DOWN", "pay-app:2:DOWN", "Payments:3:DOWN", "Checkout:4:DOWN", "Webshop:5:DOWN", "Ordering:6:DOWN", "Marketing:6:DOWN", "Sales:6:DOWN"},
			edges: chainEdges},
		{name: "maxDepth 1", starts: []string{"pay-host"}, depth: 1,
			want: []string{"pay-vm:1:DOWN"}, edges: []string{"pay-vm-HOSTED_ON->pay-host"}},
		{name: "maxDepth 2", starts: []string{"pay-host"}, depth: 2,
			want: []string{"pay-vm:1:DOWN", "pay-app:2:DOWN"}, edges: []string{"pay-vm-HOSTED_ON->pay-host", "pay-app-RUNS_ON->pay-vm"}},
		{name: "maxDepth 5", starts: []string{"pay-host"}, depth: 5,
			want:  []string{"pay-vm:1:DOWN", "pay-app:2:DOWN", "Payments:3:DOWN", "Checkout:4:DOWN", "Webshop:5:DOWN"},
			edges: chainEdges[:5]},
		{name: "a technical service as start", starts: []string{"Payments"},
			want: []string{"Checkout:1:DOWN", "Webshop:2:DOWN", "Ordering:3:DOWN", "Marketing:3:DOWN", "Sales:3:DOWN"}},
		{name: "a business unit impacts nothing", starts: []string{"Sales"}, want: []string{}, edges: []string{}},
		{name: "a start reachable from another start stays a root", starts: []string{"pay-app", "Checkout"},
			want:  []string{"Payments:1:DOWN", "Webshop:1:DOWN", "Ordering:2:DOWN", "Marketing:2:DOWN", "Sales:2:DOWN"},
			paths: map[string]string{"Payments": "Payments-DEPENDS_ON->pay-app", "Sales": "Webshop-DEPENDS_ON->Checkout Sales-CONSUMES->Webshop"}},
		{name: "a start given twice", starts: []string{"pay-host", "pay-host"}, depth: 1,
			want: []string{"pay-vm:1:DOWN"}},

		{name: "uneven diamond: reported once with its shortest path", starts: []string{"core-db"},
			want:  []string{"api:1:DOWN", "front:2:DOWN", "lb:2:DOWN", "proxy:3:DOWN"},
			edges: []string{"api-DEPENDS_ON->core-db", "front-DEPENDS_ON->api", "lb-DEPENDS_ON->api", "proxy-DEPENDS_ON->lb", "front-DEPENDS_ON->proxy"},
			paths: map[string]string{
				"front": "api-DEPENDS_ON->core-db front-DEPENDS_ON->api",
				"proxy": "api-DEPENDS_ON->core-db lb-DEPENDS_ON->api proxy-DEPENDS_ON->lb",
			}},
		{name: "even diamond", starts: []string{"store"},
			want:  []string{"api-a:1:DOWN", "api-b:1:DOWN", "web:2:DOWN"},
			edges: []string{"api-a-DEPENDS_ON->store", "api-b-DEPENDS_ON->store", "web-DEPENDS_ON->api-a", "web-DEPENDS_ON->api-b"}},

		{name: "cycle terminates", starts: []string{"cyc-a"},
			want:  []string{"cyc-c:1:DOWN", "cyc-b:2:DOWN", "cyc-d:2:DOWN"},
			edges: []string{"cyc-a-DEPENDS_ON->cyc-b", "cyc-b-DEPENDS_ON->cyc-c", "cyc-c-DEPENDS_ON->cyc-a", "cyc-d-DEPENDS_ON->cyc-c"},
			paths: map[string]string{"cyc-b": "cyc-c-DEPENDS_ON->cyc-a cyc-b-DEPENDS_ON->cyc-c"}},
		{name: "cycle from its tail", starts: []string{"cyc-d"}, want: []string{}},

		{name: "INTERDEPENDS_WITH from its source", starts: []string{"primary"},
			want: []string{"quorum-app:1:DOWN", "witness:1:DOWN"}, edges: []string{"primary-INTERDEPENDS_WITH->witness", "quorum-app-DEPENDS_ON->primary"}},
		{name: "INTERDEPENDS_WITH from its target", starts: []string{"witness"},
			want:  []string{"primary:1:DOWN", "quorum-app:2:DOWN"},
			paths: map[string]string{"quorum-app": "primary-INTERDEPENDS_WITH->witness quorum-app-DEPENDS_ON->primary"}},

		{name: "DOCUMENTED_BY is not followed", starts: []string{"ledger-runbook"}, want: []string{}, edges: []string{}},
		{name: "BACKED_UP_BY is not followed", starts: []string{"ledger-backup"}, want: []string{}, edges: []string{}},
		{name: "REPLICATES_TO is not followed", starts: []string{"ledger-replica"}, want: []string{}, edges: []string{}},
		{name: "all three non-propagating ends together", starts: []string{"ledger-runbook", "ledger-backup", "ledger-replica"}, want: []string{}, edges: []string{}},
		{name: "the documented item impacts only its dependents", starts: []string{"ledger-db"},
			want: []string{"ledger-app:1:DOWN"}, edges: []string{"ledger-app-DEPENDS_ON->ledger-db"}},

		{name: "a host failing does not take its switch down", starts: []string{"net-host1"}, want: []string{}, edges: []string{}},
		{name: "a switch failing takes its hosts down", starts: []string{"net-switch"},
			want: []string{"net-host1:1:DOWN", "net-host2:1:DOWN"}, edges: []string{"net-host1-CONNECTS_TO->net-switch", "net-host2-CONNECTS_TO->net-switch"}},
		{name: "a router failing takes the switch and its hosts down", starts: []string{"net-router"},
			want:  []string{"net-switch:1:DOWN", "net-host1:2:DOWN", "net-host2:2:DOWN"},
			paths: map[string]string{"net-host2": "net-switch-CONNECTS_TO->net-router net-host2-CONNECTS_TO->net-switch"}},

		{name: "a part impacts its whole", starts: []string{"arr-disk"},
			want: []string{"arr-array:1:DOWN", "arr-volume:2:DOWN"}, paths: map[string]string{"arr-volume": "arr-disk-PART_OF->arr-array arr-volume-STORES_DATA_ON->arr-array"}},
		{name: "the whole does not impact its parts", starts: []string{"arr-array"}, want: []string{"arr-volume:1:DOWN"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { w.runImpact(t, c) })
	}

	t.Run("even diamond explains with one of the shortest paths", func(t *testing.T) {
		res := w.impact(t, nil, "store")
		for _, i := range res.Impacted {
			if w.nameOf(i.Item.ID) != "web" {
				continue
			}
			p := w.path(i.Path)
			if p != "api-a-DEPENDS_ON->store web-DEPENDS_ON->api-a" && p != "api-b-DEPENDS_ON->store web-DEPENDS_ON->api-b" {
				t.Errorf("path to web = %s", p)
			}
		}
	})

	t.Run("counts and graph nodes", func(t *testing.T) {
		res := w.impact(t, nil, "pay-host")
		want := impactCounts{Total: 8, ConfigurationItems: 2, TechnicalServices: 2, BusinessServices: 1, BusinessProcesses: 1, BusinessUnits: 2, Down: 8}
		if res.Counts != want {
			t.Errorf("counts = %+v, want %+v", res.Counts, want)
		}
		var nodes []string
		for _, n := range res.Graph.Nodes {
			sev := "-"
			if n.Severity != nil {
				sev = *n.Severity
			}
			nodes = append(nodes, n.Name+":"+n.Kind+":"+deref(n.Type)+":"+deref(n.Status)+":"+sev)
		}
		slices.Sort(nodes)
		equalStrings(t, "graph nodes", nodes, []string{
			"Checkout:TECHNICAL_SERVICE:TECHNICAL:LIVE:DOWN", "Marketing:BUSINESS_UNIT:<nil>:<nil>:DOWN", "Ordering:BUSINESS_PROCESS:<nil>:<nil>:DOWN",
			"Payments:TECHNICAL_SERVICE:TECHNICAL:LIVE:DOWN", "Sales:BUSINESS_UNIT:<nil>:<nil>:DOWN", "Webshop:BUSINESS_SERVICE:BUSINESS:LIVE:DOWN",
			"pay-app:CONFIGURATION_ITEM:SERVER:ACTIVE:DOWN", "pay-host:CONFIGURATION_ITEM:SERVER:ACTIVE:-", "pay-vm:CONFIGURATION_ITEM:SERVER:ACTIVE:DOWN",
		})
		var roots []string
		for _, r := range res.Roots {
			roots = append(roots, r.Name+":"+r.Kind)
		}
		equalStrings(t, "roots", roots, []string{"pay-host:CONFIGURATION_ITEM"})
	})

	t.Run("serviceImpact", func(t *testing.T) {
		var out struct {
			ServiceImpact impactResult `json:"serviceImpact"`
		}
		e.ok(t, e.analyst, serviceImpactQuery, map[string]any{"id": w.id(t, "Checkout")}, &out)
		res := out.ServiceImpact
		w.checkImpact(t, res, "Checkout")
		equalStrings(t, "serviceImpact(Checkout)", w.summary(res), []string{"Webshop:1:DOWN", "Ordering:2:DOWN", "Marketing:2:DOWN", "Sales:2:DOWN"})
		want := impactCounts{Total: 4, BusinessServices: 1, BusinessProcesses: 1, BusinessUnits: 2, Down: 4}
		if res.Counts != want || res.MaxDepth != 10 {
			t.Errorf("counts = %+v maxDepth %d, want %+v and 10", res.Counts, res.MaxDepth, want)
		}
		equalStrings(t, "graph edges", w.viewEdges(res.Graph), sortedStrings("Webshop-DEPENDS_ON->Checkout", "Webshop-SUPPORTS->Ordering", "Sales-CONSUMES->Webshop", "Marketing-CONSUMES->Webshop"))

		e.ok(t, e.analyst, serviceImpactQuery, map[string]any{"id": w.id(t, "Payments"), "d": 1}, &out)
		w.checkImpact(t, out.ServiceImpact, "Payments")
		equalStrings(t, "serviceImpact(Payments, 1)", w.summary(out.ServiceImpact), []string{"Checkout:1:DOWN"})
		if out.ServiceImpact.MaxDepth != 1 {
			t.Errorf("maxDepth = %d", out.ServiceImpact.MaxDepth)
		}
		// The same as impactAnalysis on the service.
		direct := w.impact(t, nil, "Payments")
		e.ok(t, e.analyst, serviceImpactQuery, map[string]any{"id": w.id(t, "Payments")}, &out)
		equalStrings(t, "serviceImpact vs impactAnalysis", w.summary(out.ServiceImpact), w.summary(direct))
	})

	t.Run("retiring a CI stops impact crossing it", func(t *testing.T) {
		w.build(t, "ret-app RUNS_ON ret-vm", "ret-vm HOSTED_ON ret-host", "ts:Reporting DEPENDS_ON ret-app")
		w.runImpact(t, impactCase{starts: []string{"ret-host"}, want: []string{"ret-vm:1:DOWN", "ret-app:2:DOWN", "Reporting:3:DOWN"}})
		vm := e.snapshot(t, w.id(t, "ret-vm"))
		e.retireCI(t, vm.ci.ID, vm.ci.Version, "decommissioned")
		w.runImpact(t, impactCase{starts: []string{"ret-host"}, want: []string{}, edges: []string{}})
		w.runImpact(t, impactCase{starts: []string{"ret-vm"}, want: []string{}, edges: []string{}})
		w.runImpact(t, impactCase{starts: []string{"ret-app"}, want: []string{"Reporting:1:DOWN"}})
	})

	t.Run("retiring a service stops impact crossing it", func(t *testing.T) {
		s := w.readService(t, w.id(t, "Checkout"))
		w.updateService(t, map[string]any{"id": s.ID, "expectedVersion": s.Version, "status": "RETIRED"})
		w.runImpact(t, impactCase{starts: []string{"pay-host"},
			want:  []string{"pay-vm:1:DOWN", "pay-app:2:DOWN", "Payments:3:DOWN"},
			edges: []string{"pay-vm-HOSTED_ON->pay-host", "pay-app-RUNS_ON->pay-vm", "Payments-DEPENDS_ON->pay-app"}})
		var out struct {
			ServiceImpact impactResult `json:"serviceImpact"`
		}
		e.ok(t, e.analyst, serviceImpactQuery, map[string]any{"id": s.ID}, &out)
		equalStrings(t, "serviceImpact(retired Checkout)", w.summary(out.ServiceImpact), []string{})
	})
}

// TestImpactRedundancyGroups: a group with redundancyMinimumUp is DEGRADED
// while at least that many members remain up and DOWN below; so are its
// dependents. Failed members are counted together whatever made them fail.
func TestImpactRedundancyGroups(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t,
		"web1 MEMBER_OF pool2:web-pool",
		"web2 MEMBER_OF web-pool",
		"web3 MEMBER_OF web-pool",
		"web4 MEMBER_OF web-pool",
		"web-app RUNS_ON web-pool",
		"ts:Frontend DEPENDS_ON web-app",
		"web1 HOSTED_ON rack-h1",
		"web2 HOSTED_ON rack-h2",
		"web3 HOSTED_ON rack-h3",
		"web4 HOSTED_ON rack-h4",
		"rack-h1 CONNECTS_TO rack-sw",
		"rack-h2 CONNECTS_TO rack-sw",
		"rack-h3 CONNECTS_TO rack-sw",
		"web-app DEPENDS_ON session-db",
	)
	var red struct {
		ConfigurationItem struct {
			Redundancy redundancy `json:"redundancy"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { redundancy { minimumUp members { name } } } }`, map[string]any{"id": w.id(t, "web-pool")}, &red)
	if red.ConfigurationItem.Redundancy.MinimumUp != 2 || len(red.ConfigurationItem.Redundancy.Members) != 4 {
		t.Fatalf("web-pool redundancy = %+v", red.ConfigurationItem.Redundancy)
	}

	degraded := []string{"web-pool:1:DEGRADED", "web-app:2:DEGRADED", "Frontend:3:DEGRADED"}
	down := []string{"web-pool:1:DOWN", "web-app:2:DOWN", "Frontend:3:DOWN"}
	cases := []impactCase{
		{name: "one member down: above the minimum", starts: []string{"web1"}, want: degraded,
			edges: []string{"web1-MEMBER_OF->web-pool", "web-app-RUNS_ON->web-pool", "Frontend-DEPENDS_ON->web-app"},
			paths: map[string]string{"web-pool": "web1-MEMBER_OF->web-pool", "Frontend": "web1-MEMBER_OF->web-pool web-app-RUNS_ON->web-pool Frontend-DEPENDS_ON->web-app"}},
		{name: "two members down: at the minimum", starts: []string{"web1", "web2"}, want: degraded},
		{name: "three members down: below the minimum", starts: []string{"web1", "web2", "web3"}, want: down},
		{name: "every member down", starts: []string{"web1", "web2", "web3", "web4"}, want: down},
		{name: "the group itself down", starts: []string{"web-pool"}, want: []string{"web-app:1:DOWN", "Frontend:2:DOWN"}},
		{name: "a host under one member", starts: []string{"rack-h1"},
			want: []string{"web1:1:DOWN", "web-pool:2:DEGRADED", "web-app:3:DEGRADED", "Frontend:4:DEGRADED"}},
		{name: "two hosts under two members", starts: []string{"rack-h1", "rack-h2"},
			want: []string{"web1:1:DOWN", "web2:1:DOWN", "web-pool:2:DEGRADED", "web-app:3:DEGRADED", "Frontend:4:DEGRADED"}},
		{name: "a host and a member", starts: []string{"rack-h1", "web2"},
			want: []string{"web-pool:1:DEGRADED", "web1:1:DOWN", "web-app:2:DEGRADED", "Frontend:3:DEGRADED"}},
		{name: "a host and two members", starts: []string{"rack-h1", "web2", "web3"},
			want: []string{"web-pool:1:DOWN", "web1:1:DOWN", "web-app:2:DOWN", "Frontend:3:DOWN"}},
		{name: "the switch under three members", starts: []string{"rack-sw"},
			want: []string{"rack-h1:1:DOWN", "rack-h2:1:DOWN", "rack-h3:1:DOWN", "web1:2:DOWN", "web2:2:DOWN", "web3:2:DOWN", "web-pool:3:DOWN", "web-app:4:DOWN", "Frontend:5:DOWN"}},
		{name: "the switch, maxDepth 2", starts: []string{"rack-sw"}, depth: 2,
			want: []string{"rack-h1:1:DOWN", "rack-h2:1:DOWN", "rack-h3:1:DOWN", "web1:2:DOWN", "web2:2:DOWN", "web3:2:DOWN"}},
		{name: "the switch, maxDepth 3", starts: []string{"rack-sw"}, depth: 3,
			want: []string{"rack-h1:1:DOWN", "rack-h2:1:DOWN", "rack-h3:1:DOWN", "web1:2:DOWN", "web2:2:DOWN", "web3:2:DOWN", "web-pool:3:DOWN"}},
		{name: "DOWN wins over DEGRADED", starts: []string{"web1", "session-db"},
			want:  []string{"web-app:1:DOWN", "web-pool:1:DEGRADED", "Frontend:2:DOWN"},
			paths: map[string]string{"web-app": "web-app-DEPENDS_ON->session-db"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := w.runImpact(t, c)
			var d, g int
			for _, s := range c.want {
				switch {
				case len(s) > 5 && s[len(s)-5:] == ":DOWN":
					d++
				default:
					g++
				}
			}
			if res.Counts.Down != d || res.Counts.Degraded != g {
				t.Errorf("counts down %d degraded %d, want %d and %d", res.Counts.Down, res.Counts.Degraded, d, g)
			}
		})
	}

	// A retired member is out of service: it does not count as up.
	t.Run("a retired member does not count as up", func(t *testing.T) {
		w.build(t, "dbm1 MEMBER_OF pool1:db-pool", "dbm2 MEMBER_OF db-pool", "reports RUNS_ON db-pool")
		w.runImpact(t, impactCase{starts: []string{"dbm1"}, want: []string{"db-pool:1:DEGRADED", "reports:2:DEGRADED"}})
		e.retireCI(t, w.id(t, "dbm2"), 1, "")
		w.runImpact(t, impactCase{starts: []string{"dbm1"}, want: []string{"db-pool:1:DOWN", "reports:2:DOWN"}})
	})
}

// TestImpactGraphHoldsEveryRelationshipAmongItsItems: ImpactAnalysis.graph
// is "roots and impacted items with the relationships between them" and
// GraphView.edges "every relationship between two items of the view", so a
// relationship that carries no impact but joins two impacted items belongs
// in it too.
// The impact graph draws the relationships impact travelled along, not the
// ones between the same items that carry no impact.
func TestImpactGraphHoldsTheRelationshipsImpactTravels(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	w.build(t, "rep-app1 DEPENDS_ON rep-db", "rep-app2 DEPENDS_ON rep-db", "rep-app1 REPLICATES_TO rep-app2", "rep-app2 DOCUMENTED_BY rep-db")
	w.runImpact(t, impactCase{starts: []string{"rep-db"},
		want:  []string{"rep-app1:1:DOWN", "rep-app2:1:DOWN"},
		edges: []string{"rep-app1-DEPENDS_ON->rep-db", "rep-app2-DEPENDS_ON->rep-db"}})
}
