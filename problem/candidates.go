package problem

import (
	"cmp"
	"context"
	"slices"
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
	// MaxWindowIncidents bounds the incidents compared: the walk keeps, for
	// every item it reaches, the set of incidents that reached it.
	MaxWindowIncidents = 5000
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

// CandidateStore reads what common causes are found in, and explains them.
type CandidateStore interface {
	// Upstream returns the CIs of the incidents created in the window (at
	// most max of them), and the items up to depth steps above them.
	Upstream(ctx context.Context, from, to time.Time, depth, max int) (Upstream, error)
	// Fanouts returns how many items each of the items impacts directly,
	// for those that are CIs.
	Fanouts(ctx context.Context, ids []string) (map[string]int, error)
	// ImpactEdges returns, for each pair of an item and an item that
	// impacts it directly, one of the relationships that makes it so.
	ImpactEdges(ctx context.Context, pairs [][2]string) (map[[2]string]impact.Edge, error)
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
	up, err := c.store.Upstream(ctx, from, to, depth, MaxWindowIncidents+1)
	if err != nil {
		return nil, err
	}
	if up.Read > MaxWindowIncidents {
		return nil, apperr.Invalid("window", "holds more than %d incidents, the most one question compares: narrow it", MaxWindowIncidents)
	}
	found, incidentIDs := sharedCauses(up, depth, minimum)
	ids := make([]string, len(found))
	for i, r := range found {
		ids[i] = r.id
	}
	fanouts, err := c.store.Fanouts(ctx, ids)
	if err != nil {
		return nil, err
	}
	found = slices.DeleteFunc(found, func(r reached) bool { _, ci := fanouts[r.id]; return !ci })
	slices.SortFunc(found, func(a, b reached) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.distance, b.distance),
			cmp.Compare(fanouts[a.id], fanouts[b.id]), cmp.Compare(a.id, b.id))
	})
	var kept []Shared
	seen := map[string]bool{}
	for _, r := range found {
		key := r.incidents.key()
		if seen[key] {
			continue
		}
		seen[key] = true
		kept = append(kept, Shared{CIID: r.id, IncidentIDs: r.incidents.members(incidentIDs), Distance: r.distance, Fanout: fanouts[r.id]})
		if len(kept) == first {
			break
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	why, err := c.explain(ctx, up, kept, depth, explained)
	if err != nil {
		return nil, err
	}
	ids = make([]string, len(kept))
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

// explain finds how each shared CI reaches its first perShared incidents,
// and reads the relationships along the walks in one statement.
func (c *Candidates) explain(ctx context.Context, up Upstream, shared []Shared, depth, perShared int) (map[string][]Explanation, error) {
	walks := explanations(up, shared, depth, perShared)
	var pairs [][2]string
	for _, ws := range walks {
		for _, w := range ws {
			for i := 1; i < len(w.items); i++ {
				pairs = append(pairs, [2]string{w.items[i], w.items[i-1]})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	edges, err := c.store.ImpactEdges(ctx, slices.Compact(pairs))
	if err != nil {
		return nil, err
	}
	out := make(map[string][]Explanation, len(walks))
	for id, ws := range walks {
		for _, w := range ws {
			e := Explanation{IncidentID: w.incident, CIID: w.items[len(w.items)-1]}
			for i := 1; i < len(w.items); i++ {
				e.Path = append(e.Path, edges[[2]string{w.items[i], w.items[i-1]}])
			}
			out[id] = append(out[id], e)
		}
	}
	return out, nil
}
