package knowledge

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// Store persists articles, their versions and their trails. Every method
// runs in one transaction; callbacks run inside it and may run more than
// once (the driver retries transient failures), so they must be pure.
type Store interface {
	// CreateArticle writes a with its first version (a.Latest), giving it
	// the next Number, and its history. With key set, a key seen before
	// writes nothing and returns the article it created, with created
	// false (CONFLICT when the fingerprint differs). NOT_FOUND for an
	// unknown CI, service, problem, incident, change or owner group.
	CreateArticle(ctx context.Context, a Article, history []HistoryEntry, key *ids.IdempotencyKey) (got Article, created bool, err error)
	// GetArticles returns the articles with these ids, in any order;
	// absent ids are left out.
	GetArticles(ctx context.Context, ids []string) ([]Article, error)
	// UpdateArticle locks the article, passes it to apply, and writes what
	// apply returns. NOT_FOUND when absent, and as CreateArticle for new
	// references.
	UpdateArticle(ctx context.Context, id string, apply func(cur Article) (Write, error)) (Article, error)
	// ListVersions returns one page of the versions f selects that v may
	// see, most recently updated first: the latest version of each article
	// without visibility bounds, the published public ones with.
	// The total is counted only when p.Count is set.
	ListVersions(ctx context.Context, f Filter, v Visibility, p Page) (vs []Version, total int, err error)
	// Search returns one page of the versions matching q's index query
	// that q's visibility and filter let through, best first (score, then
	// version id), with their scores; the total likewise.
	Search(ctx context.Context, q Query, p Page) (hits []Hit, total int, err error)
	// Versions and History return the versions (oldest first) and history
	// of many articles, keyed by article id.
	Versions(ctx context.Context, ids []string) (map[string][]Version, error)
	History(ctx context.Context, ids []string) (map[string][]HistoryEntry, error)
	// Rate stores r, replacing the rater's earlier rating of the version,
	// and returns the version's new counts.
	Rate(ctx context.Context, r Rating) (Version, error)
	// AddView counts one view of the article.
	AddView(ctx context.Context, id string) error
	// ResolvedWith counts, for each article, the incidents in one of
	// states that cite it.
	ResolvedWith(ctx context.Context, ids []string, states []string) (map[string]int, error)
	// DueForReview returns up to limit published versions whose review
	// date is before now or whose feedback is mostly unhelpful (see
	// MostlyUnhelpful), earliest review date first.
	DueForReview(ctx context.Context, now time.Time, limit int) ([]Version, error)
	// LinkedTo returns up to limit versions that v may see linked to any
	// of these CIs or services, for suggestions.
	LinkedTo(ctx context.Context, ciIDs, serviceIDs []string, v Visibility, limit int) ([]Version, error)
}

// Write is what one update writes: the article (Latest and Live as they
// now stand), the versions whose content or state changed, and history.
type Write struct {
	Article  Article
	Versions []Version
	History  []HistoryEntry
}

// Page is a keyset page request in the store's terms: after the item
// (Value, ID) in the list's order, Limit items.
type Page struct {
	AfterValue any
	AfterID    string
	Limit      int
	// Count asks for the total of the list too.
	Count bool
	// Oldest lists the least recently updated first.
	Oldest bool
}

// EventKeys are what subscribers follow an article by: its id. Every
// write of an article appends its event to the log in the same
// transaction.
func EventKeys(a Article) []string { return []string{a.ID} }

// ID prefixes, which let node(id:) tell kinds apart.
const (
	Prefix        = "kba"
	VersionPrefix = "kbv"
	HistoryPrefix = "kbh"
)

// Service applies the knowledge rules.
type Service struct {
	store Store
	now   func() time.Time
	newID func(prefix string) string
}

// NewService returns a Service.
func NewService(store Store, now func() time.Time, newID func(prefix string) string) *Service {
	return &Service{store: store, now: now, newID: newID}
}

