package change

import (
	"context"
	"slices"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/impact"
)

// assess computes c's assessment from the graph as it is now.
func (s *Service) assess(ctx context.Context, c Change) (*Assessment, error) {
	res, depth, err := s.analyzer.Impact(ctx, c.TargetIDs, nil)
	if err != nil {
		return nil, err
	}
	a := &Assessment{At: s.now().UTC(), Depth: depth, Counts: map[catalog.Kind]int{}}
	for _, it := range append(slices.Clone(res.Roots), res.Impacted...) {
		if it.Distance > 0 {
			a.ImpactedIDs = append(a.ImpactedIDs, it.Node.ID)
			a.Counts[it.Node.Kind]++
			if it.Severity == impact.Down {
				a.Down++
			}
		}
		if svc, ok := it.Node.Item.(catalog.Service); ok && svc.Kind == catalog.KindBusinessService {
			a.BusinessServices = append(a.BusinessServices, ImpactedService{
				ID: svc.ID, Name: svc.Name, Severity: string(it.Severity), Criticality: svc.Criticality, Distance: it.Distance,
			})
		}
	}
	others, err := s.store.ChangesIn(ctx, c.Window(), activeStates(), maxOverlapping)
	if err != nil {
		return nil, err
	}
	a.Conflicts = FindConflicts(c, a.ImpactedIDs, others)
	freezes, err := s.store.FreezesIn(ctx, c.Window())
	if err != nil {
		return nil, err
	}
	for _, f := range ApplicableFreezes(c, a.ImpactedIDs, freezes) {
		a.FreezeWindowIDs = append(a.FreezeWindowIDs, f.ID)
	}
	ex, err := s.store.Exposure(ctx, append(slices.Clone(c.TargetIDs), a.ImpactedIDs...), maxExposure)
	if err != nil {
		return nil, err
	}
	a.OpenIncidents, a.SLAs = ex.OpenIncidents, ex.SLAs
	if a.PastChanges, a.PastFailures, err = s.store.PastOutcomes(ctx, c.TargetIDs, c.ID); err != nil {
		return nil, err
	}
	a.Risk = Score(RiskInput{
		Type: c.Type, Impacted: len(a.ImpactedIDs), BusinessServices: a.BusinessServices,
		Conflicts: len(a.Conflicts), FreezeWindows: len(a.FreezeWindowIDs),
		PastChanges: a.PastChanges, PastFailures: a.PastFailures,
	})
	a.Required = s.policy.Required(c.Type, a.Risk.Level)
	return a, nil
}

// maxOverlapping bounds how many changes one window is compared with;
// maxExposure how many incidents and SLAs an assessment lists.
const (
	maxOverlapping = 1000
	maxExposure    = 100
)

func activeStates() []State {
	return slices.DeleteFunc(States(), func(s State) bool { return !s.Active() })
}

func impactedIDs(res impact.Result) []string {
	out := make([]string, 0, len(res.Impacted))
	for _, it := range res.Impacted {
		out = append(out, it.Node.ID)
	}
	return out
}
