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
}