func notFound(id string) error {
	return apperr.New(apperr.NotFound, "no knowledge article has id %q", id)
}

// ContentInput is the content of a new article; nil pointers take
// defaults (type HOW_TO, audience INTERNAL).
type ContentInput struct {
	Title        string
	Summary      *string
	Body         *string
	Keywords     []string
	Category     *string
	Type         *Type
	Audience     *Audience
	Language     *string
	OwnerGroupID *string
	ReviewBy     *time.Time
	CIIDs        []string
	ServiceIDs   []string
	ProblemIDs   []string
	IncidentIDs  []string
	ChangeIDs    []string
}

// CreateInput describes a new article.
type CreateInput struct {
	ContentInput
	IdempotencyKey *string
}

// Create writes a new article, its version 1 a DRAFT written by p.
// FORBIDDEN for a principal who may not author; BAD_USER_INPUT names the
// field at fault; NOT_FOUND for unknown links; CONFLICT for a key reused
// for another request.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (Article, bool, error) {
	if err := forbidden(CanAuthor(p), "writing a knowledge article", "AGENT, PROBLEM_MANAGER or KNOWLEDGE_MANAGER"); err != nil {
		return Article{}, false, err
	}
	c := Content{Title: in.Title, Type: HowTo, Audience: Internal, Keywords: in.Keywords, ReviewBy: in.ReviewBy,
		CIIDs: sortedSet(in.CIIDs), ServiceIDs: sortedSet(in.ServiceIDs), ProblemIDs: sortedSet(in.ProblemIDs),
		IncidentIDs: sortedSet(in.IncidentIDs), ChangeIDs: sortedSet(in.ChangeIDs)}
	patch.Set(&c.Summary, in.Summary)
	patch.Set(&c.Body, in.Body)
	patch.Set(&c.Category, in.Category)
	patch.Set(&c.Type, in.Type)
	patch.Set(&c.Audience, in.Audience)
	patch.Set(&c.Language, in.Language)
	patch.Set(&c.OwnerGroupID, in.OwnerGroupID)
	if err := Validate(c); err != nil {
		return Article{}, false, err
	}
	now := s.now().UTC()
	a := Article{ID: s.newID(Prefix), Version: 1, CreatedBy: p.Subject, CreatedAt: now, UpdatedAt: now}
	a.Latest = Version{ID: s.newID(VersionPrefix), ArticleID: a.ID, N: 1, Content: c, State: Draft,
		Authors: []string{p.Subject}, CreatedAt: now, UpdatedAt: now}
	var key *ids.IdempotencyKey
	if in.IdempotencyKey != nil {
		if err := validate.Text("idempotencyKey", *in.IdempotencyKey, true, MaxIdemKeyLen); err != nil {
			return Article{}, false, err
		}
		a.IdempotencyKey = *in.IdempotencyKey
		key = &ids.IdempotencyKey{Scope: p.Subject + "\x1fcreateKnowledgeArticle", Key: *in.IdempotencyKey,
			Fingerprint: ids.Fingerprint(c)}
	}
	history := []HistoryEntry{{ID: s.newID(HistoryPrefix), At: now, Actor: p.Subject, N: 1, Field: FieldState, To: string(Draft)}}
	return s.store.CreateArticle(ctx, a, history, key)
}

// Get returns one article p may read; NOT_FOUND when it does not exist or
// p may not read it (a requester and an unpublished or internal article).
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (Article, error) {
	got, err := s.GetMany(ctx, p, []string{id})
	if err != nil {
		return Article{}, err
	}
	a, ok := got[id]
	if !ok {
		return Article{}, notFound(id)
	}
	return a, nil
}

