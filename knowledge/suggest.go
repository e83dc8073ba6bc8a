package knowledge

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/impact"
	"golang.org/x/sync/errgroup"
)

// Suggestions: the articles most likely to help with an incident (or with
// a ticket being written), by what its text says and by where it sits in
// the graph: an article linked to the incident's CI, to something that CI
// depends on, or to its service is about the same trouble.

// The bounds of a suggestion question.
const (
	DefaultSuggestions = 5
	MaxSuggestions     = 50
	// SuggestDepth is how many dependency steps up from the CIs an
	// article's link still counts.
	SuggestDepth = 3
	// suggestPool is how many articles each half (text, graph) brings.
	suggestPool = 100
	// MaxSuggestText bounds the text looked for; longer text is cut: a
	// description's first words say most.
	MaxSuggestText = 10_000
	// MaxSuggestItems bounds the CIs and the services of a question: each
	// CI is a walk up the graph.
	MaxSuggestItems = 20
)

// Weights of the two halves of a suggestion's score (they sum to 1).
const (
	textWeight  = 0.5
	graphWeight = 0.5
)

// SuggestQuery asks for articles for a ticket: its text, CIs and services.
type SuggestQuery struct {
	Text              string
	CIIDs, ServiceIDs []string
	First             *int
}

// Suggestion is an article that may help, with the parts of its score and
// why it ranks where it does.
type Suggestion struct {
	Article Article
	Version Version
	// Score is TextScore and GraphScore weighed together, from 0 to 1.
	Score float64
	// TextScore is the article's full-text relevance over the best one's.
	TextScore float64
	// GraphScore is 1 for an article on one of the CIs, 1/(1+d) on a CI d
	// dependency steps up from them, and 1/2 on one of the services.
	GraphScore float64
	// ItemID is the CI or service linking it (empty when only the text
	// does), Distance how far up from the CIs, Path how it is reached.
	ItemID   string
	Distance int
	Path     []impact.Step
	Reason   string
}

// Suggester finds suggestions with the service's reads and the graph.
type Suggester struct {
	service  *Service
	analyzer *impact.Analyzer
}

// NewSuggester returns a Suggester.
func NewSuggester(service *Service, analyzer *impact.Analyzer) *Suggester {
	return &Suggester{service: service, analyzer: analyzer.Showing(impact.Names)}
}

// Suggest ranks the published articles p may read for the ticket. Staff
// get both halves; a requester gets the text half only: the graph half
// would tell them about CIs and dependencies they may not see.
func (s *Suggester) Suggest(ctx context.Context, p auth.Principal, q SuggestQuery) ([]Suggestion, error) {
	first := DefaultSuggestions
	if q.First != nil {
		if *q.First < 1 || *q.First > MaxSuggestions {
			return nil, apperr.Invalid("first", "must be between 1 and %d (got %d)", MaxSuggestions, *q.First)
		}
		first = *q.First
	}
	for field, ids := range map[string][]string{"configurationItemIds": q.CIIDs, "serviceIds": q.ServiceIDs} {
		if len(ids) > MaxSuggestItems {
			return nil, apperr.Invalid(field, "may hold at most %d ids (got %d)", MaxSuggestItems, len(ids))
		}
	}
	if !utf8.ValidString(q.Text) {
		return nil, apperr.Invalid("text", "must be UTF-8 text")
	}
	// The halves are independent reads: they run side by side, and the
	// question costs the slower of them rather than both.
	var (
		hits   []Hit
		where  map[string]impact.Place
		linked []Version
	)
	g, gctx := errgroup.WithContext(ctx)
	if terms := suggestTerms(q.Text); len(terms) > 0 {
		g.Go(func() (err error) {
			hits, err = s.service.Scores(gctx, p, strings.Join(terms, " "), suggestPool)
			return err
		})
	}
	if SeesInternal(p) && (len(q.CIIDs) > 0 || len(q.ServiceIDs) > 0) {
		g.Go(func() (err error) {
			depth := SuggestDepth
			if where, err = s.analyzer.Upstream(gctx, q.CIIDs, &depth); err != nil {
				return err
			}
			linked, err = s.service.Linked(gctx, p, slices.Sorted(maps.Keys(where)), q.ServiceIDs, suggestPool)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	best := map[string]*Suggestion{}
	top := 0.0
	for _, h := range hits {
		top = max(top, h.Score)
	}
	for _, h := range hits {
		if _, ok := best[h.Version.ArticleID]; !ok {
			best[h.Version.ArticleID] = &Suggestion{Version: h.Version, TextScore: h.Score / top}
		}
	}
	for _, v := range linked {
		sg, ok := best[v.ArticleID]
		if !ok {
			sg = &Suggestion{Version: v}
			best[v.ArticleID] = sg
		}
		sg.link(v, where, q.ServiceIDs)
	}
	out := make([]Suggestion, 0, len(best))
	for _, sg := range best {
		sg.Score = textWeight*sg.TextScore + graphWeight*sg.GraphScore
		sg.Reason = sg.reasonOf()
		out = append(out, *sg)
	}
	slices.SortFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), b.Version.UpdatedAt.Compare(a.Version.UpdatedAt), cmp.Compare(a.Version.ArticleID, b.Version.ArticleID))
	})
	out = out[:min(first, len(out))]
	vs := make([]Version, len(out))
	for i, sg := range out {
		vs[i] = sg.Version
	}
	arts, err := s.service.articlesOf(ctx, p, vs)
	if err != nil {
		return nil, err
	}
	// The halves read versions without their bodies; the version shown
	// is the article's published one, as p may read it.
	kept := out[:0]
	for i, sg := range out {
		if arts[i] == nil {
			continue
		}
		v, ok := PublishedView(p, *arts[i])
		if !ok {
			continue
		}
		sg.Article, sg.Version = *arts[i], v
		kept = append(kept, sg)
	}
	return kept, nil
}

