package tests

import (
	"slices"
	"strings"
	"testing"
)

// searchWorld publishes the articles the search tests look for: English
// and Chinese, public and internal, and a draft.
func searchWorld(t *testing.T, e *env, w *world, team kbTeam) map[string]articleData {
	t.Helper()
	db := w.id(t, "orders-db")
	out := map[string]articleData{
		"disk": e.publishArticle(t, team, map[string]any{"title": "Disk full on database servers", "summary": "Free space on the data volume",
			"body": "When the database disk is full, rotate the logs and extend the volume.", "keywords": []string{"disk", "storage"},
			"type": "KNOWN_ERROR", "audience": "PUBLIC", "category": "database", "configurationItemIds": []string{db}}),
		"change": e.publishArticle(t, team, map[string]any{"title": "变更管理流程", "summary": "如何提交标准变更",
			"body": "所有生产环境的变更必须经过变更顾问委员会审批。", "keywords": []string{"变更", "审批"}, "type": "HOW_TO",
			"audience": "PUBLIC", "language": "zh-CN"}),
		"vpn": e.publishArticle(t, team, map[string]any{"title": "VPN certificates", "body": "Internal: rotate the VPN disk certificates yearly.",
			"type": "REFERENCE", "audience": "INTERNAL"}),
	}
	draft, _ := e.createArticle(t, team.author, map[string]any{"title": "Disk quota draft", "body": "disk quotas are coming", "audience": "PUBLIC"})
	out["draft"] = draft
	return out
}

// TestKnowledgeSearchEnglishAndChinese: English words match title, body
// and keywords, best match first with a marked snippet; 变更 finds the
// article about 变更管理; filters narrow the results.
func TestKnowledgeSearchEnglishAndChinese(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	arts := searchWorld(t, e, w, team)

	got := e.search(t, team.agent, "disk full", nil)
	if len(got.Hits) < 2 || got.Hits[0].Article.ID != arts["disk"].ID || got.TotalCount != len(got.Hits) {
		t.Fatalf("disk full: %+v", got)
	}
	if !strings.Contains(got.Hits[0].Snippet, "«disk»") || !strings.Contains(got.Hits[0].Snippet, "«full»") {
		t.Fatalf("snippet %q", got.Hits[0].Snippet)
	}
	for _, h := range got.Hits[1:] {
		if h.Score > got.Hits[0].Score {
			t.Fatalf("not ranked by score: %+v", got.Hits)
		}
	}
	// Staff find the draft and the internal article too.
	if ids := got.articleIDs(); !slices.Contains(ids, arts["draft"].ID) || !slices.Contains(ids, arts["vpn"].ID) {
		t.Fatalf("staff search misses the draft or the internal article: %v", ids)
	}
	// Case does not matter.
	if up := e.search(t, team.agent, "DISK", nil); up.TotalCount != got.TotalCount {
		t.Fatalf("DISK found %d, disk full %d", up.TotalCount, got.TotalCount)
	}

	zh := e.search(t, team.requester, "变更", nil)
	if len(zh.Hits) != 1 || zh.Hits[0].Article.ID != arts["change"].ID || !strings.Contains(zh.Hits[0].Snippet, "«变更»") {
		t.Fatalf("变更: %+v", zh)
	}
	if longer := e.search(t, team.requester, "变更管理", nil); len(longer.Hits) != 1 || longer.Hits[0].Article.ID != arts["change"].ID {
		t.Fatalf("变更管理: %+v", longer)
	}
	if none := e.search(t, team.requester, "事件", nil); none.TotalCount != 0 {
		t.Fatalf("事件 matched %+v", none)
	}

	for name, c := range map[string]struct {
		f    map[string]any
		want []string
	}{
		"type":     {map[string]any{"types": []string{"KNOWN_ERROR"}}, []string{arts["disk"].ID}},
		"category": {map[string]any{"category": "database"}, []string{arts["disk"].ID}},
		"CI":       {map[string]any{"configurationItemId": w.id(t, "orders-db")}, []string{arts["disk"].ID}},
		"audience": {map[string]any{"audiences": []string{"INTERNAL"}}, []string{arts["vpn"].ID}},
		"state":    {map[string]any{"states": []string{"DRAFT"}}, []string{arts["draft"].ID}},
	} {
		if got := e.search(t, team.agent, "disk", map[string]any{"f": c.f}); !slices.Equal(got.articleIDs(), c.want) || got.TotalCount != len(c.want) {
			t.Errorf("%s: %v, total %d; want %v", name, got.articleIDs(), got.TotalCount, c.want)
		}
	}
}

