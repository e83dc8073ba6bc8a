package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/neo4j"
)

// knowledgeArticles is how many articles the knowledge rows search, each
// published and linked to one CI spread evenly over the estate; one in
// five is public.
const knowledgeArticles = 10_000

const (
	createArticleMutation = `mutation($in: CreateKnowledgeArticleInput!) { createKnowledgeArticle(input: $in) { article { id version } } }`
	moveArticleMutation   = `mutation($in: TransitionKnowledgeArticleInput!) { transitionKnowledgeArticle(input: $in) { article { id version } } }`
)

// topicWords are what the generated articles are about: the words of
// operations runbooks, and a few Chinese terms of the brief. Each article
// has three of them; the rest of its text is filler words, so that a
// search matches a few hundred articles of the ten thousand, as in a real
// knowledge base, rather than all of them.
var topicWords = strings.Fields(`database connection timeout pool exhausted restart service application server
disk full memory leak cpu load network latency packet loss dns resolution certificate expired renewal
backup restore replication lag failover cluster node storage volume mount permission denied login
password reset account locked vpn tunnel firewall rule port proxy cache eviction queue backlog
consumer producer deadlock index rebuild query slow plan upgrade patch rollback deploy release
configuration drift monitoring alert threshold log rotation retention archive batch job schedule
printer driver laptop email mailbox quota licence software install uninstall browser plugin
变更 变更管理 事件 问题 知识 服务 配置 数据库 网络 故障`)

// fillerWords are made-up words, used with a skewed frequency as natural
// text is.
var fillerWords = func() []string {
	syllables := strings.Fields("ka lo mi ne ru sa to vi de pa zo fu ri ba te no")
	out := make([]string, 0, 4096)
	for _, a := range syllables {
		for _, b := range syllables {
			for _, c := range syllables {
				out = append(out, a+b+c)
			}
		}
	}
	return out
}()

// articleText writes n words: one in ten from topic, the rest filler.
func articleText(r *rand.Rand, zipf *rand.Zipf, topic []string, n int) string {
	w := make([]string, n)
	for i := range w {
		if r.IntN(10) == 0 {
			w[i] = topic[r.IntN(len(topic))]
		} else {
			w[i] = fillerWords[zipf.Uint64()]
		}
	}
	return strings.Join(w, " ")
}

// writeArticles writes n articles through the API, each linked to one CI
// taken at even steps from ciIDs, and has a knowledge manager publish
// each: author, submit, publish.
func (b *bench) writeArticles(ctx context.Context, author, manager *graphqlClient, ciIDs []string, n int) error {
	return spread(ciIDs, n, func(i int, ci string) error {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		zipf := rand.NewZipf(r, 1.1, 2, uint64(len(fillerWords)-1))
		topic := make([]string, 3)
		for j := range topic {
			topic[j] = topicWords[r.IntN(len(topicWords))]
		}
		audience := "INTERNAL"
		if i%5 == 0 {
			audience = "PUBLIC"
		}
		a, err := articleWrite(ctx, author, createArticleMutation, map[string]any{
			"title": strings.Join(topic, " ") + " " + articleText(r, zipf, topic, 3), "summary": articleText(r, zipf, topic, 20),
			"body": articleText(r, zipf, topic, 150), "keywords": topic, "audience": audience, "configurationItemIds": []string{ci}})
		if err == nil {
			a, err = articleWrite(ctx, author, moveArticleMutation, map[string]any{"id": a.ID, "expectedVersion": a.Version, "to": "IN_REVIEW"})
		}
		if err == nil {
			_, err = articleWrite(ctx, manager, moveArticleMutation, map[string]any{"id": a.ID, "expectedVersion": a.Version, "to": "PUBLISHED"})
		}
		return err
	})
}

// writtenArticle is what an article mutation answers that the next one
// needs.
type writtenArticle struct {
	ID      string
	Version int
}

// articleWrite runs one article mutation (its payload's only field holds
// the article) with in as its input.
func articleWrite(ctx context.Context, g *graphqlClient, mutation string, in map[string]any) (writtenArticle, error) {
	data, err := g.post(ctx, mutation, map[string]any{"in": in})
	if err != nil {
		return writtenArticle{}, err
	}
	var out map[string]struct{ Article writtenArticle }
	if err := decodeData(data, &out); err != nil {
		return writtenArticle{}, err
	}
	for _, p := range out {
		return p.Article, nil
	}
	return writtenArticle{}, fmt.Errorf("no article in %s", data)
}

// suggestionIncident opens the incident whose suggestions are timed, on
// the median start.
func suggestionIncident(ctx context.Context, g *graphqlClient, ci string) (string, error) {
	data, err := g.post(ctx, createIncidentMutation, map[string]any{"in": map[string]any{
		"shortDescription": "database connection timeout", "description": "the application server reports a pool exhausted after the upgrade",
		"impact": "MEDIUM", "urgency": "MEDIUM", "configurationItemIds": []string{ci}}})
	if err != nil {
		return "", err
	}
	var out struct {
		CreateIncident struct{ Incident struct{ ID string } } `json:"createIncident"`
	}
	err = decodeData(data, &out)
	return out.CreateIncident.Incident.ID, err
}

