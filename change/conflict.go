package change

import (
	"cmp"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/ids"
)

// scope is what a change touches: its targets and what they impact.
type scope struct {
	targets  map[string]bool
	impacted map[string]bool
}

func scopeOf(targets, impacted []string) scope {
	s := scope{targets: map[string]bool{}, impacted: map[string]bool{}}
	for _, id := range targets {
		s.targets[id] = true
	}
	for _, id := range impacted {
		if !s.targets[id] {
			s.impacted[id] = true
		}
	}
	return s
}

func (s scope) has(id string) bool { return s.targets[id] || s.impacted[id] }

// conflictWith compares change c (scope mine) with another change; ok is
// false when they do not conflict. Only active changes whose windows
// overlap can conflict; two changes that merely touch in time (one ends as
// the other starts) do not.
func conflictWith(c Change, mine scope, other Change) (Conflict, bool) {
	if other.ID == c.ID || !other.State.Active() || other.PlannedStart.IsZero() || !c.Window().Overlaps(other.Window()) {
		return Conflict{}, false
	}
	var impacted []string
	if other.Assessment != nil {
		impacted = other.Assessment.ImpactedIDs
	}
	theirs := scopeOf(other.TargetIDs, impacted)
	reasons := map[ConflictReason]bool{}
	shared := map[string]bool{}
	for id := range theirs.targets {
		switch {
		case mine.targets[id]:
			reasons[SameTarget] = true
		case mine.impacted[id]:
			reasons[TargetImpacted] = true
		default:
			continue
		}
		shared[id] = true
	}
	for id := range theirs.impacted {
		switch {
		case mine.targets[id]:
			reasons[TargetImpacted] = true
		case mine.impacted[id]:
			reasons[SharedImpact] = true
		default:
			continue
		}
		shared[id] = true
	}
	if len(shared) == 0 {
		return Conflict{}, false
	}
	out := Conflict{ChangeID: other.ID, SharedCount: len(shared), Overlap: Window{
		Start: latest(c.PlannedStart, other.PlannedStart), End: earliest(c.PlannedEnd, other.PlannedEnd),
	}}
	for _, r := range []ConflictReason{SameTarget, TargetImpacted, SharedImpact} {
		if reasons[r] {
			out.Reasons = append(out.Reasons, r)
		}
	}
	list := make([]string, 0, len(shared))
	for id := range shared {
		list = append(list, id)
	}
	slices.SortFunc(list, func(a, b string) int {
		if d := sharedRank(a) - sharedRank(b); d != 0 {
			return d
		}
		return cmp.Compare(a, b)
	})
	out.SharedIDs = list[:min(len(list), maxSharedIDs)]
	return out, true
}

// sharedRank puts the items a CAB cares most about first: business
// services, then technical services, then the rest.
func sharedRank(id string) int {
	switch ids.Kind(id) {
	case catalog.BusinessServicePrefix:
		return 0
	case catalog.TechnicalServicePrefix:
		return 1
	}
	return 2
}

// FindConflicts lists the changes among others that conflict with c, whose
// own impacted items are impacted.
func FindConflicts(c Change, impacted []string, others []Change) []Conflict {
	mine := scopeOf(c.TargetIDs, impacted)
	var out []Conflict
	for _, o := range others {
		if cf, ok := conflictWith(c, mine, o); ok {
			out = append(out, cf)
		}
	}
	slices.SortFunc(out, func(a, b Conflict) int { return cmp.Compare(a.ChangeID, b.ChangeID) })
	return out
}

// ApplicableFreezes lists the freeze windows that overlap c's window and
// cover it: global ones, and those on a service that c targets or impacts
// (a freeze on a service reaches everything that supports it, because
// changing a supporting item impacts the service).
func ApplicableFreezes(c Change, impacted []string, freezes []FreezeWindow) []FreezeWindow {
	mine := scopeOf(c.TargetIDs, impacted)
	var out []FreezeWindow
	for _, f := range freezes {
		if !c.Window().Overlaps(f.Window()) {
			continue
		}
		if len(f.ServiceIDs) == 0 || slices.ContainsFunc(f.ServiceIDs, mine.has) {
			out = append(out, f)
		}
	}
	return out
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
