package tests

import (
	"strings"
	"testing"
)

// TestKnowledgeDemoHasArticles: the demo data publishes articles linked to
// demo CIs, one in Chinese that a search for 变更 finds.
func TestKnowledgeDemoHasArticles(t *testing.T) {
	served, token := demoAdmin(t)
	p := served.search(t, token, "变更", nil)
	if len(p.Hits) != 1 || p.Hits[0].Version.State != "PUBLISHED" || !strings.Contains(p.Hits[0].Version.Title, "变更管理") {
		t.Fatalf("demo 变更: %+v", p)
	}
	var out struct {
		L struct {
			TotalCount int `json:"totalCount"`
		} `json:"knowledgeArticles"`
	}
	served.ok(t, token, `{ knowledgeArticles(filter: {states: [PUBLISHED]}) { totalCount } }`, nil, &out)
	if out.L.TotalCount != 3 {
		t.Fatalf("demo published articles: %d", out.L.TotalCount)
	}
	if linked := served.search(t, token, "orders", map[string]any{"f": map[string]any{"states": []string{"PUBLISHED"}}}); len(linked.Hits) != 2 {
		t.Fatalf("demo orders articles: %+v", linked)
	}
	// The demo incidents on orders-app are offered the articles on it and
	// on the database it depends on.
	var incs struct {
		Incidents struct {
			Edges []struct {
				Node struct {
					SuggestedArticles []suggestionData `json:"suggestedArticles"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"incidents"`
	}
	served.ok(t, token, `{ incidents(first: 20) { edges { node { suggestedArticles { `+suggestionFields+` } } } } }`, nil, &incs)
	linked := 0
	for _, e := range incs.Incidents.Edges {
		for _, s := range e.Node.SuggestedArticles {
			if s.GraphScore > 0 && strings.HasPrefix(s.Reason, "linked to orders-") {
				linked++
			}
		}
	}
	if linked == 0 {
		t.Errorf("no demo incident is offered an article linked to its CI: %+v", incs)
	}
}
