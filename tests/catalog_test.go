package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestServiceCatalogue creates services, units and processes through the
// API, links them with every allowed link, refuses every other link without
// writing anything, walks the service lifecycle, and reads it all back
// through the catalogue queries and nested fields.
func TestServiceCatalogue(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	groupID := e.createGroup(t, "Web Team")

	// --- Creation, by SERVICE_OWNER and by CONFIG_MANAGER.
	shop := w.createService(t, w.owner, map[string]any{"kind": "BUSINESS", "name": "Webshop", "description": "Online sales"})
	if !strings.HasPrefix(shop.ID, "bsv_") || shop.Kind != "BUSINESS_SERVICE" || shop.ServiceKind != "BUSINESS" || shop.Status != "PIPELINE" ||
		shop.Criticality != "MEDIUM" || shop.Version != 1 || deref(shop.Description) != "Online sales" || shop.OwnerGroup != nil ||
		shop.CreatedAt == "" || shop.CreatedAt != shop.UpdatedAt {
		t.Errorf("created business service = %+v", shop)
	}
	checkout := w.createService(t, e.cm, map[string]any{"kind": "TECHNICAL", "name": "Checkout", "status": "LIVE", "criticality": "HIGH", "ownerGroupId": groupID})
	if !strings.HasPrefix(checkout.ID, "tsv_") || checkout.Kind != "TECHNICAL_SERVICE" || checkout.ServiceKind != "TECHNICAL" || checkout.Status != "LIVE" ||
		checkout.Criticality != "HIGH" || checkout.Version != 1 || checkout.Description != nil || checkout.OwnerGroup == nil || checkout.OwnerGroup.Name != "Web Team" {
		t.Errorf("created technical service = %+v", checkout)
	}
	if got := w.readService(t, checkout.ID); got.key() != checkout.key() {
		t.Errorf("service(id) = %+v, want %+v", got, checkout)
	}
	payments := w.createService(t, w.owner, map[string]any{"kind": "TECHNICAL", "name": "Payments", "status": "LIVE"}).ID
	sales := w.createUnit(t, w.owner, "Sales")
	finance := w.createUnit(t, e.cm, "Finance")
	ordering := w.createProcess(t, w.owner, "Ordering")
	if !strings.HasPrefix(sales, "bu_") || !strings.HasPrefix(ordering, "bp_") {
		t.Errorf("ids %s %s", sales, ordering)
	}
	db := w.item(t, "orders-db")
	cache := w.item(t, "cache")
	oldDB := w.item(t, "old-db")
	e.retireCI(t, oldDB, 1, "")
	intranet := w.createService(t, w.owner, map[string]any{"kind": "BUSINESS", "name": "Intranet"})
	legacy := w.createService(t, w.owner, map[string]any{"kind": "TECHNICAL", "name": "Legacy Billing", "status": "LIVE"})
	w.updateService(t, map[string]any{"id": legacy.ID, "expectedVersion": 1, "status": "RETIRED"})

	// --- Every allowed link kind; linking twice creates nothing.
	allowed := []struct{ src, typ, tgt string }{
		{sales, "CONSUMES", shop.ID},
		{finance, "CONSUMES", shop.ID},
		{sales, "CONSUMES", intranet.ID},
		{shop.ID, "SUPPORTS", ordering},
		{shop.ID, "DEPENDS_ON", checkout.ID},
		{checkout.ID, "DEPENDS_ON", payments},
		{checkout.ID, "DEPENDS_ON", db},
		{payments, "DEPENDS_ON", db},
	}
	t.Run("allowed links", func(t *testing.T) {
		for _, l := range allowed {
			if !w.link(t, w.owner, l.src, l.typ, l.tgt) {
				t.Errorf("%s %s %s: created = false on the first link", w.nameOf(l.src), l.typ, w.nameOf(l.tgt))
			}
		}
		for _, l := range allowed {
			if w.link(t, e.cm, l.src, l.typ, l.tgt) {
				t.Errorf("%s %s %s: created = true on the second link", w.nameOf(l.src), l.typ, w.nameOf(l.tgt))
			}
		}
	})

	all := []string{"Webshop", "Checkout", "Payments", "Sales", "Finance", "Ordering", "orders-db", "cache", "old-db", "Intranet", "Legacy Billing"}
	wantLinks := []string{
		"Checkout-DEPENDS_ON->Payments", "Checkout-DEPENDS_ON->orders-db", "Finance-CONSUMES->Webshop", "Payments-DEPENDS_ON->orders-db",
		"Sales-CONSUMES->Intranet", "Sales-CONSUMES->Webshop", "Webshop-DEPENDS_ON->Checkout", "Webshop-SUPPORTS->Ordering",
	}
	equalStrings(t, "links after linking", w.links(t, all...), wantLinks)

	// --- Disallowed links and unknown ids: refused, nothing written.
	t.Run("refused links write nothing", func(t *testing.T) {
		totals := w.catalogTotals(t)
		snaps := map[string]ciSnapshot{db: e.snapshot(t, db), cache: e.snapshot(t, cache), oldDB: e.snapshot(t, oldDB)}
		refusals := []struct {
			name          string
			src, typ, tgt string
			code, field   string
		}{
			{"unit SUPPORTS process", sales, "SUPPORTS", ordering, "BAD_USER_INPUT", "type"},
			{"business service CONSUMES unit", shop.ID, "CONSUMES", sales, "BAD_USER_INPUT", "type"},
			{"unit CONSUMES technical service", sales, "CONSUMES", checkout.ID, "BAD_USER_INPUT", "type"},
			{"unit CONSUMES process", sales, "CONSUMES", ordering, "BAD_USER_INPUT", "type"},
			{"unit CONSUMES CI", sales, "CONSUMES", db, "BAD_USER_INPUT", "type"},
			{"business service SUPPORTS technical service", shop.ID, "SUPPORTS", checkout.ID, "BAD_USER_INPUT", "type"},
			{"technical service SUPPORTS process", checkout.ID, "SUPPORTS", ordering, "BAD_USER_INPUT", "type"},
			{"business service DEPENDS_ON business service", shop.ID, "DEPENDS_ON", intranet.ID, "BAD_USER_INPUT", "type"},
			{"business service DEPENDS_ON CI", shop.ID, "DEPENDS_ON", db, "BAD_USER_INPUT", "type"},
			{"technical service DEPENDS_ON business service", checkout.ID, "DEPENDS_ON", shop.ID, "BAD_USER_INPUT", "type"},
			{"technical service DEPENDS_ON unit", checkout.ID, "DEPENDS_ON", sales, "BAD_USER_INPUT", "type"},
			{"CI DEPENDS_ON technical service", db, "DEPENDS_ON", checkout.ID, "BAD_USER_INPUT", "type"},
			{"CI DEPENDS_ON CI", db, "DEPENDS_ON", cache, "BAD_USER_INPUT", "type"},
			{"process DEPENDS_ON technical service", ordering, "DEPENDS_ON", checkout.ID, "BAD_USER_INPUT", "type"},
			{"unit DEPENDS_ON business service", sales, "DEPENDS_ON", shop.ID, "BAD_USER_INPUT", "type"},
			{"process SUPPORTS business service (reversed)", ordering, "SUPPORTS", shop.ID, "BAD_USER_INPUT", "type"},
			{"link to itself", checkout.ID, "DEPENDS_ON", checkout.ID, "BAD_USER_INPUT", "targetId"},
			{"link to a retired service", checkout.ID, "DEPENDS_ON", legacy.ID, "BAD_USER_INPUT", ""},
			{"link from a retired service", legacy.ID, "DEPENDS_ON", payments, "BAD_USER_INPUT", ""},
			{"link to a retired CI", checkout.ID, "DEPENDS_ON", oldDB, "BAD_USER_INPUT", ""},
			{"type RUNS_ON", checkout.ID, "RUNS_ON", db, "BAD_USER_INPUT", "type"},
			{"type MEMBER_OF", checkout.ID, "MEMBER_OF", payments, "BAD_USER_INPUT", "type"},
			{"type in lower case", checkout.ID, "depends_on", db, "BAD_USER_INPUT", "type"},
			{"empty type", checkout.ID, "", db, "BAD_USER_INPUT", "type"},
			{"unknown target service", shop.ID, "DEPENDS_ON", unknownTechService, "NOT_FOUND", ""},
			{"unknown source unit", unknownUnit, "CONSUMES", shop.ID, "NOT_FOUND", ""},
			{"unknown target process", shop.ID, "SUPPORTS", unknownProcess, "NOT_FOUND", ""},
			{"unknown target CI", checkout.ID, "DEPENDS_ON", unknownCI, "NOT_FOUND", ""},
			{"unknown source business service", unknownBizService, "SUPPORTS", ordering, "NOT_FOUND", ""},
			{"malformed id", checkout.ID, "DEPENDS_ON", "nope", "NOT_FOUND", ""},
		}
		for _, r := range refusals {
			t.Run(r.name, func(t *testing.T) {
				res := e.fail(t, w.owner, linkMutation, map[string]any{"in": map[string]any{"sourceId": r.src, "type": r.typ, "targetId": r.tgt}}, r.code)
				if r.field != "" && res.Errors[0].Extensions.Field != r.field {
					t.Errorf("field = %q, want %q (%s)", res.Errors[0].Extensions.Field, r.field, res.Errors[0].Message)
				}
				if !res.fieldIsNull("linkCatalogItems") {
					t.Errorf("data = %s, want null", res.Data)
				}
			})
		}
		equalStrings(t, "links after the refusals", w.links(t, all...), wantLinks)
		if got := w.catalogTotals(t); got != totals {
			t.Errorf("catalogue totals changed from %v to %v", totals, got)
		}
		for _, s := range snaps {
			e.assertUnchanged(t, s)
		}
	})

	// --- Lifecycle with optimistic concurrency.
	t.Run("lifecycle", func(t *testing.T) {
		s := w.updateService(t, map[string]any{"id": intranet.ID, "expectedVersion": 1, "name": "Intranet Portal", "description": "Staff portal"})
		if s.Name != "Intranet Portal" || deref(s.Description) != "Staff portal" || s.Version != 2 || s.Status != "PIPELINE" || parseTime(t, s.UpdatedAt).Before(parseTime(t, s.CreatedAt)) {
			t.Fatalf("renamed = %+v", s)
		}
		w.remember("Intranet Portal", intranet.ID, "BUSINESS_SERVICE")
		bad := []struct {
			name string
			in   map[string]any
			code string
		}{
			{"stale version", map[string]any{"id": intranet.ID, "expectedVersion": 1, "name": "Stale"}, "CONFLICT"},
			{"future version", map[string]any{"id": intranet.ID, "expectedVersion": 3, "status": "LIVE"}, "CONFLICT"},
			{"empty name", map[string]any{"id": intranet.ID, "expectedVersion": 2, "name": ""}, "BAD_USER_INPUT"},
			{"unknown service", map[string]any{"id": unknownBizService, "expectedVersion": 1, "name": "x"}, "NOT_FOUND"},
			{"unknown owner group", map[string]any{"id": intranet.ID, "expectedVersion": 2, "ownerGroupId": "grp_00000000000000000000000000000000"}, "NOT_FOUND"},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				e.fail(t, w.owner, updateServiceMutation, map[string]any{"in": b.in}, b.code)
			})
		}
		if got := w.readService(t, intranet.ID); got.key() != s.key() {
			t.Errorf("after refused updates: %+v, want %+v", got, s)
		}

		live := w.updateService(t, map[string]any{"id": intranet.ID, "expectedVersion": 2, "status": "LIVE"})
		if live.Status != "LIVE" || live.Version != 3 {
			t.Fatalf("PIPELINE → LIVE: %+v", live)
		}
		e.fail(t, w.owner, updateServiceMutation, map[string]any{"in": map[string]any{"id": intranet.ID, "expectedVersion": 3, "status": "PIPELINE"}}, "INVALID_TRANSITION")
		if got := w.readService(t, intranet.ID); got.key() != live.key() {
			t.Errorf("after LIVE → PIPELINE: %+v, want %+v", got, live)
		}
		retired := w.updateService(t, map[string]any{"id": intranet.ID, "expectedVersion": 3, "status": "RETIRED"})
		if retired.Status != "RETIRED" || retired.Version != 4 {
			t.Fatalf("LIVE → RETIRED: %+v", retired)
		}
		for _, to := range []string{"LIVE", "PIPELINE"} {
			e.fail(t, w.owner, updateServiceMutation, map[string]any{"in": map[string]any{"id": intranet.ID, "expectedVersion": 4, "status": to}}, "INVALID_TRANSITION")
		}
		// A stale version is reported before the transition.
		e.fail(t, w.owner, updateServiceMutation, map[string]any{"in": map[string]any{"id": intranet.ID, "expectedVersion": 3, "status": "LIVE"}}, "CONFLICT")
		if got := w.readService(t, intranet.ID); got.key() != retired.key() {
			t.Errorf("after refused transitions: %+v, want %+v", got, retired)
		}

		// PIPELINE may be retired directly; RETIRED cannot be created.
		proto := w.createService(t, w.owner, map[string]any{"kind": "BUSINESS", "name": "Prototype"})
		if p := w.updateService(t, map[string]any{"id": proto.ID, "expectedVersion": 1, "status": "RETIRED"}); p.Status != "RETIRED" || p.Version != 2 {
			t.Errorf("PIPELINE → RETIRED: %+v", p)
		}
		before := w.catalogTotals(t)
		e.fail(t, w.owner, createServiceMutation, map[string]any{"in": map[string]any{"kind": "BUSINESS", "name": "Born retired", "status": "RETIRED"}}, "BAD_USER_INPUT")
		if got := w.catalogTotals(t); got != before {
			t.Errorf("a refused createService wrote: %v → %v", before, got)
		}
	})

	// --- More business services for the catalogue views.
	payroll := w.createService(t, w.owner, map[string]any{"kind": "BUSINESS", "name": "Payroll", "status": "LIVE"}).ID
	staging := w.createService(t, w.owner, map[string]any{"kind": "BUSINESS", "name": "Staging Shop"}).ID
	w.link(t, w.owner, finance, "CONSUMES", payroll)
	w.link(t, w.owner, finance, "CONSUMES", staging)

	const unitServices = `query($id: ID!) { node(id: $id) { ... on BusinessUnit { id name kind description live: services { name } all: services(includeAll: true) { name } } } }`
	type unitView struct {
		Node struct {
			ID          string  `json:"id"`
			Name        string  `json:"name"`
			Kind        string  `json:"kind"`
			Description *string `json:"description"`
			Live        []gItem `json:"live"`
			All         []gItem `json:"all"`
		} `json:"node"`
	}
	catalogOf := func(t *testing.T, token string, unit any) []string {
		t.Helper()
		var out struct {
			BusinessCatalog []serviceData `json:"businessCatalog"`
		}
		e.ok(t, token, `query($u: ID) { businessCatalog(businessUnitId: $u) { ...SF } }`+customerServiceFields, map[string]any{"u": unit}, &out)
		names := []string{}
		for _, s := range out.BusinessCatalog {
			if s.Kind != "BUSINESS_SERVICE" || s.Status != "LIVE" {
				t.Errorf("businessCatalog holds %+v", s)
			}
			names = append(names, s.Name)
		}
		return names
	}

	t.Run("business catalogue shows only LIVE business services", func(t *testing.T) {
		// Webshop is still in the PIPELINE.
		equalStrings(t, "businessCatalog(Sales) with Webshop in the pipeline", catalogOf(t, e.analyst, sales), []string{})
		var u unitView
		e.ok(t, e.analyst, unitServices, map[string]any{"id": sales}, &u)
		equalStrings(t, "Sales.services", itemNames(u.Node.Live), []string{})
		equalStrings(t, "Sales.services(includeAll)", sortedStrings(itemNames(u.Node.All)...), []string{"Intranet Portal", "Webshop"})

		w.updateService(t, map[string]any{"id": shop.ID, "expectedVersion": 1, "status": "LIVE"})
		for _, tok := range []string{e.analyst, e.requester} {
			equalStrings(t, "businessCatalog(Sales)", catalogOf(t, tok, sales), []string{"Webshop"})
			equalStrings(t, "businessCatalog(Finance)", sortedStrings(catalogOf(t, tok, finance)...), []string{"Payroll", "Webshop"})
			equalStrings(t, "businessCatalog()", catalogOf(t, tok, nil), []string{"Payroll", "Webshop"})
		}
		e.ok(t, e.analyst, unitServices, map[string]any{"id": sales}, &u)
		if u.Node.ID != sales || u.Node.Name != "Sales" || u.Node.Kind != "BUSINESS_UNIT" || deref(u.Node.Description) != "unit" {
			t.Errorf("Sales = %+v", u.Node)
		}
		equalStrings(t, "Sales.services", itemNames(u.Node.Live), []string{"Webshop"})
		equalStrings(t, "Sales.services(includeAll)", sortedStrings(itemNames(u.Node.All)...), []string{"Intranet Portal", "Webshop"})
		e.ok(t, e.analyst, unitServices, map[string]any{"id": finance}, &u)
		equalStrings(t, "Finance.services", sortedStrings(itemNames(u.Node.Live)...), []string{"Payroll", "Webshop"})
		equalStrings(t, "Finance.services(includeAll)", sortedStrings(itemNames(u.Node.All)...), []string{"Payroll", "Staging Shop", "Webshop"})

		e.fail(t, e.analyst, `query($u: ID) { businessCatalog(businessUnitId: $u) { id } }`, map[string]any{"u": unknownUnit}, "NOT_FOUND")
		e.fail(t, e.requester, `query($u: ID) { businessCatalog(businessUnitId: $u) { id } }`, map[string]any{"u": shop.ID}, "NOT_FOUND")
	})

	t.Run("technical catalogue and services filter", func(t *testing.T) {
		var out struct {
			TechnicalCatalog serviceConn `json:"technicalCatalog"`
		}
		e.ok(t, e.agent, `{ technicalCatalog { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { name kind status } } } }`, nil, &out)
		equalStrings(t, "technicalCatalog", out.TechnicalCatalog.names(), []string{"Checkout", "Legacy Billing", "Payments"})
		if out.TechnicalCatalog.TotalCount != 3 || out.TechnicalCatalog.PageInfo.HasNextPage {
			t.Errorf("technicalCatalog totalCount %d, pageInfo %+v", out.TechnicalCatalog.TotalCount, out.TechnicalCatalog.PageInfo)
		}
		for _, ed := range out.TechnicalCatalog.Edges {
			if ed.Node.Kind != "TECHNICAL_SERVICE" {
				t.Errorf("technicalCatalog holds %+v", ed.Node)
			}
		}

		const q = `query($f: ServiceFilter, $first: Int, $after: String) {
  services(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { name kind status } } }
}`
		filters := []struct {
			name   string
			filter map[string]any
			want   []string
		}{
			{"no filter", nil, []string{"Checkout", "Intranet Portal", "Legacy Billing", "Payments", "Payroll", "Prototype", "Staging Shop", "Webshop"}},
			{"business", map[string]any{"kinds": []string{"BUSINESS"}}, []string{"Intranet Portal", "Payroll", "Prototype", "Staging Shop", "Webshop"}},
			{"technical and LIVE", map[string]any{"kinds": []string{"TECHNICAL"}, "statuses": []string{"LIVE"}}, []string{"Checkout", "Payments"}},
			{"both kinds", map[string]any{"kinds": []string{"BUSINESS", "TECHNICAL"}, "statuses": []string{"PIPELINE"}}, []string{"Staging Shop"}},
			{"retired", map[string]any{"statuses": []string{"RETIRED"}}, []string{"Intranet Portal", "Legacy Billing", "Prototype"}},
			{"LIVE or RETIRED business", map[string]any{"kinds": []string{"BUSINESS"}, "statuses": []string{"LIVE", "RETIRED"}}, []string{"Intranet Portal", "Payroll", "Prototype", "Webshop"}},
			{"name contains, any case", map[string]any{"nameContains": "SHOP"}, []string{"Staging Shop", "Webshop"}},
			{"name matches nothing", map[string]any{"nameContains": "nothing-like-this"}, []string{}},
		}
		for _, f := range filters {
			t.Run(f.name, func(t *testing.T) {
				var out struct {
					Services serviceConn `json:"services"`
				}
				e.ok(t, e.analyst, q, map[string]any{"f": f.filter, "first": 100}, &out)
				equalStrings(t, "services", out.Services.names(), f.want)
				if out.Services.TotalCount != len(f.want) {
					t.Errorf("totalCount = %d, want %d", out.Services.TotalCount, len(f.want))
				}
			})
		}
		t.Run("paging", func(t *testing.T) {
			var got []string
			var after any
			for page := 0; page < 5; page++ {
				var out struct {
					Services serviceConn `json:"services"`
				}
				e.ok(t, e.analyst, q, map[string]any{"first": 3, "after": after}, &out)
				got = append(got, out.Services.names()...)
				if out.Services.TotalCount != 8 {
					t.Errorf("page %d totalCount = %d, want 8", page, out.Services.TotalCount)
				}
				if !out.Services.PageInfo.HasNextPage {
					break
				}
				after = *out.Services.PageInfo.EndCursor
			}
			equalStrings(t, "services paged by 3", got, []string{"Checkout", "Intranet Portal", "Legacy Billing", "Payments", "Payroll", "Prototype", "Staging Shop", "Webshop"})
		})

		var lists struct {
			BusinessUnits struct {
				TotalCount int `json:"totalCount"`
				Edges      []struct {
					Node gItem `json:"node"`
				} `json:"edges"`
			} `json:"businessUnits"`
			BusinessProcesses struct {
				TotalCount int `json:"totalCount"`
				Edges      []struct {
					Node gItem `json:"node"`
				} `json:"edges"`
			} `json:"businessProcesses"`
		}
		e.ok(t, e.analyst, `{ businessUnits { totalCount edges { node { id name kind } } } businessProcesses { totalCount edges { node { id name kind } } } }`, nil, &lists)
		var units, procs []string
		for _, ed := range lists.BusinessUnits.Edges {
			units = append(units, ed.Node.Name+":"+ed.Node.Kind)
		}
		for _, ed := range lists.BusinessProcesses.Edges {
			procs = append(procs, ed.Node.Name+":"+ed.Node.Kind)
		}
		equalStrings(t, "businessUnits", units, []string{"Finance:BUSINESS_UNIT", "Sales:BUSINESS_UNIT"})
		equalStrings(t, "businessProcesses", procs, []string{"Ordering:BUSINESS_PROCESS"})
		if lists.BusinessUnits.TotalCount != 2 || lists.BusinessProcesses.TotalCount != 1 {
			t.Errorf("totals %d %d", lists.BusinessUnits.TotalCount, lists.BusinessProcesses.TotalCount)
		}
	})

	t.Run("nested fields", func(t *testing.T) {
		const q = `query($shop: ID!, $checkout: ID!, $payments: ID!, $ordering: ID!) {
  shop: service(id: $shop) { consumers { id name kind } supports { id name kind criticality } dependsOn { id name kind } usedBy { id name } }
  checkout: service(id: $checkout) {
    consumers { name } supports { name }
    dependsOn { id name kind ... on ConfigurationItem { type ciStatus: status } ... on Service { serviceKind status } }
    usedBy { id name kind dependsOn { name } }
  }
  payments: service(id: $payments) { dependsOn { name kind } usedBy { name kind } }
  ordering: node(id: $ordering) { ... on BusinessProcess { id name kind criticality supportedBy { name status consumers { name } } } }
}`
		type dep struct {
			gItem
			Type        *string `json:"type"`
			CIStatus    *string `json:"ciStatus"`
			Status      *string `json:"status"`
			ServiceKind *string `json:"serviceKind"`
		}
		var out struct {
			Shop struct {
				Consumers []gItem `json:"consumers"`
				Supports  []struct {
					gItem
					Criticality string `json:"criticality"`
				} `json:"supports"`
				DependsOn []gItem `json:"dependsOn"`
				UsedBy    []gItem `json:"usedBy"`
			} `json:"shop"`
			Checkout struct {
				Consumers []gItem `json:"consumers"`
				Supports  []gItem `json:"supports"`
				DependsOn []dep   `json:"dependsOn"`
				UsedBy    []struct {
					gItem
					DependsOn []gItem `json:"dependsOn"`
				} `json:"usedBy"`
			} `json:"checkout"`
			Payments struct {
				DependsOn []gItem `json:"dependsOn"`
				UsedBy    []gItem `json:"usedBy"`
			} `json:"payments"`
			Ordering struct {
				gItem
				Criticality string `json:"criticality"`
				SupportedBy []struct {
					Name      string  `json:"name"`
					Status    string  `json:"status"`
					Consumers []gItem `json:"consumers"`
				} `json:"supportedBy"`
			} `json:"ordering"`
		}
		e.ok(t, e.analyst, q, map[string]any{"shop": shop.ID, "checkout": checkout.ID, "payments": payments, "ordering": ordering}, &out)
		kindsOf := func(items []gItem) []string {
			out := []string{}
			for _, i := range items {
				out = append(out, i.Name+":"+i.Kind)
			}
			slices.Sort(out)
			return out
		}
		equalStrings(t, "Webshop.consumers", kindsOf(out.Shop.Consumers), []string{"Finance:BUSINESS_UNIT", "Sales:BUSINESS_UNIT"})
		if len(out.Shop.Supports) != 1 || out.Shop.Supports[0].ID != ordering || out.Shop.Supports[0].Kind != "BUSINESS_PROCESS" || out.Shop.Supports[0].Criticality != "HIGH" {
			t.Errorf("Webshop.supports = %+v", out.Shop.Supports)
		}
		equalStrings(t, "Webshop.dependsOn", kindsOf(out.Shop.DependsOn), []string{"Checkout:TECHNICAL_SERVICE"})
		equalStrings(t, "Webshop.usedBy", kindsOf(out.Shop.UsedBy), []string{})
		equalStrings(t, "Checkout.consumers", kindsOf(out.Checkout.Consumers), []string{})
		equalStrings(t, "Checkout.supports", kindsOf(out.Checkout.Supports), []string{})
		var deps []string
		for _, d := range out.Checkout.DependsOn {
			deps = append(deps, d.Name+":"+d.Kind+":"+deref(d.Type)+":"+deref(d.CIStatus)+":"+deref(d.Status)+":"+deref(d.ServiceKind))
		}
		slices.Sort(deps)
		equalStrings(t, "Checkout.dependsOn", deps, []string{"Payments:TECHNICAL_SERVICE:<nil>:<nil>:LIVE:TECHNICAL", "orders-db:CONFIGURATION_ITEM:SERVER:ACTIVE:<nil>:<nil>"})
		if len(out.Checkout.UsedBy) != 1 || out.Checkout.UsedBy[0].Name != "Webshop" || out.Checkout.UsedBy[0].Kind != "BUSINESS_SERVICE" ||
			len(out.Checkout.UsedBy[0].DependsOn) != 1 || out.Checkout.UsedBy[0].DependsOn[0].Name != "Checkout" {
			t.Errorf("Checkout.usedBy = %+v", out.Checkout.UsedBy)
		}
		equalStrings(t, "Payments.dependsOn", kindsOf(out.Payments.DependsOn), []string{"orders-db:CONFIGURATION_ITEM"})
		equalStrings(t, "Payments.usedBy", kindsOf(out.Payments.UsedBy), []string{"Checkout:TECHNICAL_SERVICE"})
		if out.Ordering.ID != ordering || out.Ordering.Name != "Ordering" || out.Ordering.Kind != "BUSINESS_PROCESS" || out.Ordering.Criticality != "HIGH" ||
			len(out.Ordering.SupportedBy) != 1 || out.Ordering.SupportedBy[0].Name != "Webshop" || out.Ordering.SupportedBy[0].Status != "LIVE" ||
			len(out.Ordering.SupportedBy[0].Consumers) != 2 {
			t.Errorf("Ordering = %+v", out.Ordering)
		}
	})

	t.Run("node for each catalogue kind", func(t *testing.T) {
		checkCatalogueNodes(t, e, []catalogueNode{
			{shop.ID, "Service", "Webshop", "BUSINESS_SERVICE"},
			{checkout.ID, "Service", "Checkout", "TECHNICAL_SERVICE"},
			{sales, "BusinessUnit", "Sales", "BUSINESS_UNIT"},
			{ordering, "BusinessProcess", "Ordering", "BUSINESS_PROCESS"},
			{db, "ConfigurationItem", "orders-db", "CONFIGURATION_ITEM"},
		}, sales)
	})

	t.Run("unlink", func(t *testing.T) {
		var out struct {
			UnlinkCatalogItems struct {
				Removed bool `json:"removed"`
			} `json:"unlinkCatalogItems"`
		}
		in := map[string]any{"in": map[string]any{"sourceId": payments, "type": "DEPENDS_ON", "targetId": db}}
		e.ok(t, w.owner, unlinkMutation, in, &out)
		if !out.UnlinkCatalogItems.Removed {
			t.Errorf("removed = false")
		}
		e.fail(t, w.owner, unlinkMutation, in, "NOT_FOUND")
		e.fail(t, e.cm, unlinkMutation, map[string]any{"in": map[string]any{"sourceId": sales, "type": "CONSUMES", "targetId": payroll}}, "NOT_FOUND")
		e.fail(t, e.cm, unlinkMutation, map[string]any{"in": map[string]any{"sourceId": shop.ID, "type": "RUNS_ON", "targetId": checkout.ID}}, "BAD_USER_INPUT")
		e.fail(t, e.cm, unlinkMutation, map[string]any{"in": map[string]any{"sourceId": unknownBizService, "type": "DEPENDS_ON", "targetId": checkout.ID}}, "NOT_FOUND")
		e.ok(t, e.cm, unlinkMutation, map[string]any{"in": map[string]any{"sourceId": sales, "type": "CONSUMES", "targetId": shop.ID}}, &out)
		want := []string{
			"Checkout-DEPENDS_ON->Payments", "Checkout-DEPENDS_ON->orders-db", "Finance-CONSUMES->Payroll", "Finance-CONSUMES->Staging Shop",
			"Finance-CONSUMES->Webshop", "Sales-CONSUMES->Intranet Portal", "Webshop-DEPENDS_ON->Checkout", "Webshop-SUPPORTS->Ordering",
		}
		w.remember("Payroll", payroll, "BUSINESS_SERVICE")
		w.remember("Staging Shop", staging, "BUSINESS_SERVICE")
		equalStrings(t, "links after unlinking", w.links(t, append(all, "Payroll", "Staging Shop")...), want)
		equalStrings(t, "businessCatalog(Sales) after unlinking", catalogOf(t, e.analyst, sales), []string{})
		// Linking again creates the link anew.
		if !w.link(t, w.owner, payments, "DEPENDS_ON", db) {
			t.Errorf("relinking after unlink: created = false")
		}
	})

	// unlinkCatalogItems removes catalogue links only: a DEPENDS_ON between
	// two CIs is a CMDB relationship (with history), not a catalogue link.
	t.Run("unlinkCatalogItems leaves CI relationships alone", func(t *testing.T) {
		unlinkLeavesCIRelationship(t, e, w, db, cache)
	})
}