// GetMany returns those of the articles with these ids that p may read,
// keyed by id.
func (s *Service) GetMany(ctx context.Context, p auth.Principal, ids []string) (map[string]Article, error) {
	out := map[string]Article{}
	if len(ids) == 0 {
		return out, nil
	}
	got, err := s.store.GetArticles(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range got {
		if _, ok := View(p, a); ok {
			out[a.ID] = a
		}
	}
	return out, nil
}

func checkVersion(cur Article, expected int) error {
	if cur.Version != expected {
		return apperr.Stale("knowledge article", cur.ID, cur.Version, expected)
	}
	return nil
}

// UpdateInput changes an article's content; nil fields are left alone, a
// given list replaces the old one, an empty string clears an optional
// text.
type UpdateInput struct {
	ID              string
	ExpectedVersion int
	Title           *string
	Summary         *string
	Body            *string
	Keywords        *[]string
	Category        *string
	Type            *Type
	Audience        *Audience
	Language        *string
	OwnerGroupID    *string
	ReviewBy        *time.Time
	ClearReviewBy   bool
	CIIDs           *[]string
	ServiceIDs      *[]string
	ProblemIDs      *[]string
	IncidentIDs     *[]string
	ChangeIDs       *[]string
	Comment         string
}

func applied(c Content, in UpdateInput) Content {
	next := c
	patch.Set(&next.Title, in.Title)
	patch.Set(&next.Summary, in.Summary)
	patch.Set(&next.Body, in.Body)
	patch.Set(&next.Keywords, in.Keywords)
	patch.Set(&next.Category, in.Category)
	patch.Set(&next.Type, in.Type)
	patch.Set(&next.Audience, in.Audience)
	patch.Set(&next.Language, in.Language)
	patch.Set(&next.OwnerGroupID, in.OwnerGroupID)
	if in.ReviewBy != nil || in.ClearReviewBy {
		next.ReviewBy = in.ReviewBy
	}
	for _, l := range []struct {
		dst *[]string
		src *[]string
	}{{&next.CIIDs, in.CIIDs}, {&next.ServiceIDs, in.ServiceIDs}, {&next.ProblemIDs, in.ProblemIDs},
		{&next.IncidentIDs, in.IncidentIDs}, {&next.ChangeIDs, in.ChangeIDs}} {
		if l.src != nil {
			*l.dst = sortedSet(*l.src)
		}
	}
	return next
}

// Update edits the latest version of an article. A DRAFT is edited in
// place; a PUBLISHED version stays live and the edit starts the next
// version as a DRAFT; IN_REVIEW (send it back to DRAFT first) and RETIRED
// versions refuse edits with INVALID_TRANSITION. FORBIDDEN for a
// principal who may not author; CONFLICT when stale; NOT_FOUND for
// unknown links; nothing is written on any error.
func (s *Service) Update(ctx context.Context, p auth.Principal, in UpdateInput) (Article, error) {
	if !SeesInternal(p) {
		return Article{}, notFound(in.ID)
	}
	if err := forbidden(CanAuthor(p), "editing a knowledge article", "AGENT, PROBLEM_MANAGER or KNOWLEDGE_MANAGER"); err != nil {
		return Article{}, err
	}
	if err := validate.Text("comment", in.Comment, false, MaxCommentLen); err != nil {
		return Article{}, err
	}
	now := s.now().UTC()
	got, err := s.store.UpdateArticle(ctx, in.ID, func(cur Article) (Write, error) {
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Write{}, err
		}
		latest := cur.Latest
		switch latest.State {
		case InReview:
			return Write{}, apperr.New(apperr.InvalidTransition, "article %s version %d is IN_REVIEW; send it back to DRAFT before editing it", cur.Number, latest.N)
		case Retired:
			return Write{}, apperr.New(apperr.InvalidTransition, "article %s is RETIRED and can no longer be edited; write a new article", cur.Number)
		}
		content := applied(latest.Content, in)
		if err := Validate(content); err != nil {
			return Write{}, err
		}
		changes := Diff(latest.Content, content)
		if len(changes) == 0 {
			return Write{Article: cur}, nil
		}
		next := cur
		next.Version, next.UpdatedAt = cur.Version+1, now
		var history []HistoryEntry
		v := latest
		if latest.State == Published {
			v = Version{ID: s.newID(VersionPrefix), ArticleID: cur.ID, Number: cur.Number, N: latest.N + 1, State: Draft, CreatedAt: now}
			history = append(history, HistoryEntry{Field: FieldVersion, From: itoa(latest.N), To: itoa(v.N)},
				HistoryEntry{Field: FieldState, To: string(Draft)})
		}
		v.Content, v.UpdatedAt = content, now
		if !slices.Contains(v.Authors, p.Subject) {
			v.Authors = append(slices.Clone(v.Authors), p.Subject)
		}
		next.Latest = v
		history = append(history, changes...)
		return Write{Article: next, Versions: []Version{v}, History: s.stamp(history, p.Subject, v.N, now, in.Comment)}, nil
	})
	if err != nil {
		return Article{}, err
	}
	return got, nil
}

