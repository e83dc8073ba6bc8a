package incident

import (
	"context"
	"slices"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/impact"
)

// ImpactSummary is what the graph says an incident's affected items impact.
type ImpactSummary struct {
	BusinessServiceIDs []string
	BusinessUnitIDs    []string
	// DownServiceIDs are the services (business or technical, the failed
	// ones included) hit DOWN; DegradedServiceIDs those hit DEGRADED.
	DownServiceIDs, DegradedServiceIDs []string
}

// ImpactAnalyzer computes the impact of failing items. NOT_FOUND for an
// unknown id; BAD_USER_INPUT for too many ids.
type ImpactAnalyzer interface {
	Impact(ctx context.Context, itemIDs []string) (ImpactSummary, error)
}

// GraphImpact adapts impact.Analyzer to ImpactAnalyzer, with the analyzer's
// default depth.
type GraphImpact struct{ Analyzer *impact.Analyzer }

// Impact implements ImpactAnalyzer.
func (g GraphImpact) Impact(ctx context.Context, itemIDs []string) (ImpactSummary, error) {
	res, _, err := g.Analyzer.Impact(ctx, itemIDs, nil)
	if err != nil {
		return ImpactSummary{}, err
	}
	return Summarize(res), nil
}

// Summarize reduces an impact analysis to the ids an incident keeps.
func Summarize(res impact.Result) ImpactSummary {
	var s ImpactSummary
	for _, it := range append(slices.Clone(res.Roots), res.Impacted...) {
		k := it.Node.Kind
		if k == catalog.KindBusinessService {
			s.BusinessServiceIDs = append(s.BusinessServiceIDs, it.Node.ID)
		}
		if k == catalog.KindBusinessUnit {
			s.BusinessUnitIDs = append(s.BusinessUnitIDs, it.Node.ID)
		}
		if k == catalog.KindBusinessService || k == catalog.KindTechnicalService {
			if it.Severity == impact.Down {
				s.DownServiceIDs = append(s.DownServiceIDs, it.Node.ID)
			} else {
				s.DegradedServiceIDs = append(s.DegradedServiceIDs, it.Node.ID)
			}
		}
	}
	s.BusinessServiceIDs = sortedSet(s.BusinessServiceIDs)
	s.BusinessUnitIDs = sortedSet(s.BusinessUnitIDs)
	s.DownServiceIDs = sortedSet(s.DownServiceIDs)
	s.DegradedServiceIDs = sortedSet(s.DegradedServiceIDs)
	return s
}

// sortedSet returns the distinct values of ids, sorted; nil for none.
func sortedSet(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return slices.Compact(slices.Sorted(slices.Values(ids)))
}
