package tests

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestKnowledgeRequesterVisibility: a requester sees only PUBLISHED PUBLIC
// articles, alike in search results and their counts, in lists and their
// counts, by id and through node(id:); internal links are hidden from them.
// Staff see internal articles and drafts.
func TestKnowledgeRequesterVisibility(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	arts := searchWorld(t, e, w, team)
	retired := e.moveArticle(t, team.manager, e.publishArticle(t, team, map[string]any{"title": "Old disk guide", "audience": "PUBLIC"}), "RETIRED")

	got := e.search(t, team.requester, "disk VPN certificates quota", nil)
	if !slices.Equal(got.articleIDs(), []string{arts["disk"].ID}) || got.TotalCount != 1 {
		t.Fatalf("requester search: %v, total %d", got.articleIDs(), got.TotalCount)
	}
	// Asking for other states or audiences widens nothing.
	for _, f := range []map[string]any{{"states": []string{"DRAFT", "RETIRED", "IN_REVIEW", "OUTDATED"}}, {"audiences": []string{"INTERNAL"}}} {
		if p := e.search(t, team.requester, "disk VPN quota guide", map[string]any{"f": f}); p.TotalCount != 0 || len(p.Hits) != 0 {
			t.Fatalf("requester with %v: %+v", f, p)
		}
	}
	if strings.Contains(got.Hits[0].Snippet, "VPN") {
		t.Fatalf("snippet leaks: %q", got.Hits[0].Snippet)
	}
	var list struct {
		L struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					ID string `json:"id"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"knowledgeArticles"`
	}
	e.ok(t, team.requester, articlesQuery, nil, &list)
	var listed []string
	for _, ed := range list.L.Edges {
		listed = append(listed, ed.Node.ID)
	}
	slices.Sort(listed)
	want := []string{arts["disk"].ID, arts["change"].ID}
	slices.Sort(want)
	if !slices.Equal(listed, want) || list.L.TotalCount != 2 {
		t.Fatalf("requester list: %v, total %d; want %v", listed, list.L.TotalCount, want)
	}
	e.ok(t, team.agent, articlesQuery, nil, &list)
	if list.L.TotalCount != 5 {
		t.Fatalf("staff list total %d, want 5", list.L.TotalCount)
	}

	for _, id := range []string{arts["vpn"].ID, arts["draft"].ID, retired.ID} {
		e.fail(t, team.requester, articleQuery, map[string]any{"id": id}, "NOT_FOUND")
		var n struct {
			N *struct {
				ID string `json:"id"`
			} `json:"node"`
		}
		r := e.gql(t, team.requester, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
		if r.Data != nil {
			_ = json.Unmarshal(r.Data, &n)
		}
		if n.N != nil {
			t.Fatalf("node(id: %s) answered a requester", id)
		}
		e.fail(t, team.requester, `mutation($id: ID!) { rateArticle(id: $id, helpful: true) { article { id } } }`, map[string]any{"id": id}, "NOT_FOUND")
		e.fail(t, team.requester, `mutation($id: ID!) { recordArticleView(id: $id) { article { id } } }`, map[string]any{"id": id}, "NOT_FOUND")
	}
	pub := e.article(t, team.requester, arts["disk"].ID)
	if len(pub.Current.CIIDs) != 0 || len(pub.History) != 0 || len(pub.AllowedTransitions) != 0 || len(pub.Versions) != 1 {
		t.Fatalf("requester reads internal detail: %+v", pub)
	}
	if staff := e.article(t, team.analyst, arts["vpn"].ID); staff.Current.Audience != "INTERNAL" {
		t.Fatalf("staff read %+v", staff)
	}
	// Requesters write nothing.
	e.fail(t, team.requester, createArticleMutation, map[string]any{"in": map[string]any{"title": "mine"}}, "FORBIDDEN")
	e.fail(t, team.analyst, createArticleMutation, map[string]any{"in": map[string]any{"title": "mine"}}, "FORBIDDEN")
	e.fail(t, team.requester, `{ articlesDueForReview { article { id } } }`, nil, "FORBIDDEN")
}

// TestKnowledgeFeedbackAndReviewReport: one rating per person per version
// (a second replaces the first), views are counted, and the review report
// lists articles past their review date or mostly unhelpful (at least 3
// ratings, more than half unhelpful).
func TestKnowledgeFeedbackAndReviewReport(t *testing.T) {
	e, _, team := newKnowledgeEnv(t)
	a := e.publishArticle(t, team, map[string]any{"title": "Map a network drive", "audience": "PUBLIC"})
	past := e.publishArticle(t, team, map[string]any{"title": "Old VPN client", "reviewBy": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)})
	e.publishArticle(t, team, map[string]any{"title": "Fresh", "reviewBy": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)})
	draft, _ := e.createArticle(t, team.author, map[string]any{"title": "Unpublished"})
	e.fail(t, team.agent, `mutation($id: ID!) { rateArticle(id: $id, helpful: true) { article { id } } }`, map[string]any{"id": draft.ID}, "INVALID_TRANSITION")

	rate := func(token string, helpful bool) versionData {
		var out struct {
			R struct {
				Article articleData `json:"article"`
			} `json:"rateArticle"`
		}
		e.ok(t, token, articleFields+`mutation($id: ID!, $h: Boolean!) { rateArticle(id: $id, helpful: $h, comment: "<b>hm</b>") { article { ...A } } }`,
			map[string]any{"id": a.ID, "h": helpful}, &out)
		return *out.R.Article.Published
	}
	r1, r2, r3 := e.mint(t, "e2e-kb-r1", "REQUESTER"), e.mint(t, "e2e-kb-r2", "REQUESTER"), e.mint(t, "e2e-kb-r3", "REQUESTER")
	rate(r1, true)
	if v := rate(r1, false); v.HelpfulCount != 0 || v.UnhelpfulCount != 1 {
		t.Fatalf("second rating did not replace the first: %+v", v)
	}
	rate(r2, false)
	due := func() map[string][]string {
		var out struct {
			D []struct {
				Article struct {
					ID string `json:"id"`
				} `json:"article"`
				Reasons []string `json:"reasons"`
			} `json:"articlesDueForReview"`
		}
		e.ok(t, team.manager, `{ articlesDueForReview { article { id } reasons } }`, nil, &out)
		m := map[string][]string{}
		for _, d := range out.D {
			m[d.Article.ID] = d.Reasons
		}
		return m
	}
	if d := due(); len(d) != 1 || !slices.Equal(d[past.ID], []string{"REVIEW_DATE_PASSED"}) {
		t.Fatalf("due with 2 ratings: %v", d)
	}
	if v := rate(r3, true); v.HelpfulCount != 1 || v.UnhelpfulCount != 2 {
		t.Fatalf("counts %+v", v)
	}
	if d := due(); len(d) != 2 || !slices.Equal(d[a.ID], []string{"MOSTLY_UNHELPFUL"}) {
		t.Fatalf("due with 3 ratings, 2 unhelpful: %v", d)
	}

	for range 3 {
		e.ok(t, team.requester, `mutation($id: ID!) { recordArticleView(id: $id) { article { viewCount } } }`, map[string]any{"id": a.ID}, nil)
	}
	if got := e.article(t, team.agent, a.ID); got.ViewCount != 3 {
		t.Fatalf("views %d", got.ViewCount)
	}
}