// link scores the article by its best link: among the places (the CIs and
// what they depend on), and the services.
func (sg *Suggestion) link(v Version, where map[string]impact.Place, services []string) {
	for _, id := range v.CIIDs {
		p, ok := where[id]
		if !ok {
			continue
		}
		if score := 1 / float64(1+p.Distance); score > sg.GraphScore {
			sg.GraphScore, sg.ItemID, sg.Distance, sg.Path = score, id, p.Distance, p.Path
			sg.Reason = linkReason(p, where)
		}
	}
	for _, id := range v.ServiceIDs {
		if slices.Contains(services, id) && sg.GraphScore < 0.5 {
			sg.GraphScore, sg.ItemID, sg.Distance, sg.Path = 0.5, id, 0, nil
			sg.Reason = "linked to a service of the ticket"
		}
	}
}

// linkReason says, for a person reading the list, how an article linked
// to the item at p connects.
func linkReason(p impact.Place, where map[string]impact.Place) string {
	name := impact.NameOf(p.Node.Item)
	if p.Distance == 0 || len(p.Path) == 0 {
		return fmt.Sprintf("linked to %s, a CI of the ticket", name)
	}
	from := p.Path[0].From
	if start, ok := where[from]; ok {
		from = impact.NameOf(start.Node.Item)
	}
	hops := "hops"
	if p.Distance == 1 {
		hops = "hop"
	}
	return fmt.Sprintf("linked to %s, which %s depends on, %d %s", name, from, p.Distance, hops)
}

// reasonOf completes a suggestion's reason with its text relevance.
func (sg *Suggestion) reasonOf() string {
	text := fmt.Sprintf("its text matches (relevance %.2f of the best match)", sg.TextScore)
	switch {
	case sg.Reason == "":
		return text
	case sg.TextScore > 0:
		return sg.Reason + "; " + text
	}
	return sg.Reason
}

// suggestTerms are the words of a ticket's text a suggestion looks for:
// its first words, without index syntax (see Terms), each once, at most
// MaxQueryTerms of them within MaxQueryLen characters. A ticket's text is
// not a search the caller typed: too much of it is cut, never refused.
func suggestTerms(text string) []string {
	if len(text) > MaxSuggestText {
		text = strings.ToValidUTF8(text[:MaxSuggestText], "")
	}
	words := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(luceneSpecial, r) || unicode.IsPunct(r)
	})
	var out []string
	size := 0
	for _, w := range words {
		w = strings.ToLower(w)
		if slices.Contains(out, w) {
			continue
		}
		if len(out) == MaxQueryTerms || size+utf8.RuneCountInString(w)+1 > MaxQueryLen {
			break
		}
		out = append(out, w)
		size += utf8.RuneCountInString(w) + 1
	}
	return out
}
