package knowledge

import (
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/lifecycle"
	"github.com/itsm-graph/itsm/validate"
)

// Limits on article input.
const (
	MaxTitleLen    = 200
	MaxSummaryLen  = 2000
	MaxBodyBytes   = 200 * 1024
	MaxKeywords    = 30
	MaxKeywordLen  = 60
	MaxCategoryLen = 100
	MaxLanguageLen = 35
	MaxIDLen       = 100
	MaxLinks       = 50
	MaxIdemKeyLen  = 200
	MaxCommentLen  = 2000
)

// Who may do what (ADMIN holds every role).
//
// Authors (AGENT, PROBLEM_MANAGER, KNOWLEDGE_MANAGER) create articles, edit
// them and send a draft for review. KNOWLEDGE_MANAGER reviews: publishes a
// version, sends it back to DRAFT, retires a published article; an author of
// a version may not publish it, whatever their roles (FORBIDDEN). Every
// staff role reads every article; a REQUESTER reads only PUBLISHED PUBLIC
// ones, and never their internal links.

// CanAuthor reports whether p may write articles.
func CanAuthor(p auth.Principal) bool {
	return p.HasAny([]auth.Role{auth.Agent, auth.ProblemManager, auth.KnowledgeManager})
}

// CanReview reports whether p may publish, reject and retire articles.
func CanReview(p auth.Principal) bool { return p.Has(auth.KnowledgeManager) }

// SeesInternal reports whether p reads every article (staff), rather than
// published public ones only.
func SeesInternal(p auth.Principal) bool { return p.HasAny(auth.Staff) }

func forbidden(allowed bool, what, roles string) error {
	if allowed {
		return nil
	}
	return apperr.New(apperr.Forbidden, "%s needs the %s role", what, roles)
}

// View returns the version of a that p reads: the latest for staff, the
// published one for others when it is PUBLIC; false when p may not read a.
// Others also get the version without its internal links.
func View(p auth.Principal, a Article) (Version, bool) {
	if SeesInternal(p) {
		return a.Latest, true
	}
	if a.Live == nil || a.Live.Audience != Public {
		return Version{}, false
	}
	v := *a.Live
	v.ProblemIDs, v.IncidentIDs, v.ChangeIDs, v.CIIDs, v.ServiceIDs, v.OwnerGroupID = nil, nil, nil, nil, nil, ""
	return v, true
}

// PublishedView is a's published version as p may read it: whole for
// staff, without its links for others (see View); false when a has none
// p may read.
func PublishedView(p auth.Principal, a Article) (Version, bool) {
	if !SeesInternal(p) {
		return View(p, a)
	}
	if a.Live == nil {
		return Version{}, false
	}
	return *a.Live, true
}

// Visibility is what the store lets a reader see, applied inside its
// queries so that counts and pages hold nothing else.
type Visibility struct {
	// States and Audiences, when set, bound what is read whatever the
	// filter asks.
	States    []State
	Audiences []Audience
}

// VisibilityOf returns what p may read.
func VisibilityOf(p auth.Principal) Visibility {
	if SeesInternal(p) {
		return Visibility{}
	}
	return Visibility{States: []State{Published}, Audiences: []Audience{Public}}
}

// transitions is the state machine of the latest version. IN_REVIEW goes
// back to DRAFT when the reviewer rejects it or the author withdraws it.
// A published version is edited by starting a new draft (see Update), and
// goes OUTDATED when that draft is published; RETIRED is final.
func transitions() map[State][]State {
	return map[State][]State{
		Draft:     {InReview},
		InReview:  {Draft, Published},
		Published: {Retired},
	}
}

// NextStates returns the states a version in s may move to, in lifecycle
// order.
func NextStates(s State) []State { return lifecycle.Next(States(), transitions(), s) }

