package tests

import (
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// articleFields is what the knowledge tests read of an article.
const articleFields = `
fragment V on KnowledgeArticleVersion {
  number state title summary body keywords category type audience language
  configurationItemIds serviceIds problemIds incidentIds changeIds authors approvedBy approvedAt helpfulCount unhelpfulCount
}
fragment A on KnowledgeArticle {
  id number version viewCount allowedTransitions
  current { ...V } published { ...V } versions { ...V }
  history { field versionNumber from to actor }
}`

type versionData struct {
	Number         int      `json:"number"`
	State          string   `json:"state"`
	Title          string   `json:"title"`
	Summary        *string  `json:"summary"`
	Body           *string  `json:"body"`
	Keywords       []string `json:"keywords"`
	Type           string   `json:"type"`
	Audience       string   `json:"audience"`
	CIIDs          []string `json:"configurationItemIds"`
	ServiceIDs     []string `json:"serviceIds"`
	ProblemIDs     []string `json:"problemIds"`
	IncidentIDs    []string `json:"incidentIds"`
	ChangeIDs      []string `json:"changeIds"`
	Authors        []string `json:"authors"`
	ApprovedBy     *string  `json:"approvedBy"`
	ApprovedAt     *string  `json:"approvedAt"`
	HelpfulCount   int      `json:"helpfulCount"`
	UnhelpfulCount int      `json:"unhelpfulCount"`
}

type articleData struct {
	ID                 string        `json:"id"`
	Number             string        `json:"number"`
	Version            int           `json:"version"`
	ViewCount          int           `json:"viewCount"`
	AllowedTransitions []string      `json:"allowedTransitions"`
	Current            versionData   `json:"current"`
	Published          *versionData  `json:"published"`
	Versions           []versionData `json:"versions"`
	History            []struct {
		Field         string  `json:"field"`
		VersionNumber int     `json:"versionNumber"`
		From          *string `json:"from"`
		To            *string `json:"to"`
		Actor         string  `json:"actor"`
	} `json:"history"`
}

const (
	createArticleMutation = articleFields + `
mutation($in: CreateKnowledgeArticleInput!) { createKnowledgeArticle(input: $in) { created article { ...A } } }`
	updateArticleMutation = articleFields + `
mutation($in: UpdateKnowledgeArticleInput!) { updateKnowledgeArticle(input: $in) { article { ...A } } }`
	transitionArticleMutation = articleFields + `
mutation($in: TransitionKnowledgeArticleInput!) { transitionKnowledgeArticle(input: $in) { article { ...A } } }`
	articleQuery = articleFields + `
query($id: ID!) { knowledgeArticle(id: $id) { ...A } }`
	searchQuery = `
query($q: String!, $f: KnowledgeArticleFilter, $first: Int, $after: String) {
  searchKnowledge(query: $q, filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { score snippet article { id number } version { number state title audience } } } } }`
	articlesQuery = `
query($f: KnowledgeArticleFilter) { knowledgeArticles(filter: $f, first: 50) { totalCount edges { node { id number current { state title } } } } }`
)

// kbTeam holds the people of the knowledge tests.
type kbTeam struct {
	author, manager, manager2, agent, analyst, requester, problemManager string
}

const (
	subjKBAuthor  = "e2e-kb-author"
	subjKBManager = "e2e-kb-manager"
)

// newKnowledgeEnv serves the API on the change world (for CIs and
// services to link), open to subscriptions from okOrigin.
func newKnowledgeEnv(t *testing.T) (*env, *world, kbTeam) {
	t.Helper()
	e := newEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	w := changeWorld(t, e)
	return e, w, kbTeam{
		author:         e.mint(t, subjKBAuthor, auth.Agent),
		manager:        e.mint(t, subjKBManager, auth.KnowledgeManager),
		manager2:       e.mint(t, "e2e-kb-manager-2", auth.KnowledgeManager),
		agent:          e.mint(t, "e2e-kb-agent", auth.Agent),
		analyst:        e.mint(t, "e2e-kb-analyst", auth.Analyst),
		requester:      e.mint(t, "e2e-kb-requester", auth.Requester),
		problemManager: e.mint(t, "e2e-kb-problem-manager", auth.ProblemManager),
	}
}

func (e *env) createArticle(t testing.TB, token string, in map[string]any) (articleData, bool) {
	t.Helper()
	var out struct {
		C struct {
			Created bool        `json:"created"`
			Article articleData `json:"article"`
		} `json:"createKnowledgeArticle"`
	}
	e.ok(t, token, createArticleMutation, map[string]any{"in": in}, &out)
	return out.C.Article, out.C.Created
}

func (e *env) updateArticle(t testing.TB, token string, a articleData, in map[string]any) articleData {
	t.Helper()
	in["id"], in["expectedVersion"] = a.ID, a.Version
	var out struct {
		U struct {
			Article articleData `json:"article"`
		} `json:"updateKnowledgeArticle"`
	}
	e.ok(t, token, updateArticleMutation, map[string]any{"in": in}, &out)
	return out.U.Article
}

func (e *env) moveArticle(t testing.TB, token string, a articleData, to string) articleData {
	t.Helper()
	var out struct {
		T struct {
			Article articleData `json:"article"`
		} `json:"transitionKnowledgeArticle"`
	}
	e.ok(t, token, transitionArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "to": to}}, &out)
	return out.T.Article
}

// publishArticle writes an article as the author and has the manager
// publish it.
func (e *env) publishArticle(t testing.TB, team kbTeam, in map[string]any) articleData {
	t.Helper()
	a, _ := e.createArticle(t, team.author, in)
	a = e.moveArticle(t, team.author, a, "IN_REVIEW")
	return e.moveArticle(t, team.manager, a, "PUBLISHED")
}

func (e *env) article(t testing.TB, token, id string) articleData {
	t.Helper()
	var out struct {
		A articleData `json:"knowledgeArticle"`
	}
	e.ok(t, token, articleQuery, map[string]any{"id": id}, &out)
	return out.A
}

type searchHit struct {
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet"`
	Article struct {
		ID     string `json:"id"`
		Number string `json:"number"`
	} `json:"article"`
	Version struct {
		Number   int    `json:"number"`
		State    string `json:"state"`
		Title    string `json:"title"`
		Audience string `json:"audience"`
	} `json:"version"`
}

type searchPage struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage bool   `json:"hasNextPage"`
		EndCursor   string `json:"endCursor"`
	} `json:"pageInfo"`
	Hits []searchHit
}

func (e *env) search(t testing.TB, token, q string, vars map[string]any) searchPage {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["q"] = q
	var out struct {
		S struct {
			searchPage
			Edges []struct {
				Node searchHit `json:"node"`
			} `json:"edges"`
		} `json:"searchKnowledge"`
	}
	e.ok(t, token, searchQuery, vars, &out)
	p := out.S.searchPage
	for _, ed := range out.S.Edges {
		p.Hits = append(p.Hits, ed.Node)
	}
	return p
}

// articleIDs lists the articles of hits, in order.
func (p searchPage) articleIDs() []string {
	var out []string
	for _, h := range p.Hits {
		out = append(out, h.Article.ID)
	}
	return out
}
