package tests

import (
	"encoding/json"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestImpactAnswersCarryWholeItems checks that the graph answers return
// every selected item field whole: the store reads only names and kinds when
// those are all a query shows, and whole records otherwise.
func TestImpactAnswersCarryWholeItems(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	db := e.createCI(t, map[string]any{"name": "detail-db", "type": "DATABASE", "status": "ACTIVE", "environment": "TEST",
		"criticality": "HIGH", "description": "orders", "location": "rack 4", "attributes": []map[string]any{{"key": "engine", "value": "postgres"}}})
	w.remember("detail-db", db.ID, "CONFIGURATION_ITEM")
	app1 := e.createCI(t, map[string]any{"name": "detail-app", "type": "APPLICATION", "status": "MAINTENANCE", "criticality": "LOW", "description": "shop"})
	w.remember("detail-app", app1.ID, "CONFIGURATION_ITEM")
	w.build(t, "detail-app DEPENDS_ON detail-db", "ts:Detail-Shop DEPENDS_ON detail-app")
	shop := w.readService(t, w.id(t, "Detail-Shop"))

	const whole = `query($in: ImpactAnalysisInput!, $id: ID!) {
  impactAnalysis(input: $in) {
    roots { ...CIFields }
    impacted { item { ...CIFields ... on Service { id description criticality version createdAt } } }
    graph { nodes { item { ... on ConfigurationItem { description attributes { key value } } } } }
  }
  dependencies(id: $id, depth: 3) { root { ...CIFields } items { item { ...CIFields } } }
}` + ciFields
	type svc struct {
		ID          string  `json:"id"`
		Description *string `json:"description"`
		Criticality string  `json:"criticality"`
		Version     int     `json:"version"`
		CreatedAt   string  `json:"createdAt"`
	}
	var out struct {
		ImpactAnalysis struct {
			Roots    []ciData `json:"roots"`
			Impacted []struct {
				Item json.RawMessage `json:"item"`
			} `json:"impacted"`
			Graph struct {
				Nodes []struct {
					Item ciData `json:"item"`
				} `json:"nodes"`
			} `json:"graph"`
		} `json:"impactAnalysis"`
		Dependencies struct {
			Root  ciData `json:"root"`
			Items []struct {
				Item ciData `json:"item"`
			} `json:"items"`
		} `json:"dependencies"`
	}
	e.ok(t, e.analyst, whole, map[string]any{"in": map[string]any{"ciIds": []string{db.ID}}, "id": app1.ID}, &out)

	ia := out.ImpactAnalysis
	if len(ia.Roots) != 1 || !equalJSON(t, ia.Roots[0], db) {
		t.Errorf("roots = %+v, want the whole %+v", ia.Roots, db)
	}
	if len(ia.Impacted) != 2 {
		t.Fatalf("impacted = %d items, want 2", len(ia.Impacted))
	}
	var gotApp ciData
	var gotShop svc
	if err := json.Unmarshal(ia.Impacted[0].Item, &gotApp); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ia.Impacted[1].Item, &gotShop); err != nil {
		t.Fatal(err)
	}
	if !equalJSON(t, gotApp, app1) {
		t.Errorf("impacted CI = %+v, want the whole %+v", gotApp, app1)
	}
	wantShop := svc{ID: shop.ID, Description: shop.Description, Criticality: shop.Criticality, Version: shop.Version, CreatedAt: shop.CreatedAt}
	if !equalJSON(t, gotShop, wantShop) {
		t.Errorf("impacted service = %+v, want %+v", gotShop, wantShop)
	}
	descriptions := map[string]bool{}
	for _, n := range ia.Graph.Nodes {
		if n.Item.Description != nil {
			descriptions[*n.Item.Description] = true
		}
		if n.Item.Description != nil && *n.Item.Description == "orders" && (len(n.Item.Attributes) != 1 || n.Item.Attributes[0] != (attribute{"engine", "postgres"})) {
			t.Errorf("drawing node of detail-db has attributes %+v", n.Item.Attributes)
		}
	}
	if !descriptions["orders"] || !descriptions["shop"] {
		t.Errorf("drawing nodes carry descriptions %v, want orders and shop", descriptions)
	}
	dep := out.Dependencies
	if !equalJSON(t, dep.Root, app1) || len(dep.Items) != 1 || !equalJSON(t, dep.Items[0].Item, db) {
		t.Errorf("dependencies = %+v, want detail-app whole with detail-db whole", dep)
	}

	// The same answer with names and kinds only.
	const summary = `query($in: ImpactAnalysisInput!) {
  impactAnalysis(input: $in) {
    roots { id name kind ... on ConfigurationItem { type status } }
    impacted { item { __typename id name kind ... on ConfigurationItem { type status } ... on Service { serviceStatus: status serviceKind } } }
  }
}`
	var sum struct {
		ImpactAnalysis struct {
			Roots    []map[string]any `json:"roots"`
			Impacted []struct {
				Item map[string]any `json:"item"`
			} `json:"impacted"`
		} `json:"impactAnalysis"`
	}
	e.ok(t, e.analyst, summary, map[string]any{"in": map[string]any{"ciIds": []string{db.ID}}}, &sum)
	got, _ := json.Marshal(sum.ImpactAnalysis)
	want := `{"roots":[{"id":"` + db.ID + `","kind":"CONFIGURATION_ITEM","name":"detail-db","status":"ACTIVE","type":"DATABASE"}],` +
		`"impacted":[{"item":{"__typename":"ConfigurationItem","id":"` + app1.ID + `","kind":"CONFIGURATION_ITEM","name":"detail-app","status":"MAINTENANCE","type":"APPLICATION"}},` +
		`{"item":{"__typename":"Service","id":"` + shop.ID + `","kind":"TECHNICAL_SERVICE","name":"Detail-Shop","serviceKind":"TECHNICAL","serviceStatus":"LIVE"}}]}`
	if string(got) != want {
		t.Errorf("summary answer:\n got  %s\n want %s", got, want)
	}

	// Names only for the items; the drawing's node types and statuses
	// still come from the records.
	const names = `query($in: ImpactAnalysisInput!) {
  impactAnalysis(input: $in) {
    roots { id name }
    impacted { item { id name kind } distance severity }
    graph { nodes { name type status } }
  }
}`
	var nm struct {
		ImpactAnalysis struct {
			Roots    []map[string]any `json:"roots"`
			Impacted []map[string]any `json:"impacted"`
			Graph    struct {
				Nodes []map[string]any `json:"nodes"`
			} `json:"graph"`
		} `json:"impactAnalysis"`
	}
	e.ok(t, e.analyst, names, map[string]any{"in": map[string]any{"ciIds": []string{db.ID}}}, &nm)
	got, _ = json.Marshal(nm.ImpactAnalysis)
	want = `{"roots":[{"id":"` + db.ID + `","name":"detail-db"}],` +
		`"impacted":[{"distance":1,"item":{"id":"` + app1.ID + `","kind":"CONFIGURATION_ITEM","name":"detail-app"},"severity":"DOWN"},` +
		`{"distance":2,"item":{"id":"` + shop.ID + `","kind":"TECHNICAL_SERVICE","name":"Detail-Shop"},"severity":"DOWN"}],` +
		`"graph":{"nodes":[{"name":"detail-db","status":"ACTIVE","type":"DATABASE"},{"name":"detail-app","status":"MAINTENANCE","type":"APPLICATION"},` +
		`{"name":"Detail-Shop","status":"LIVE","type":"TECHNICAL"}]}}`
	if string(got) != want {
		t.Errorf("names answer:\n got  %s\n want %s", got, want)
	}
}

// equalJSON compares two values by their JSON encodings.
func equalJSON(t testing.TB, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}