// CheckTransition returns nil when p may move the latest version of a to
// state to: BAD_USER_INPUT for an unknown state; INVALID_TRANSITION naming
// the allowed next states; FORBIDDEN without the role, or for an author
// publishing their own version.
func CheckTransition(p auth.Principal, a Article, to State) error {
	if err := validate.Enum("to", to, States()); err != nil {
		return err
	}
	cur := a.Latest
	if !slices.Contains(transitions()[cur.State], to) {
		next := NextStates(cur.State)
		if len(next) == 0 {
			return apperr.New(apperr.InvalidTransition, "article %s version %d is %s, which is final", a.Number, cur.N, cur.State)
		}
		return apperr.New(apperr.InvalidTransition, "article %s version %d cannot go from %s to %s; allowed next states: %v", a.Number, cur.N, cur.State, to, next)
	}
	switch {
	case to == InReview:
		return forbidden(CanAuthor(p), "sending an article for review", "AGENT, PROBLEM_MANAGER or KNOWLEDGE_MANAGER")
	case cur.State == InReview && to == Draft:
		return forbidden(CanReview(p) || slices.Contains(cur.Authors, p.Subject), "sending an article back to draft", "KNOWLEDGE_MANAGER (or authorship of the version)")
	case to == Published:
		if err := forbidden(CanReview(p), "publishing an article", "KNOWLEDGE_MANAGER"); err != nil {
			return err
		}
		if slices.Contains(cur.Authors, p.Subject) {
			return apperr.New(apperr.Forbidden, "you wrote version %d of article %s, so you cannot publish it; another knowledge manager must review and publish it", cur.N, a.Number)
		}
		return nil
	}
	return forbidden(CanReview(p), "retiring an article", "KNOWLEDGE_MANAGER")
}

func checkIDs(field string, ids []string) error {
	if len(ids) > MaxLinks {
		return apperr.Invalid(field, "lists %d ids; the limit is %d", len(ids), MaxLinks)
	}
	for _, id := range ids {
		if err := validate.Text(field, id, true, MaxIDLen); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the content an author sets.
func Validate(c Content) error {
	if len(c.Body) > MaxBodyBytes {
		return apperr.Invalid("body", "is %d bytes long; the limit is %d bytes (200 KB): split the article", len(c.Body), MaxBodyBytes)
	}
	if len(c.Keywords) > MaxKeywords {
		return apperr.Invalid("keywords", "lists %d keywords; the limit is %d", len(c.Keywords), MaxKeywords)
	}
	for _, k := range c.Keywords {
		if err := validate.Text("keywords", k, true, MaxKeywordLen); err != nil {
			return err
		}
	}
	for _, err := range []error{
		validate.Text("title", c.Title, true, MaxTitleLen),
		validate.Text("summary", c.Summary, false, MaxSummaryLen),
		validate.Text("body", c.Body, false, MaxBodyBytes),
		validate.Text("category", c.Category, false, MaxCategoryLen),
		validate.Enum("type", c.Type, Types()),
		validate.Enum("audience", c.Audience, Audiences()),
		validate.Text("language", c.Language, false, MaxLanguageLen),
		validate.Text("ownerGroupId", c.OwnerGroupID, false, MaxIDLen),
		checkIDs("ciIds", c.CIIDs),
		checkIDs("serviceIds", c.ServiceIDs),
		checkIDs("problemIds", c.ProblemIDs),
		checkIDs("incidentIds", c.IncidentIDs),
		checkIDs("changeIds", c.ChangeIDs),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// Diff returns a history entry (without id, time, actor or version) for
// each content field that differs between a and b, in a fixed order. The
// body's entry carries no text: a history of 200 KB bodies would dwarf
// the article, and every version keeps its own body.
func Diff(a, b Content) []HistoryEntry {
	fields := []struct {
		f    HistoryField
		x, y string
	}{
		{FieldTitle, a.Title, b.Title},
		{FieldSummary, a.Summary, b.Summary},
		{FieldKeywords, strings.Join(a.Keywords, ","), strings.Join(b.Keywords, ",")},
		{FieldCategory, a.Category, b.Category},
		{FieldType, string(a.Type), string(b.Type)},
		{FieldAudience, string(a.Audience), string(b.Audience)},
		{FieldLanguage, a.Language, b.Language},
		{FieldOwnerGroup, a.OwnerGroupID, b.OwnerGroupID},
		{FieldReviewBy, day(a.ReviewBy), day(b.ReviewBy)},
		{FieldLinks, links(a), links(b)},
	}
	var out []HistoryEntry
	if a.Body != b.Body {
		out = append(out, HistoryEntry{Field: FieldBody})
	}
	for _, f := range fields {
		if f.x != f.y {
			out = append(out, HistoryEntry{Field: f.f, From: f.x, To: f.y})
		}
	}
	return out
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func links(c Content) string {
	var parts []string
	for _, l := range [][]string{c.CIIDs, c.ServiceIDs, c.ProblemIDs, c.IncidentIDs, c.ChangeIDs} {
		parts = append(parts, l...)
	}
	return strings.Join(parts, ",")
}

// Unhelpful thresholds of the review report: an article is mostly
// unhelpful with at least MinRatings ratings of its live version, more
// than half of them unhelpful.
const MinRatings = 3

// MostlyUnhelpful reports whether v's feedback calls for a review.
func MostlyUnhelpful(v Version) bool {
	n := v.Helpful + v.Unhelpful
	return n >= MinRatings && 2*v.Unhelpful > n
}
