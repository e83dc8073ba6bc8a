package tests

import (
	"strings"
	"testing"
)

type suggestionData struct {
	Score      float64 `json:"score"`
	TextScore  float64 `json:"textScore"`
	GraphScore float64 `json:"graphScore"`
	Distance   int     `json:"distance"`
	Reason     string  `json:"reason"`
	Article    struct {
		ID string `json:"id"`
	} `json:"article"`
	Item *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"item"`
	Path []gEdge `json:"path"`
}

const suggestionFields = `score textScore graphScore distance reason article { id } item { id name } path { id type sourceId targetId }`

// TestSuggestedArticlesForAnIncident: an agent working an incident on
// orders-app sees first the article on orders-app itself, then the one on
// the database it depends on (with the path and the hop in the reason),
// the one on its service, and last one only its words match; an article
// neither the words nor the graph connect is not offered. A requester
// filling in a ticket is offered public articles by their words alone.
func TestSuggestedArticlesForAnIncident(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	onApp := e.publishArticle(t, team, map[string]any{"title": "Restart the orders application", "body": "When orders stall, restart the app.",
		"configurationItemIds": []string{w.id(t, "orders-app")}})
	onDB := e.publishArticle(t, team, map[string]any{"title": "Database connection pool exhausted", "body": "A timeout connecting to the database means the pool is exhausted.",
		"configurationItemIds": []string{w.id(t, "orders-db")}})
	onService := e.publishArticle(t, team, map[string]any{"title": "Orders service runbook", "body": "Who to call.",
		"serviceIds": []string{w.id(t, "Orders")}})
	wordsOnly := e.publishArticle(t, team, map[string]any{"title": "Cache timeout tuning", "body": "Raise the cache timeout.",
		"configurationItemIds": []string{w.id(t, "cache")}})
	unrelated := e.publishArticle(t, team, map[string]any{"title": "Payroll export", "body": "Monthly steps.",
		"configurationItemIds": []string{w.id(t, "hr-app")}})
	public := e.publishArticle(t, team, map[string]any{"title": "Reset your password", "body": "Use the self-service timeout page.", "audience": "PUBLIC"})

	inc, _ := e.createIncident(t, e.agent, map[string]any{"shortDescription": "orders-app timeout connecting to the database", "impact": "MEDIUM", "urgency": "MEDIUM",
		"configurationItemIds": []string{w.id(t, "orders-app")}, "serviceIds": []string{w.id(t, "Orders")}})
	var out struct {
		Incident struct {
			SuggestedArticles []suggestionData `json:"suggestedArticles"`
		} `json:"incident"`
	}
	e.ok(t, team.agent, `query($id: ID!) { incident(id: $id) { suggestedArticles(first: 10) { `+suggestionFields+` } } }`, map[string]any{"id": inc.ID}, &out)
	got := out.Incident.SuggestedArticles
	order := map[string]int{}
	for i, s := range got {
		order[s.Article.ID] = i + 1
		if s.Score < 0 || s.Score > 1 || s.Score != 0.5*s.TextScore+0.5*s.GraphScore {
			t.Errorf("%s: score %v of text %v and graph %v", s.Article.ID, s.Score, s.TextScore, s.GraphScore)
		}
	}
	if order[onApp.ID] != 1 || order[onDB.ID] == 0 || order[onService.ID] == 0 || order[wordsOnly.ID] == 0 || order[unrelated.ID] != 0 {
		t.Fatalf("order %v: want the app's article first, the db's, the service's and the cache's, and not payroll", order)
	}
	if order[onDB.ID] > order[wordsOnly.ID] {
		t.Errorf("the db article (graph and words) ranks after the cache one (words only): %v", order)
	}
	db := got[order[onDB.ID]-1]
	if db.GraphScore != 0.5 || db.Distance != 1 || db.Item == nil || db.Item.Name != "orders-db" || w.path(db.Path) != "orders-app-DEPENDS_ON->orders-db" ||
		!strings.Contains(db.Reason, "linked to orders-db, which orders-app depends on, 1 hop") || db.TextScore == 0 {
		t.Errorf("db suggestion = %+v", db)
	}
	if s := got[order[onService.ID]-1]; s.GraphScore != 0.5 || s.Item == nil || s.Item.Name != "Orders" || !strings.Contains(s.Reason, "service") {
		t.Errorf("service suggestion = %+v", s)
	}
	if s := got[order[wordsOnly.ID]-1]; s.GraphScore != 0 || s.Item != nil || !strings.Contains(s.Reason, "its text matches") {
		t.Errorf("words-only suggestion = %+v", s)
	}

	// A requester writing a ticket: the words only, public articles only,
	// however many CIs they name.
	var req struct {
		SuggestKnowledge []suggestionData `json:"suggestKnowledge"`
	}
	e.ok(t, team.requester, `query($t: String!, $cis: [ID!]) { suggestKnowledge(text: $t, configurationItemIds: $cis) { `+suggestionFields+` } }`,
		map[string]any{"t": "timeout on the orders database", "cis": []string{w.id(t, "orders-app")}}, &req)
	if s := req.SuggestKnowledge; len(s) != 1 || s[0].Article.ID != public.ID || s[0].GraphScore != 0 {
		t.Errorf("requester suggestions = %+v, want the public article alone", s)
	}
}

// TestSuggestKnowledgeBadInput: a ticket's text is cut, never refused, and
// carries no index syntax; the bounds name their limit.
func TestSuggestKnowledgeBadInput(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	a := e.publishArticle(t, team, map[string]any{"title": "Disk full on the database server", "body": "Free space."})
	long := "title:* AND \"disk (( OR \\ " + strings.Repeat("database ", 2000)
	var out struct {
		SuggestKnowledge []suggestionData `json:"suggestKnowledge"`
	}
	e.ok(t, team.agent, `query($t: String!) { suggestKnowledge(text: $t) { `+suggestionFields+` } }`, map[string]any{"t": long}, &out)
	if len(out.SuggestKnowledge) != 1 || out.SuggestKnowledge[0].Article.ID != a.ID {
		t.Errorf("suggestions for a long text with syntax = %+v", out.SuggestKnowledge)
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = w.id(t, "orders-app")
	}
	for _, c := range []struct {
		vars       map[string]any
		code, says string
	}{
		{map[string]any{"t": "disk", "first": 0}, "BAD_USER_INPUT", "between 1 and 50"},
		{map[string]any{"t": "disk", "cis": many}, "BAD_USER_INPUT", "at most 20"},
		{map[string]any{"t": "disk", "cis": []string{"ci_missing"}}, "NOT_FOUND", "ci_missing"},
	} {
		r := e.fail(t, team.agent, `query($t: String!, $first: Int, $cis: [ID!]) { suggestKnowledge(text: $t, first: $first, configurationItemIds: $cis) { score } }`, c.vars, c.code)
		if !strings.Contains(r.Errors[0].Message, c.says) {
			t.Errorf("%v: %+v, want an error saying %q", c.vars, r.Errors, c.says)
		}
	}
}

// TestRequesterSuggestionsHideLinks: a public article suggested to a
// requester shows its published text, and none of the CIs, services or
// owner group it is linked to, as everywhere else a requester reads it.
func TestRequesterSuggestionsHideLinks(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	a := e.publishArticle(t, team, map[string]any{"title": "Printer jams on floor two", "body": "Open tray B.", "audience": "PUBLIC",
		"configurationItemIds": []string{w.id(t, "orders-db")}, "serviceIds": []string{w.id(t, "Orders")}})
	var out struct {
		SuggestKnowledge []struct {
			Article struct{ ID string }
			Version struct {
				Title                string
				State                string
				ConfigurationItemIds []string
				ServiceIds           []string
				OwnerGroupID         *string `json:"ownerGroupId"`
			}
		} `json:"suggestKnowledge"`
	}
	e.ok(t, team.requester, `{ suggestKnowledge(text: "printer jams") { article { id } version { title state configurationItemIds serviceIds ownerGroupId } } }`, nil, &out)
	if s := out.SuggestKnowledge; len(s) != 1 || s[0].Article.ID != a.ID || s[0].Version.Title != "Printer jams on floor two" || s[0].Version.State != "PUBLISHED" ||
		len(s[0].Version.ConfigurationItemIds)+len(s[0].Version.ServiceIds) != 0 || s[0].Version.OwnerGroupID != nil {
		t.Errorf("requester suggestion = %+v, want the published text without links", s)
	}
}
