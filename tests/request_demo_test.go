package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestRequestDemoHasAMenuAndRequests: the demo data offers a laptop, a
// software licence and VPN access, and holds requests waiting for
// approval, rejected, in fulfilment and closed with a survey.
func TestRequestDemoHasAMenuAndRequests(t *testing.T) {
	e := newEnv(t, app.Limits{})
	p := startServer(t, buildServer(t), []string{"serve"}, "DEMO_DATA=true")
	served := e.at(p)
	owner := e.mint(t, "demo-test-owner", auth.ServiceOwner)
	var menu struct {
		CatalogueItems []named `json:"catalogueItems"`
	}
	served.ok(t, owner, `{ catalogueItems { id name } }`, nil, &menu)
	if got := names(menu.CatalogueItems); !slices.Equal(got, []string{"Laptop", "Software licence", "VPN access"}) {
		t.Fatalf("demo menu: %v", got)
	}
	var users struct {
		Users struct {
			Edges []struct {
				Node struct {
					ID       string `json:"id"`
					Username string `json:"username"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"users"`
	}
	served.ok(t, served.admin, `{ users(first: 100) { edges { node { id username } } } }`, nil, &users)
	ids := map[string]string{}
	for _, u := range users.Users.Edges {
		ids[u.Node.Username] = u.Node.ID
	}
	var mine struct {
		MyRequests struct {
			Edges []struct {
				Node struct {
					State string `json:"state"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"myRequests"`
	}
	states := func(user string) []string {
		served.ok(t, e.mint(t, ids[user], auth.Requester), `{ myRequests { edges { node { state } } } }`, nil, &mine)
		var out []string
		for _, r := range mine.MyRequests.Edges {
			out = append(out, r.Node.State)
		}
		slices.Sort(out)
		return out
	}
	if got := states("rita"); !slices.Equal(got, []string{"IN_FULFILMENT", "PENDING_APPROVAL", "REJECTED"}) {
		t.Errorf("rita's demo requests: %v", got)
	}
	if got := states("fiona"); !slices.Equal(got, []string{"CLOSED"}) {
		t.Errorf("fiona's demo requests: %v", got)
	}
	var window struct {
		Past, Future struct{ TotalCount int }
	}
	served.ok(t, e.mint(t, ids["rita"], auth.Requester), `{ past: myRequests(updated: {before: "2999-01-01T00:00:00Z"}) { totalCount }
  future: myRequests(created: {from: "2999-01-01T00:00:00Z"}) { totalCount } }`, nil, &window)
	if window.Past.TotalCount != 3 || window.Future.TotalCount != 0 {
		t.Errorf("rita's requests modified before 2999: %d, created from 2999: %d; want 3 and 0", window.Past.TotalCount, window.Future.TotalCount)
	}
}