func (s *Service) stamp(hs []HistoryEntry, actor string, n int, now time.Time, comment string) []HistoryEntry {
	for i := range hs {
		hs[i].ID, hs[i].At, hs[i].Actor = s.newID(HistoryPrefix), now, actor
		if hs[i].Comment == "" {
			hs[i].Comment = comment
		}
		if hs[i].N == 0 {
			hs[i].N = n
		}
	}
	return hs
}

// TransitionInput moves the latest version of an article.
type TransitionInput struct {
	ID              string
	ExpectedVersion int
	To              State
	Comment         string
}

// Transition moves the latest version along its lifecycle (see
// transitions and CheckTransition); publishing it makes the version that
// was live OUTDATED. NOT_FOUND, FORBIDDEN, INVALID_TRANSITION, CONFLICT
// and BAD_USER_INPUT as their rules say; nothing is written on any error.
func (s *Service) Transition(ctx context.Context, p auth.Principal, in TransitionInput) (Article, error) {
	if !SeesInternal(p) {
		return Article{}, notFound(in.ID)
	}
	if err := validate.Text("comment", in.Comment, false, MaxCommentLen); err != nil {
		return Article{}, err
	}
	now := s.now().UTC()
	got, err := s.store.UpdateArticle(ctx, in.ID, func(cur Article) (Write, error) {
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return Write{}, err
		}
		if err := CheckTransition(p, cur, in.To); err != nil {
			return Write{}, err
		}
		next := cur
		next.Version, next.UpdatedAt = cur.Version+1, now
		v := cur.Latest
		history := []HistoryEntry{{Field: FieldState, From: string(v.State), To: string(in.To)}}
		v.State, v.UpdatedAt = in.To, now
		var versions []Version
		switch in.To {
		case InReview:
			v.SubmittedBy, v.SubmittedAt = p.Subject, &now
		case Published:
			v.ApprovedBy, v.ApprovedAt = p.Subject, &now
			if old := cur.Live; old != nil && old.ID != v.ID {
				o := *old
				o.State, o.OutdatedAt, o.UpdatedAt = Outdated, &now, now
				versions = append(versions, o)
				history = append(history, HistoryEntry{N: o.N, Field: FieldState, From: string(Published), To: string(Outdated),
					Comment: "replaced by version " + itoa(v.N)})
			}
			next.Live = &v
		case Retired:
			v.RetiredAt = &now
			next.Live = nil
		}
		next.Latest = v
		versions = append(versions, v)
		return Write{Article: next, Versions: versions, History: s.stamp(history, p.Subject, v.N, now, in.Comment)}, nil
	})
	if err != nil {
		return Article{}, err
	}
	return got, nil
}

// AllowedTransitions lists the states p may move a's latest version to.
func (s *Service) AllowedTransitions(p auth.Principal, a Article) []State {
	var out []State
	for _, to := range NextStates(a.Latest.State) {
		if CheckTransition(p, a, to) == nil {
			out = append(out, to)
		}
	}
	return out
}

