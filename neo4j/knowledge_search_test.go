package neo4j_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// TestSearchBoundsInTheIndex: the index query holds the filter's states,
// audiences and types, and the index stops at the page's last hit. Every
// value of each must match exactly the versions that have it (an enum the
// analyzer split or dropped would match none, or too many).
func TestSearchBoundsInTheIndex(t *testing.T) {
	s := neo4jtest.Open(t)
	ctx := context.Background()
	k := s.Knowledge()
	want := map[string]int{}
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := 0
	for _, st := range knowledge.States() {
		for _, ty := range knowledge.Types() {
			for _, au := range knowledge.Audiences() {
				n++
				id := fmt.Sprintf("kba_probe%d", n)
				v := knowledge.Version{ID: fmt.Sprintf("kbv_probe%d", n), ArticleID: id, N: 1, State: st, CreatedAt: now, UpdatedAt: now,
					Content: knowledge.Content{Title: "probe " + string(st), Type: ty, Audience: au}}
				if _, _, err := k.CreateArticle(ctx, knowledge.Article{ID: id, Version: 1, CreatedAt: now, UpdatedAt: now, Latest: v}, nil, nil); err != nil {
					t.Fatal(err)
				}
				want["state "+string(st)]++
				want["type "+string(ty)]++
				want["audience "+string(au)]++
			}
		}
	}
	search := func(f knowledge.Filter, limit int) []knowledge.Hit {
		t.Helper()
		hits, _, err := k.Search(ctx, knowledge.Query{Index: "probe", Filter: f}, knowledge.Page{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}
	for _, st := range knowledge.States() {
		if got := len(search(knowledge.Filter{States: []knowledge.State{st}}, 100)); got != want["state "+string(st)] {
			t.Errorf("state %s: %d hits, want %d", st, got, want["state "+string(st)])
		}
	}
	for _, ty := range knowledge.Types() {
		if got := len(search(knowledge.Filter{Types: []knowledge.Type{ty}}, 100)); got != want["type "+string(ty)] {
			t.Errorf("type %s: %d hits, want %d", ty, got, want["type "+string(ty)])
		}
	}
	for _, au := range knowledge.Audiences() {
		if got := len(search(knowledge.Filter{Audiences: []knowledge.Audience{au}}, 100)); got != want["audience "+string(au)] {
			t.Errorf("audience %s: %d hits, want %d", au, got, want["audience "+string(au)])
		}
	}
	// Together, and with a limit below the matches: the page is the
	// bound's, full.
	f := knowledge.Filter{States: []knowledge.State{knowledge.Published, knowledge.InReview}, Audiences: []knowledge.Audience{knowledge.Public}}
	if got := search(f, 100); len(got) != 2*len(knowledge.Types()) {
		t.Errorf("published or in review, public: %d hits", len(got))
	}
	for _, h := range search(f, 3) {
		if h.Version.Audience != knowledge.Public || (h.Version.State != knowledge.Published && h.Version.State != knowledge.InReview) {
			t.Errorf("hit %s is %s %s", h.Version.ID, h.Version.State, h.Version.Audience)
		}
	}
	if got := len(search(f, 3)); got != 3 {
		t.Errorf("limit 3: %d hits", got)
	}
	// The words are looked for in the text only: a state's name is not
	// text.
	if got := search(knowledge.Filter{}, 100); len(got) != n {
		t.Errorf("probe: %d hits, want %d", len(got), n)
	}
	hits, _, err := k.Search(ctx, knowledge.Query{Index: "public"}, knowledge.Page{Limit: 100})
	if err != nil || len(hits) != 0 {
		t.Errorf("the word public matched %d versions (%v)", len(hits), err)
	}
}
