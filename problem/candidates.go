package problem

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/impact"
)

// Common causes: incidents whose CIs share an upstream dependency may have
// one cause, that dependency. Each shared CI is a problem candidate; the
// CI an incident is on is its own upstream, so recurring incidents on one
// CI are candidates too.

// The bounds of a problemCandidates question.
const (
	DefaultCandidateWindow = 7 * 24 * time.Hour
	DefaultMinIncidents    = 2
	DefaultCandidateDepth  = 3
	// MaxCandidateDepth bounds the walk up from every incident's CIs.
	MaxCandidateDepth      = 10
	DefaultCandidates      = 20
	MaxCandidates          = 100
	maxCandidateIncidentsN = 1000
	// DefaultExplained and MaxExplained bound how many of a candidate's
	// incidents are explained with a path: a cause near the core of the
	// network may reach thousands.
	DefaultExplained = 20
	MaxExplained     = 200
)

// Shared is a CI upstream of the CIs of several incidents, as the store
// finds it.
type Shared struct {
	CIID string
	// IncidentIDs are the incidents of the window whose CIs it impacts
	// (or which are on it), sorted.
	IncidentIDs []string
	// Distance sums the steps from the CI to each incident (to its nearest
	// CI): the nearer a cause, the more specific.
	Distance int
	// Fanout is how many items the CI impacts directly: of two causes as
	// near, the one with fewer dependents is the more specific.
	Fanout int
}

// Explanation is how a shared CI reaches one incident's CI.
type Explanation struct {
	IncidentID string
	CIID       string
	// Path leads from the shared CI to the incident's CI in the order
	// impact travels; empty when the incident is on the shared CI.
	Path []impact.Edge
}

// CandidateStore finds shared CIs and explains them. One query each.
type CandidateStore interface {
	// SharedCauses returns every CI within depth steps upstream of the CIs
	// of at least min incidents created in the window.
	SharedCauses(ctx context.Context, from, to time.Time, depth, min int) ([]Shared, error)
	// Explain returns, for each shared CI, a shortest path from it to each
	// CI of each of its incidents (the first perShared of them).
	Explain(ctx context.Context, shared []Shared, depth, perShared int) (map[string][]Explanation, error)
	// ProblemsOn returns, for each of the CIs, the problems in one of
	// states that have it among their CIs or as their root cause.
	ProblemsOn(ctx context.Context, ciIDs []string, states []State) (map[string][]string, error)
}

// Candidate is a problem candidate: a shared CI, the incidents it may
// explain and how it reaches each.
type Candidate struct {
	Shared
	Rank         int
	Explanations []Explanation
	// OpenProblemIDs are the open problems already on the shared CI: the
	// cause may be under investigation, or known.
	OpenProblemIDs []string
}

// CandidateQuery asks for the problem candidates among the incidents
// created between From and To (zero: the DefaultCandidateWindow ending
// now).
type CandidateQuery struct {
	From, To     time.Time
	MinIncidents *int
	Depth        *int
	First        *int
	// Explained is how many incidents of each candidate are explained, in
	// the order of their ids.
	Explained *int
}

// Candidates finds common causes; see ProblemCandidates.
type Candidates struct {
	store CandidateStore
	now   func() time.Time
}

// NewCandidates returns Candidates over the store.
func NewCandidates(store CandidateStore, now func() time.Time) *Candidates {
	return &Candidates{store: store, now: now}
}

// intIn resolves an optional bounded number.
func intIn(field string, v *int, def, lo, hi int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < lo || *v > hi {
		return 0, apperr.Invalid(field, "must be between %d and %d (got %d)", lo, hi, *v)
	}
	return *v, nil
}

// ProblemCandidates ranks the shared CIs of the window's incidents: the
// more incidents one explains the better, then the more specific: nearer
// the incidents' CIs, then impacting fewer items directly. A CI that
// explains exactly the incidents a better-ranked one explains adds nothing
// and is left out: the nearer cause stands for the chain above it.
func (c *Candidates) ProblemCandidates(ctx context.Context, q CandidateQuery) ([]Candidate, error) {
	from, to, err := window(q.From, q.To, c.now(), DefaultCandidateWindow)
	if err != nil {
		return nil, err
	}
	minimum, err := intIn("minIncidents", q.MinIncidents, DefaultMinIncidents, 1, maxCandidateIncidentsN)
	if err != nil {
		return nil, err
	}
	depth, err := intIn("maxDepth", q.Depth, DefaultCandidateDepth, 0, MaxCandidateDepth)
	if err != nil {
		return nil, err
	}
	first, err := intIn("first", q.First, DefaultCandidates, 1, MaxCandidates)
	if err != nil {
		return nil, err
	}
	explained, err := intIn("incidentsPerCandidate", q.Explained, DefaultExplained, 0, MaxExplained)
	if err != nil {
		return nil, err
	}
	shared, err := c.store.SharedCauses(ctx, from, to, depth, minimum)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(shared, func(a, b Shared) int {
		return cmp.Or(cmp.Compare(len(b.IncidentIDs), len(a.IncidentIDs)), cmp.Compare(a.Distance, b.Distance),
			cmp.Compare(a.Fanout, b.Fanout), cmp.Compare(a.CIID, b.CIID))
	})
	var kept []Shared
	seen := map[string]bool{}
	for _, s := range shared {
		key := strings.Join(s.IncidentIDs, ",")
		if seen[key] {
			continue
		}
		seen[key] = true
		kept = append(kept, s)
		if len(kept) == first {
			break
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	why, err := c.store.Explain(ctx, kept, depth, explained)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(kept))
	for i, s := range kept {
		ids[i] = s.CIID
	}
	open, err := c.store.ProblemsOn(ctx, ids, OpenStates())
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, len(kept))
	for i, s := range kept {
		out[i] = Candidate{Shared: s, Rank: i + 1, Explanations: why[s.CIID], OpenProblemIDs: open[s.CIID]}
	}
	return out, nil
}
