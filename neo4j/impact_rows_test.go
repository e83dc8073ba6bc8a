package neo4j_test

import (
	"fmt"
	"testing"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/impact"
)

// TestReachAcrossSeveralRows checks that a reach larger than one result
// row (1000 items) comes back whole, in both details and both directions:
// 2,500 applications run on one host.
func TestReachAcrossSeveralRows(t *testing.T) {
	f := setup(t)
	const n = 2500
	items := []cmdb.ImportItem{{ExternalID: "host", Name: "host", Type: cmdb.TypeServer}}
	var rels []cmdb.ImportRelationship
	for i := range n - 1 {
		ext := fmt.Sprintf("app-%04d", i)
		items = append(items, cmdb.ImportItem{ExternalID: ext, Name: ext, Type: cmdb.TypeApplication})
		rels = append(rels, cmdb.ImportRelationship{SourceExternalID: ext, Type: "RUNS_ON", TargetExternalID: "host"})
	}
	rep, err := f.svc.Import(f.ctx, auth.Principal{Subject: "tester"}, cmdb.ImportInput{Source: "rows", Items: items, Relationships: rels})
	if err != nil || len(rep.Errors) > 0 || rep.Created != n || rep.RelationshipsCreated != n-1 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	idOf, err := f.store.CMDB().SourceCIs(f.ctx, "rows")
	if err != nil {
		t.Fatal(err)
	}
	im := f.store.Impact()
	for _, detail := range []impact.Detail{impact.WholeItems, impact.Summaries, impact.Names} {
		down, err := im.Reach(f.ctx, []string{idOf["host"]}, 3, false, detail)
		if err != nil {
			t.Fatal(err)
		}
		if len(down) != n {
			t.Errorf("detail %d: downstream of the host has %d items, want %d", detail, len(down), n)
		}
		for ext, id := range idOf {
			node := down[id]
			if node == nil || impact.NameOf(node.Item) != ext {
				t.Fatalf("detail %d: %s is missing or misnamed: %+v", detail, ext, node)
			}
			if ext != "host" && (len(node.Out) != 0 || len(down[idOf["host"]].Out) != n-1) {
				t.Fatalf("detail %d: steps of %s: %d, of the host: %d", detail, ext, len(node.Out), len(down[idOf["host"]].Out))
			}
		}
		up, err := im.Reach(f.ctx, []string{idOf["app-0042"]}, 3, true, detail)
		if err != nil {
			t.Fatal(err)
		}
		if len(up) != 2 || up[idOf["host"]] == nil {
			t.Errorf("detail %d: upstream of app-0042 = %d items, want it and the host", detail, len(up))
		}
	}
	// A neighbourhood keeps the nearest first, across rows too, with the
	// steps between kept items only.
	around, reached, err := im.Neighbourhood(f.ctx, idOf["host"], 1, []string{"RUNS_ON"}, impact.MaxNeighbourhoodFirst, impact.RetiredStatuses())
	if err != nil {
		t.Fatal(err)
	}
	if len(around) != impact.MaxNeighbourhoodFirst+1 || reached != n-1 {
		t.Errorf("neighbourhood of the host has %d items of %d reached, want %d of %d", len(around), reached, impact.MaxNeighbourhoodFirst+1, n-1)
	}
	if host := around[idOf["host"]]; host == nil || len(host.Out) != impact.MaxNeighbourhoodFirst {
		t.Errorf("the host's steps in its neighbourhood: %+v", host)
	}
}