// TestKnowledgeBadInput: over-long bodies, unknown links, bad enums and
// stale versions are refused with clear codes and store nothing; Markdown
// with a script tag is stored and returned verbatim.
func TestKnowledgeBadInput(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	countAll := func() int {
		var out struct {
			L struct {
				TotalCount int `json:"totalCount"`
			} `json:"knowledgeArticles"`
		}
		e.ok(t, team.agent, `{ knowledgeArticles { totalCount } }`, nil, &out)
		return out.L.TotalCount
	}
	for name, c := range map[string]struct {
		in   map[string]any
		code string
	}{
		"body over 200 KB":  {map[string]any{"title": "big", "body": strings.Repeat("x", 200*1024+1)}, "BAD_USER_INPUT"},
		"blank title":       {map[string]any{"title": "  "}, "BAD_USER_INPUT"},
		"unknown CI":        {map[string]any{"title": "t", "configurationItemIds": []string{"ci_nope"}}, "NOT_FOUND"},
		"unknown service":   {map[string]any{"title": "t", "serviceIds": []string{"svc_nope"}}, "NOT_FOUND"},
		"unknown problem":   {map[string]any{"title": "t", "problemIds": []string{"prb_nope"}}, "NOT_FOUND"},
		"unknown incident":  {map[string]any{"title": "t", "incidentIds": []string{"inc_nope"}}, "NOT_FOUND"},
		"unknown change":    {map[string]any{"title": "t", "changeIds": []string{"chg_nope"}}, "NOT_FOUND"},
		"unknown group":     {map[string]any{"title": "t", "ownerGroupId": "grp_nope"}, "NOT_FOUND"},
		"too many keywords": {map[string]any{"title": "t", "keywords": strings.Fields(strings.Repeat("k ", 31))}, "BAD_USER_INPUT"},
	} {
		r := e.fail(t, team.author, createArticleMutation, map[string]any{"in": c.in}, c.code)
		if name == "unknown CI" && !strings.Contains(r.Errors[0].Message, "ciIds") {
			t.Errorf("%s: message %s", name, r.Errors[0].Message)
		}
	}
	if n := countAll(); n != 0 {
		t.Fatalf("refused creates stored %d articles", n)
	}
	body := "# Fix\n<script>alert('x')</script>\n<img src=x onerror=alert(1)>"
	a, _ := e.createArticle(t, team.author, map[string]any{"title": "<b>bold</b>", "body": body, "configurationItemIds": w.idsOf(t, "orders-app")})
	if deref(a.Current.Body) != body || a.Current.Title != "<b>bold</b>" {
		t.Fatalf("stored %q / %q", a.Current.Title, deref(a.Current.Body))
	}
	exact := strings.Repeat("y", 200*1024)
	if big, _ := e.createArticle(t, team.author, map[string]any{"title": "exactly 200 KB", "body": exact}); len(deref(big.Current.Body)) != len(exact) {
		t.Fatalf("200 KB body stored as %d bytes", len(deref(big.Current.Body)))
	}
	// An update with an unknown link or an over-long body writes nothing.
	e.fail(t, team.author, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "changeIds": []string{"chg_nope"}}}, "NOT_FOUND")
	e.fail(t, team.author, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "body": strings.Repeat("z", 300*1024)}}, "BAD_USER_INPUT")
	e.fail(t, team.author, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version + 1, "title": "x"}}, "CONFLICT")
	if got := e.article(t, team.author, a.ID); got.Version != a.Version || deref(got.Current.Body) != body || len(got.Current.ChangeIDs) != 0 {
		t.Fatalf("a refused update wrote: %+v", got)
	}
	e.fail(t, team.author, transitionArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "to": "OUTDATED"}}, "INVALID_TRANSITION")
	e.fail(t, team.author, articleQuery, map[string]any{"id": "kba_nope"}, "NOT_FOUND")
	e.fail(t, team.author, `query { knowledgeArticles(after: "bogus") { totalCount } }`, nil, "BAD_USER_INPUT")
}

