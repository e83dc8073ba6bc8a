package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestDemoHasAnSLAWithAnOLAAndAContract: the demo shop is covered by an
// SLA, with the Database Team's OLA and Acme Hosting's contract beneath
// it, both shown beside the SLA in its report.
func TestDemoHasAnSLAWithAnOLAAndAContract(t *testing.T) {
	e := newEnv(t, app.Limits{})
	served := e.at(startServer(t, buildServer(t), []string{"serve"}, "DEMO_DATA=true"))
	analyst := e.mint(t, "demo-test-analyst", auth.Analyst)
	var got struct {
		SLAs struct {
			Edges []struct{ Node named } `json:"edges"`
		} `json:"slas"`
		OLAs struct {
			Edges []struct {
				Node struct {
					Name  string
					Kind  string
					Group struct{ Name, Kind string }
				}
			} `json:"edges"`
		} `json:"olas"`
	}
	served.ok(t, analyst, `{ slas { edges { node { id name } } } olas { edges { node { name kind group { name kind } } } } }`, nil, &got)
	if len(got.SLAs.Edges) != 1 || got.SLAs.Edges[0].Node.Name != "Webshop gold" {
		t.Fatalf("demo SLAs %+v", got.SLAs)
	}
	var olas []string
	for _, ed := range got.OLAs.Edges {
		n := ed.Node
		olas = append(olas, n.Name+" "+n.Kind+" "+n.Group.Name+" "+n.Group.Kind)
	}
	if want := []string{"Acme Hosting contract UNDERPINNING_CONTRACT Acme Hosting VENDOR", "Database Team OLA OLA Database Team TEAM"}; !slices.Equal(olas, want) {
		t.Fatalf("demo OLAs %v", olas)
	}
	var rep struct {
		SLAReport struct {
			Underpinning []struct{ OLA named } `json:"underpinning"`
		} `json:"slaReport"`
	}
	served.ok(t, analyst, `query($id: ID!) { slaReport(slaId: $id, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { underpinning { ola { id name } } } }`,
		map[string]any{"id": got.SLAs.Edges[0].Node.ID}, &rep)
	if len(rep.SLAReport.Underpinning) != 2 {
		t.Fatalf("underpinning beside the demo SLA: %+v", rep.SLAReport.Underpinning)
	}
}