// TestKnowledgeSearchPagesAreStable: paging over a relevance order
// neither repeats nor skips a hit, and a cursor of another query is
// refused.
func TestKnowledgeSearchPagesAreStable(t *testing.T) {
	e, _, team := newKnowledgeEnv(t)
	for i := range 7 {
		e.createArticle(t, team.author, map[string]any{"title": "printer jam " + strings.Repeat("printer ", i), "body": "printer"})
	}
	all := e.search(t, team.agent, "printer", map[string]any{"first": 50})
	if all.TotalCount != 7 || len(all.Hits) != 7 {
		t.Fatalf("all: %+v", all)
	}
	var paged []string
	after := any(nil)
	for {
		p := e.search(t, team.agent, "printer", map[string]any{"first": 3, "after": after})
		paged = append(paged, p.articleIDs()...)
		if p.TotalCount != 7 {
			t.Fatalf("total %d on a page", p.TotalCount)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		after = p.PageInfo.EndCursor
	}
	if !slices.Equal(paged, all.articleIDs()) {
		t.Fatalf("paged %v\nwant  %v", paged, all.articleIDs())
	}
	first := e.search(t, team.agent, "printer", map[string]any{"first": 3})
	e.fail(t, team.agent, searchQuery, map[string]any{"q": "jam", "after": first.PageInfo.EndCursor}, "BAD_USER_INPUT")
}

// TestKnowledgeSearchPagesThroughTies: articles of the same text score the
// same; paging through them neither repeats nor skips one, however the
// index orders ties.
func TestKnowledgeSearchPagesThroughTies(t *testing.T) {
	e, _, team := newKnowledgeEnv(t)
	const n = 24
	for range n {
		e.createArticle(t, team.author, map[string]any{"title": "scanner offline", "body": "scanner"})
	}
	all := e.search(t, team.agent, "scanner", map[string]any{"first": 50})
	if len(all.Hits) != n {
		t.Fatalf("all: %+v", all)
	}
	var paged []string
	after := any(nil)
	for range n {
		p := e.search(t, team.agent, "scanner", map[string]any{"first": 2, "after": after})
		paged = append(paged, p.articleIDs()...)
		if !p.PageInfo.HasNextPage {
			break
		}
		after = p.PageInfo.EndCursor
	}
	if !slices.Equal(paged, all.articleIDs()) {
		t.Fatalf("paged %v\nwant  %v", paged, all.articleIDs())
	}
}

// TestKnowledgeSearchBadQueries: index query syntax, control characters
// and operator noise are searched as plain words: results or none, never
// INTERNAL and never an article the reader may not see; empty and
// over-long queries are BAD_USER_INPUT.
func TestKnowledgeSearchBadQueries(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	arts := searchWorld(t, e, w, team)
	for _, q := range []string{
		"title:*", "*", "?", `"unbalanced`, `disk"`, "AND OR", "AND", "NOT disk", "disk AND", "OR OR OR", `\`, `disk\`, "(disk", "disk)",
		"[a TO z]", "{a TO z}", "disk~2", "disk^10", "+disk -full", "&& ||", "/regex/", "disk\x00full", "\x07\x1b", "audience:INTERNAL",
		"state:DRAFT OR title:*", "the", "a an the", "!", "- - -", "变更 OR title:*", "body:/.*/",
	} {
		r := e.gql(t, team.requester, searchQuery, map[string]any{"q": q})
		if len(r.Errors) > 0 {
			if c := r.codes(); len(c) != 1 || c[0] != "BAD_USER_INPUT" {
				t.Errorf("%q: errors %v: %s", q, c, truncate(r.Body))
			}
			continue
		}
		p := e.search(t, team.requester, q, nil)
		for _, h := range p.Hits {
			if h.Article.ID != arts["disk"].ID && h.Article.ID != arts["change"].ID {
				t.Errorf("%q: a requester found %s (%+v)", q, h.Article.Number, h.Version)
			}
		}
	}
	// Words around syntax still match.
	if p := e.search(t, team.requester, "title:disk*", nil); !slices.Equal(p.articleIDs(), []string{arts["disk"].ID}) {
		t.Errorf("title:disk* found %v", p.articleIDs())
	}
	for _, q := range []string{"", "   ", "\x00\x01", strings.Repeat("disk ", 2048), strings.Repeat("w ", 40)} {
		r := e.fail(t, team.requester, searchQuery, map[string]any{"q": q}, "BAD_USER_INPUT")
		if !strings.Contains(r.Errors[0].Message, "query") {
			t.Errorf("%.20q: message %s", q, r.Errors[0].Message)
		}
	}
}
