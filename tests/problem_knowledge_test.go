package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

const publishKnownErrorMutation = articleFields + `
mutation($in: PublishKnownErrorInput!) { publishKnownError(input: $in) { created article { ...A } } }`

// TestPublishKnownError: a problem manager publishes a known error's
// workaround as a KNOWN_ERROR article, submitted for review and linked to
// the problem and its CI; a retry writes nothing new; once a knowledge
// manager publishes it, requesters find the workaround and an agent working
// an incident on a dependent application is offered it. A problem without
// a workaround, and a caller who is not a problem manager, are refused.
func TestPublishKnownError(t *testing.T) {
	e, w, team := newProblemEnv(t, app.Limits{})
	kbManager := e.mint(t, "e2e-ke-kb-manager", auth.KnowledgeManager)
	prb, _ := e.createProblem(t, team.manager, map[string]any{"title": "orders db pool exhausted", "impact": "HIGH", "urgency": "HIGH",
		"configurationItemIds": []string{w.id(t, "orders-db")}})
	publish := func(token string, audience string) (articleData, bool) {
		var out struct {
			P struct {
				Created bool        `json:"created"`
				Article articleData `json:"article"`
			} `json:"publishKnownError"`
		}
		e.ok(t, token, publishKnownErrorMutation, map[string]any{"in": map[string]any{"problemId": prb.ID, "audience": audience}}, &out)
		return out.P.Article, out.P.Created
	}
	r := e.fail(t, team.manager, publishKnownErrorMutation, map[string]any{"in": map[string]any{"problemId": prb.ID}}, "BAD_USER_INPUT")
	if !strings.Contains(r.Errors[0].Message, "problemId") || !strings.Contains(r.Errors[0].Message, "without a workaround") {
		t.Errorf("a NEW problem: %q", r.Errors[0].Message)
	}
	prb = e.transitionProblem(t, team.manager, prb, "INVESTIGATING", nil)
	prb = e.transitionProblem(t, team.manager, prb, "KNOWN_ERROR", map[string]any{"rootCause": "a leak in the pool", "workaround": "recycle the pool every hour"})
	e.fail(t, team.agent, publishKnownErrorMutation, map[string]any{"in": map[string]any{"problemId": prb.ID}}, "FORBIDDEN")

	a, created := publish(team.manager, "PUBLIC")
	c := a.Current
	if !created || c.Type != "KNOWN_ERROR" || c.State != "IN_REVIEW" || c.Audience != "PUBLIC" || !slices.Equal(c.ProblemIDs, []string{prb.ID}) ||
		!slices.Equal(c.CIIDs, []string{w.id(t, "orders-db")}) || c.Body == nil || !strings.Contains(*c.Body, "recycle the pool every hour") ||
		!strings.Contains(*c.Body, "a leak in the pool") || !strings.Contains(c.Title, prb.Number) {
		t.Fatalf("article = %+v (created %v)", a, created)
	}
	if again, created := publish(team.manager, "PUBLIC"); created || again.ID != a.ID {
		t.Errorf("retry: %s created %v, want %s again", again.ID, created, a.ID)
	}
	e.moveArticle(t, kbManager, a, "PUBLISHED")
	var listed struct {
		KnowledgeArticles struct {
			Edges []struct{ Node named } `json:"edges"`
		} `json:"knowledgeArticles"`
	}
	e.ok(t, team.agent, `query($p: ID!) { knowledgeArticles(filter: {problemId: $p}) { edges { node { id } } } }`, map[string]any{"p": prb.ID}, &listed)
	if l := listed.KnowledgeArticles.Edges; len(l) != 1 || l[0].Node.ID != a.ID {
		t.Errorf("the problem's articles = %+v, want its known error's", l)
	}

	page := e.search(t, team.requester, "recycle pool", nil)
	if ids := page.articleIDs(); !slices.Equal(ids, []string{a.ID}) {
		t.Errorf("requester search = %v, want the known error's article", ids)
	}
	inc := e.deskIncident(t, team, "orders failing", []string{w.id(t, "orders-app")})
	var out struct {
		Incident struct {
			SuggestedArticles []suggestionData `json:"suggestedArticles"`
		} `json:"incident"`
	}
	e.ok(t, team.agent, `query($id: ID!) { incident(id: $id) { suggestedArticles { `+suggestionFields+` } } }`, map[string]any{"id": inc.ID}, &out)
	if s := out.Incident.SuggestedArticles; len(s) == 0 || s[0].Article.ID != a.ID || s[0].Item == nil || s[0].Item.Name != "orders-db" {
		t.Errorf("suggestions = %+v, want the known error's article through orders-db", s)
	}
}
