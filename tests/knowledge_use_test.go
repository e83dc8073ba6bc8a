package tests

import (
	"strings"
	"testing"
)

// TestArticleResolvedWith: an agent cites the article that helped on an
// incident; once the incident is resolved the article counts it. Citing an
// article that does not exist is NOT_FOUND and changes nothing.
func TestArticleResolvedWith(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	a := e.publishArticle(t, team, map[string]any{"title": "Free disk space on orders-db", "configurationItemIds": []string{w.id(t, "orders-db")}})
	inc, _ := e.createIncident(t, team.agent, map[string]any{"shortDescription": "orders-db disk full", "impact": "LOW", "urgency": "LOW",
		"configurationItemIds": []string{w.id(t, "orders-db")}})
	const link = `mutation($in: LinkIncidentInput!) { linkIncident(input: $in) { incident { id version knowledgeArticleIds } } }`
	r := e.fail(t, team.agent, link, map[string]any{"in": map[string]any{"id": inc.ID, "expectedVersion": inc.Version, "knowledgeArticleIds": []string{a.ID, "kba_missing"}}}, "NOT_FOUND")
	if !strings.Contains(r.Errors[0].Message, "knowledgeArticleIds") || !strings.Contains(r.Errors[0].Message, "kba_missing") {
		t.Errorf("unknown article: %q", r.Errors[0].Message)
	}
	if got := e.readIncident(t, team.agent, inc.ID); got.Version != inc.Version {
		t.Fatalf("a refused link wrote version %d", got.Version)
	}
	count := func() int {
		var out struct {
			KnowledgeArticle struct {
				ResolvedIncidentCount int `json:"resolvedIncidentCount"`
			} `json:"knowledgeArticle"`
		}
		e.ok(t, team.agent, `query($id: ID!) { knowledgeArticle(id: $id) { resolvedIncidentCount } }`, map[string]any{"id": a.ID}, &out)
		return out.KnowledgeArticle.ResolvedIncidentCount
	}
	inc = e.incidentWrite(t, team.agent, link, "linkIncident", map[string]any{"id": inc.ID, "expectedVersion": inc.Version, "knowledgeArticleIds": []string{a.ID}})
	if n := count(); n != 0 {
		t.Errorf("an open incident counts: %d", n)
	}
	inc = e.transitionIncident(t, team.agent, inc, "RESOLVED", map[string]any{"resolutionCode": "FIXED", "resolutionNotes": "followed " + a.Number})
	if n := count(); n != 1 {
		t.Errorf("resolved with it: %d, want 1", n)
	}
}