// Versions returns every version of each article p may read, oldest first:
// a requester gets the published version only.
func (s *Service) Versions(ctx context.Context, p auth.Principal, ids []string) (map[string][]Version, error) {
	if !SeesInternal(p) {
		got, err := s.GetMany(ctx, p, ids)
		out := map[string][]Version{}
		for id, a := range got {
			v, _ := View(p, a)
			out[id] = []Version{v}
		}
		return out, err
	}
	return s.store.Versions(ctx, ids)
}

// History returns the history of each article, oldest first; staff only.
func (s *Service) History(ctx context.Context, p auth.Principal, ids []string) (map[string][]HistoryEntry, error) {
	if !SeesInternal(p) {
		return map[string][]HistoryEntry{}, nil
	}
	return s.store.History(ctx, ids)
}

// Rate records p's feedback on the live version of an article p may read;
// a second rating by p of the same version replaces the first.
// INVALID_TRANSITION when no version is published.
func (s *Service) Rate(ctx context.Context, p auth.Principal, id string, helpful bool, comment string) (Article, error) {
	if err := validate.Text("comment", comment, false, MaxCommentLen); err != nil {
		return Article{}, err
	}
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return Article{}, err
	}
	if a.Live == nil {
		return Article{}, apperr.New(apperr.InvalidTransition, "article %s has no published version; only published articles take feedback", a.Number)
	}
	v, err := s.store.Rate(ctx, Rating{VersionID: a.Live.ID, Subject: p.Subject, Helpful: helpful, Comment: comment, At: s.now().UTC()})
	if err != nil {
		return Article{}, err
	}
	a.Live.Helpful, a.Live.Unhelpful = v.Helpful, v.Unhelpful
	if a.Latest.ID == v.ID {
		a.Latest = *a.Live
	}
	return a, nil
}

// RecordView counts one view of an article p may read.
func (s *Service) RecordView(ctx context.Context, p auth.Principal, id string) (Article, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return Article{}, err
	}
	if err := s.store.AddView(ctx, id); err != nil {
		return Article{}, err
	}
	a.Views++
	return a, nil
}

// DueReason says why an article is due for review.
type DueReason string

// The reasons.
const (
	ReviewDatePassed DueReason = "REVIEW_DATE_PASSED"
	MostlyUnhelpfulR DueReason = "MOSTLY_UNHELPFUL"
)

// Due is an article due for review and why.
type Due struct {
	Article Article
	Reasons []DueReason
}

// DueForReview reports up to limit published articles whose review date
// has passed or whose live version's feedback is mostly unhelpful; staff
// only.
func (s *Service) DueForReview(ctx context.Context, p auth.Principal, limit int) ([]Due, error) {
	if err := forbidden(SeesInternal(p), "the knowledge review report", "a staff"); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 100 {
		return nil, apperr.Invalid("first", "must be between 1 and 100 (got %d)", limit)
	}
	now := s.now().UTC()
	vs, err := s.store.DueForReview(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	arts, err := s.articlesOf(ctx, p, vs)
	if err != nil {
		return nil, err
	}
	out := make([]Due, 0, len(vs))
	for i, v := range vs {
		var why []DueReason
		if v.ReviewBy != nil && v.ReviewBy.Before(now) {
			why = append(why, ReviewDatePassed)
		}
		if MostlyUnhelpful(v) {
			why = append(why, MostlyUnhelpfulR)
		}
		if arts[i] != nil {
			out = append(out, Due{Article: *arts[i], Reasons: why})
		}
	}
	return out, nil
}

// articlesOf returns the article of each version (nil where p may not
// read it any more).
func (s *Service) articlesOf(ctx context.Context, p auth.Principal, vs []Version) ([]*Article, error) {
	var idList []string
	for _, v := range vs {
		idList = append(idList, v.ArticleID)
	}
	got, err := s.GetMany(ctx, p, idList)
	if err != nil {
		return nil, err
	}
	out := make([]*Article, len(vs))
	for i, v := range vs {
		if a, ok := got[v.ArticleID]; ok {
			out[i] = &a
		}
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
