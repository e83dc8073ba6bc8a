package problem

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/itsm-graph/itsm/impact"
)

// Matching known errors: a service desk agent working an incident is
// offered the known errors that may explain it, with their workarounds,
// ranked: those on the incident's own CIs, then those on what its CIs
// depend on (nearest first), then those on CIs that depend on something its
// CIs depend on (siblings, nearest first), then those on its services.

// MatchKind says how a known error connects to an incident.
type MatchKind string

// The kinds of match, best first.
const (
	SameCI           MatchKind = "SAME_CI"
	Dependency       MatchKind = "DEPENDENCY"
	SharedDependency MatchKind = "SHARED_DEPENDENCY"
	SameService      MatchKind = "SAME_SERVICE"
)

// matchKinds are the kinds of match, best first.
var matchKinds = []MatchKind{SameCI, Dependency, SharedDependency, SameService}

// The bounds of a matching question.
const (
	DefaultMatchDepth = 3
	DefaultMatches    = 10
	MaxMatches        = 100
)

// Match is a known error that may explain an incident: how it connects,
// through which CI or service, how far and along which path.
type Match struct {
	KnownError Problem
	Kind       MatchKind
	// ItemID is the CI or service both are on.
	ItemID   string
	Distance int
	// Path leads from the incident's CI to the known error's, along impact
	// against its direction.
	Path []impact.Step
	// Sibling is, for a SharedDependency, the known error's CI and how
	// ItemID reaches it.
	Sibling *Sharing
	Rank    int
	Reason  string
}

// Sharing is a known error on a CI that depends on an item within some
// steps, as the store finds it.
type Sharing struct {
	KnownError Problem
	// CIID and CIName are the known error's CI (or root-cause CI).
	CIID, CIName string
	// ItemID is the item it depends on.
	ItemID string
	// Path leads from the item to the CI in the order impact travels.
	Path []impact.Edge
}

// steps is how far apart the incident's CI and the known error's are.
func (m Match) steps() int {
	if m.Sibling != nil {
		return m.Distance + len(m.Sibling.Path)
	}
	return m.Distance
}

// MatchQuery asks which known errors match an incident on CIIDs and
// ServiceIDs, looking Depth dependency steps up from the CIs.
type MatchQuery struct {
	CIIDs, ServiceIDs []string
	Depth             *int
	First             *int
}

// MatchingKnownErrors ranks the known errors on the incident's CIs, on what
// they depend on, on what shares those dependencies, and on its services;
// each known error once, by its best connection, then nearer, then higher
// priority, then newer.
func (h *Hints) MatchingKnownErrors(ctx context.Context, q MatchQuery) ([]Match, error) {
	first, err := intIn("first", q.First, DefaultMatches, 1, MaxMatches)
	if err != nil {
		return nil, err
	}
	where, err := h.analyzer.Showing(impact.Names).Upstream(ctx, q.CIIDs, orDefault(q.Depth, DefaultMatchDepth))
	if err != nil {
		return nil, err
	}
	if len(where) == 0 && len(q.ServiceIDs) == 0 {
		return nil, nil
	}
	known, err := h.store.KnownErrorsOn(ctx, slices.Sorted(maps.Keys(where)), q.ServiceIDs)
	if err != nil {
		return nil, err
	}
	var above []string
	for id, p := range where {
		if p.Distance > 0 {
			above = append(above, id)
		}
	}
	slices.Sort(above)
	siblings, err := h.store.KnownErrorsSharing(ctx, above, *orDefault(q.Depth, DefaultMatchDepth))
	if err != nil {
		return nil, err
	}
	best := map[string]Match{}
	for _, k := range known {
		if m, ok := bestMatch(k, where, q.ServiceIDs); ok {
			best[k.ID] = m
		}
	}
	for _, sh := range siblings {
		p := where[sh.ItemID]
		m := Match{KnownError: sh.KnownError, Kind: SharedDependency, ItemID: sh.ItemID, Distance: p.Distance, Path: p.Path, Sibling: &sh}
		if b, ok := best[sh.KnownError.ID]; !ok || matchOrder(m, b) < 0 {
			best[sh.KnownError.ID] = m
		}
	}
	out := slices.Collect(maps.Values(best))
	slices.SortFunc(out, matchOrder)
	out = out[:min(len(out), first)]
	for i := range out {
		out[i].Rank = i + 1
		out[i].Reason = out[i].reason(where)
	}
	return out, nil
}

// matchOrder ranks matches: by kind, then nearer, then higher priority,
// then newer.
func matchOrder(a, b Match) int {
	return cmp.Or(cmp.Compare(slices.Index(matchKinds, a.Kind), slices.Index(matchKinds, b.Kind)), cmp.Compare(a.steps(), b.steps()),
		cmp.Compare(a.KnownError.Priority, b.KnownError.Priority), b.KnownError.CreatedAt.Compare(a.KnownError.CreatedAt),
		cmp.Compare(a.KnownError.ID, b.KnownError.ID))
}

// bestMatch is how known error k connects best to the incident: its
// nearest CI (or root-cause CI) among the places, else a shared service.
func bestMatch(k Problem, where map[string]impact.Place, services []string) (Match, bool) {
	m, found := Match{KnownError: k}, false
	for _, id := range append(slices.Clone(k.CIIDs), k.RootCauseCIID) {
		p, ok := where[id]
		if !ok || found && p.Distance >= m.Distance {
			continue
		}
		m.Kind, m.ItemID, m.Distance, m.Path, found = Dependency, id, p.Distance, p.Path, true
		if p.Distance == 0 {
			m.Kind = SameCI
		}
	}
	if found {
		return m, true
	}
	for _, id := range k.ServiceIDs {
		if slices.Contains(services, id) {
			m.Kind, m.ItemID = SameService, id
			return m, true
		}
	}
	return m, false
}

// reason says, for a person reading the list, how the known error
// connects.
func (m Match) reason(where map[string]impact.Place) string {
	name := m.ItemID
	if p, ok := where[m.ItemID]; ok {
		name = impact.NameOf(p.Node.Item)
	}
	switch m.Kind {
	case SameCI:
		return fmt.Sprintf("known error %s on %s, a CI of the incident", m.KnownError.Number, name)
	case Dependency:
		steps := "steps"
		if m.Distance == 1 {
			steps = "step"
		}
		return fmt.Sprintf("known error %s on %s, which the incident's CI depends on (%d %s)", m.KnownError.Number, name, m.Distance, steps)
	case SharedDependency:
		return fmt.Sprintf("known error %s on %s, which depends on %s as the incident's CI does (%d + %d steps)",
			m.KnownError.Number, m.Sibling.CIName, name, m.Distance, len(m.Sibling.Path))
	}
	return fmt.Sprintf("known error %s on %s, a service of the incident", m.KnownError.Number, name)
}
