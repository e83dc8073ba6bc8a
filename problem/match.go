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
// depend on (nearest first), then those on its services.

// MatchKind says how a known error connects to an incident.
type MatchKind string

// The kinds of match, best first.
const (
	SameCI      MatchKind = "SAME_CI"
	Dependency  MatchKind = "DEPENDENCY"
	SameService MatchKind = "SAME_SERVICE"
)

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
	Path   []impact.Step
	Rank   int
	Reason string
}

// MatchQuery asks which known errors match an incident on CIIDs and
// ServiceIDs, looking Depth dependency steps up from the CIs.
type MatchQuery struct {
	CIIDs, ServiceIDs []string
	Depth             *int
	First             *int
}

// MatchingKnownErrors ranks the known errors on the incident's CIs, on what
// they depend on, and on its services; each known error once, by its best
// connection, then higher priority, then newer.
func (h *Hints) MatchingKnownErrors(ctx context.Context, q MatchQuery) ([]Match, error) {
	first, err := intIn("first", q.First, DefaultMatches, 1, MaxMatches)
	if err != nil {
		return nil, err
	}
	where, err := h.upstream(ctx, q.CIIDs, orDefault(q.Depth, DefaultMatchDepth), impact.Names)
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
	var out []Match
	for _, k := range known {
		if m, ok := bestMatch(k, where, q.ServiceIDs); ok {
			out = append(out, m)
		}
	}
	kinds := []MatchKind{SameCI, Dependency, SameService}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(slices.Index(kinds, a.Kind), slices.Index(kinds, b.Kind)), cmp.Compare(a.Distance, b.Distance),
			cmp.Compare(a.KnownError.Priority, b.KnownError.Priority), b.KnownError.CreatedAt.Compare(a.KnownError.CreatedAt),
			cmp.Compare(a.KnownError.ID, b.KnownError.ID))
	})
	out = out[:min(len(out), first)]
	for i := range out {
		out[i].Rank = i + 1
		out[i].Reason = out[i].reason(where)
	}
	return out, nil
}

// bestMatch is how known error k connects best to the incident: its
// nearest CI (or root-cause CI) among the places, else a shared service.
func bestMatch(k Problem, where map[string]place, services []string) (Match, bool) {
	m, found := Match{KnownError: k}, false
	for _, id := range append(slices.Clone(k.CIIDs), k.RootCauseCIID) {
		p, ok := where[id]
		if !ok || found && p.Distance >= m.Distance {
			continue
		}
		m.Kind, m.ItemID, m.Distance, m.Path, found = Dependency, id, p.Distance, p.path, true
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
func (m Match) reason(where map[string]place) string {
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
	}
	return fmt.Sprintf("known error %s on %s, a service of the incident", m.KnownError.Number, name)
}