// TestKnowledgeArticleChangedSubscription: staff following an article hear
// each write; a requester may not subscribe.
func TestKnowledgeArticleChangedSubscription(t *testing.T) {
	e, _, team := newKnowledgeEnv(t)
	a, _ := e.createArticle(t, team.author, map[string]any{"title": "Watch me"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + team.analyst})
	c.expectAck(t)
	c.subscribe(t, "1", `subscription($id: ID) { knowledgeArticleChanged(id: $id) { id version } }`, map[string]any{"id": a.ID})
	live := false
	for i := 0; i < 40 && !live; i++ {
		a = e.updateArticle(t, team.author, a, map[string]any{"summary": strings.Repeat("s", i+1)})
		var ev liveEvent
		ev, live = nextEvent(t, c, "1", "knowledgeArticleChanged", 250*time.Millisecond)
		if live && ev.Data["knowledgeArticleChanged"].ID != a.ID {
			t.Fatalf("event %+v", ev)
		}
	}
	if !live {
		t.Fatal("the subscription never delivered")
	}
	rq := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + team.requester})
	rq.expectAck(t)
	rq.subscribe(t, "r", `subscription { knowledgeArticleChanged { id } }`, nil)
	if errs := subscriptionErrors(t, rq.next(t, 10*time.Second), "r"); len(errs) != 1 || errs[0].Extensions.Code != "FORBIDDEN" {
		t.Fatalf("requester subscription: %+v", errs)
	}
}
