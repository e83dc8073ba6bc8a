package knowledge

import (
	"context"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// Filter selects articles (by the version listed or found); zero fields
// match everything.
type Filter struct {
	States    []State
	Types     []Type
	Audiences []Audience
	Category  string
	CIID      string
	ServiceID string
	// ProblemID selects the articles linked to a problem: its published
	// known error among them.
	ProblemID string
	// Updated bounds when the version listed or found was last modified.
	Updated paging.TimeRange
}

func (f Filter) check() error {
	if err := f.Updated.Check("filter.updated"); err != nil {
		return err
	}
	for _, st := range f.States {
		if err := validate.Enum("filter.states", st, States()); err != nil {
			return err
		}
	}
	for _, t := range f.Types {
		if err := validate.Enum("filter.types", t, Types()); err != nil {
			return err
		}
	}
	for _, a := range f.Audiences {
		if err := validate.Enum("filter.audiences", a, Audiences()); err != nil {
			return err
		}
	}
	for _, t := range []struct{ field, v string }{{"filter.category", f.Category}, {"filter.ciId", f.CIID}, {"filter.serviceId", f.ServiceID}} {
		if err := validate.Text(t.field, t.v, false, MaxIDLen); err != nil {
			return err
		}
	}
	return nil
}

// bounded narrows f to what v lets through; false when nothing is left.
func (f Filter) bounded(v Visibility) (Filter, bool) {
	var ok bool
	if f.States, ok = within(f.States, v.States); !ok {
		return f, false
	}
	f.Audiences, ok = within(f.Audiences, v.Audiences)
	return f, ok
}

// within returns the values asked for that bound allows (all of bound when
// none are asked for); false when a bound leaves none.
func within[T comparable](asked, bound []T) ([]T, bool) {
	if len(bound) == 0 {
		return asked, true
	}
	if len(asked) == 0 {
		return bound, true
	}
	var out []T
	for _, a := range asked {
		if slices.Contains(bound, a) {
			out = append(out, a)
		}
	}
	return out, len(out) > 0
}

// List returns one page of the articles p may read that f selects, most
// recently updated first unless pr orders them oldest first: staff filter
// on each article's latest version, requesters see the published public
// ones. Articles are listed by modification time only: the version listed
// does not carry when its article was created.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, pr paging.Request) (paging.Page[Article], error) {
	if err := f.check(); err != nil {
		return paging.Page[Article]{}, err
	}
	listSort := "knowledge:updatedAt:desc"
	oldest := pr.Order != nil && pr.Order.Asc
	if pr.Order != nil && !pr.Order.Updated() {
		return paging.Page[Article]{}, apperr.Invalid("orderBy.field", "articles are listed by when they were last modified; order by UPDATED_AT")
	}
	if oldest {
		listSort = "knowledge:updatedAt"
	}
	f, ok := f.bounded(VisibilityOf(p))
	page := paging.Page[Article]{HasPrevious: pr.After != ""}
	if !ok {
		return page, nil
	}
	sp := Page{Limit: pr.First + 1, Count: !pr.SkipTotal, Oldest: oldest}
	if pr.After != "" {
		k, err := paging.Decode(pr.After, listSort)
		if err != nil {
			return page, err
		}
		t, err := time.Parse(time.RFC3339Nano, stringOf(k.Value))
		if err != nil {
			return page, apperr.Invalid("after", "is not a cursor returned by this list")
		}
		sp.AfterValue, sp.AfterID = t, k.ID
	}
	vs, total, err := s.store.ListVersions(ctx, f, VisibilityOf(p), sp)
	if err != nil {
		return page, err
	}
	page.Total = total
	if len(vs) > pr.First {
		vs, page.HasNext = vs[:pr.First], true
	}
	arts, err := s.articlesOf(ctx, p, vs)
	if err != nil {
		return page, err
	}
	for i, v := range vs {
		if arts[i] == nil {
			continue
		}
		page.Items = append(page.Items, *arts[i])
		page.Cursors = append(page.Cursors, paging.Encode(paging.Keyset{Value: v.UpdatedAt.Format(time.RFC3339Nano), ID: v.ID, Sort: listSort}))
	}
	return page, nil
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// Query is a full-text search in the store's terms.
type Query struct {
	// Index is the index query, built by IndexQuery: never user syntax.
	Index string
	// Filter is already bounded by the reader's visibility.
	Filter Filter
	// Articles asks for each hit's article, read in the same statement.
	Articles bool
}

// Hit is a version the index matched, with its score, and its article
// when the query asked for it.
type Hit struct {
	Version Version
	Score   float64
	Article *Article
}

// Result is one search result: the article as its reader sees it, the
// version that matched, its score and a snippet of the matched text.
type Result struct {
	Article Article
	Version Version
	Score   float64
	Snippet string
}

// searchStates are the states a search looks in unless the filter asks:
// the versions being written and the live ones, not those replaced or
// withdrawn.
func searchStates() []State { return []State{Draft, InReview, Published} }

// Search returns one page of the article versions p may read that match
// text, best first. Text is split into words (see Terms) and searched as
// any of them (see IndexQuery); the filter and p's visibility apply in the
// store's query, so the page and the total hold only what p may read.
// Paging is a keyset on (score, version id), so pages neither skip nor
// repeat while the index stands still.
func (s *Service) Search(ctx context.Context, p auth.Principal, text string, f Filter, pr paging.Request) (paging.Page[Result], error) {
	page := paging.Page[Result]{HasPrevious: pr.After != ""}
	terms, err := Terms(text)
	if err != nil {
		return page, err
	}
	if err := f.check(); err != nil {
		return page, err
	}
	if len(f.States) == 0 {
		f.States = searchStates()
	}
	f, ok := f.bounded(VisibilityOf(p))
	if !ok {
		return page, nil
	}
	q := Query{Index: IndexQuery(terms), Filter: f, Articles: true}
	sort := "knowledge:search:" + ids.Fingerprint(struct {
		Q Query
		V Visibility
	}{q, VisibilityOf(p)})
	sp := Page{Limit: pr.First + 1, Count: !pr.SkipTotal}
	if pr.After != "" {
		k, err := paging.Decode(pr.After, sort)
		if err != nil {
			return page, apperr.Invalid("after", "is not a cursor of this search; pass pageInfo.endCursor of the same query and filter")
		}
		score, ok := k.Value.(float64)
		if !ok {
			return page, apperr.Invalid("after", "is not a cursor of this search")
		}
		sp.AfterValue, sp.AfterID = score, k.ID
	}
	hits, total, err := s.store.Search(ctx, q, sp)
	if err != nil {
		return page, err
	}
	page.Total = total
	if len(hits) > pr.First {
		hits, page.HasNext = hits[:pr.First], true
	}
	for _, h := range hits {
		if h.Article == nil {
			continue
		}
		if _, ok := View(p, *h.Article); !ok {
			continue
		}
		page.Items = append(page.Items, Result{Article: *h.Article, Version: h.Version, Score: h.Score, Snippet: Snippet(h.Version, terms)})
		page.Cursors = append(page.Cursors, paging.Encode(paging.Keyset{Value: h.Score, ID: h.Version.ID, Sort: sort}))
	}
	return page, nil
}

// Scores returns up to limit published articles p may read that match
// text, best first, with their scores: the text half of suggestions.
func (s *Service) Scores(ctx context.Context, p auth.Principal, text string, limit int) ([]Hit, error) {
	terms, err := Terms(text)
	if err != nil {
		return nil, err
	}
	f, ok := Filter{States: []State{Published}}.bounded(VisibilityOf(p))
	if !ok {
		return nil, nil
	}
	hits, _, err := s.store.Search(ctx, Query{Index: IndexQuery(terms), Filter: f}, Page{Limit: limit})
	return hits, err
}

// Linked returns up to limit published articles p may read linked to any
// of these CIs or services: the graph half of suggestions.
func (s *Service) Linked(ctx context.Context, p auth.Principal, ciIDs, serviceIDs []string, limit int) ([]Version, error) {
	v := VisibilityOf(p)
	if len(v.States) == 0 {
		v.States = []State{Published}
	}
	return s.store.LinkedTo(ctx, ciIDs, serviceIDs, v, limit)
}

// ResolvedWith counts, for each article, the incidents in one of states
// that cite it: how often it helped.
func (s *Service) ResolvedWith(ctx context.Context, ids []string, states []string) (map[string]int, error) {
	return s.store.ResolvedWith(ctx, ids, states)
}