const searchRead = `query($q: String!) {
  searchKnowledge(query: $q, first: 20) { edges { node { score snippet article { id number } version { title } } } } }`

// rawSearch is the same page as one statement: the index's best matches
// among the versions the reader may see, their filter inside the index
// query (see rawIndexQuery), with what a snippet is cut from.
var rawSearch = `CALL db.index.fulltext.queryNodes('` + neo4j.ArticleSearchIndex + `', $q, {limit: 20}) YIELD node AS v, score
RETURN v.id AS id, v.articleId AS article, v.number AS number, v.title AS title, v.summary AS summary, v.body AS body, score
ORDER BY score DESC, v.id`

// rawIndexQuery is words looked for in the text fields, with the reader's
// states and audiences required (weighing nothing) as the index holds
// them.
func rawIndexQuery(words string, states, audiences []string) string {
	q := fmt.Sprintf("+(title:(%[1]s) summary:(%[1]s) body:(%[1]s) keywordsText:(%[1]s))", words)
	for field, values := range map[string][]string{"state": states, "audience": audiences} {
		if len(values) > 0 {
			q += " +(" + field + ":" + strings.ToLower(strings.Join(values, " "+field+":")) + ")^0"
		}
	}
	return q
}

const suggestRead = `query($id: ID!) {
  incident(id: $id) { suggestedArticles(first: 5) { score textScore graphScore reason article { id number } item { id } } } }`

// rawSuggest is the same answer as the statements a developer would run:
// the incident's CIs, what they depend on within 3 steps, the published
// articles about any of those, and the best published full-text matches of
// its words.
var rawSuggest = []string{
	`MATCH (i:Incident {id: $incident})-[:AFFECTS]->(c:CI)
MATCH p = ANY SHORTEST (c)<-[:IMPACTS]-{0,3}(x:Item)
WITH collect(DISTINCT x) AS near
UNWIND near AS x
MATCH (x)<-[:ABOUT]-(v:ArticleVersion) WHERE v.state = 'PUBLISHED'
RETURN DISTINCT v.id AS id, v.articleId AS article, v.title AS title LIMIT 100`,
	`CALL db.index.fulltext.queryNodes('` + neo4j.ArticleSearchIndex + `', $q, {limit: 100}) YIELD node AS v, score
RETURN v.id AS id, v.articleId AS article, v.title AS title, score`,
}

// knowledgeCases are the knowledge rows: a staff search, a requester's
// search (public articles only) and an incident's suggestions.
func knowledgeCases(staff, requester *graphqlClient, incident string) []struct {
	g *graphqlClient
	c readCase
} {
	const words = "database connection timeout"
	hits := func(data []byte) (int, error) {
		var r struct {
			SearchKnowledge struct{ Edges []any } `json:"searchKnowledge"`
		}
		err := decodeData(data, &r)
		return len(r.SearchKnowledge.Edges), err
	}
	rows := func(recs [][]*driver.Record) int { return len(recs[0]) }
	published := []string{"DRAFT", "IN_REVIEW", "PUBLISHED"}
	return []struct {
		g *graphqlClient
		c readCase
	}{
		{staff, readCase{name: fmt.Sprintf("searchKnowledge over %d articles, staff", knowledgeArticles), query: searchRead,
			vars: map[string]any{"q": words}, raw: []string{rawSearch}, params: map[string]any{"q": rawIndexQuery(words, published, nil)},
			rows: hits, rawRows: rows}},
		{requester, readCase{name: fmt.Sprintf("searchKnowledge over %d articles, requester", knowledgeArticles), query: searchRead,
			vars: map[string]any{"q": words}, raw: []string{rawSearch}, params: map[string]any{"q": rawIndexQuery(words, []string{"PUBLISHED"}, []string{"PUBLIC"})},
			rows: hits, rawRows: rows}},
		{staff, readCase{name: "suggestedArticles for an incident on the median start", query: suggestRead,
			vars: map[string]any{"id": incident}, raw: rawSuggest,
			params: map[string]any{"incident": incident, "q": rawIndexQuery("database connection timeout the application server reports a pool exhausted after the upgrade", []string{"PUBLISHED"}, nil)},
			rows: func(data []byte) (int, error) {
				var r struct {
					Incident struct{ SuggestedArticles []any } `json:"incident"`
				}
				err := decodeData(data, &r)
				return len(r.Incident.SuggestedArticles), err
			}, rawRows: suggestedRows}},
	}
}

// suggestedRows is how many suggestions the raw statements' rows make: the
// articles of both pools, each once, cut to the five asked for (ranking
// them is arithmetic on rows already read).
func suggestedRows(recs [][]*driver.Record) int {
	seen := map[any]bool{}
	for _, rs := range recs {
		for _, r := range rs {
			a, _ := r.Get("article")
			seen[a] = true
		}
	}
	return min(len(seen), 5)
}
