package resolvers

import (
	"context"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/problem"
	"golang.org/x/sync/errgroup"
)

// nearbyShows registers the records a nearby change shows: the item it
// happened to and the change.
func nearbyShows() snapshot {
	return shows(func(o *model.NearbyChange) []string {
		var shown []string
		if o.Item != nil {
			shown = append(shown, o.Item.GetID())
		}
		if o.ChangeID != "" {
			shown = append(shown, o.ChangeID)
		}
		return shown
	})
}

// matchShows registers the records a known error match shows.
func matchShows() snapshot {
	return shows(func(o *model.KnownErrorMatch) []string {
		var shown []string
		if o.KnownError != nil {
			shown = append(shown, o.KnownError.ID)
		}
		return append(shown, o.ItemID)
	})
}

// hintCosts prices the root-cause questions, each a walk up the graph.
func hintCosts(r *Resolver, c *graph.ComplexityRoot) {
	c.Query.ChangesNear = func(child int, _ string, _ *model.TimeWindowInput, depth *int, _ *int) int {
		return r.analysisCost(child, depth)
	}
	c.Incident.RecentChangesNear = func(child int, _ *model.TimeWindowInput, depth *int, _ *int) int {
		return r.analysisCost(child, depth)
	}
	c.Problem.RootCauseHints = func(child int, _ *model.TimeWindowInput, depth *int, _ *int) int {
		return r.analysisCost(child, depth)
	}
	c.Incident.MatchingKnownErrors = func(child int, depth *int, _ *int) int { return r.analysisCost(child, depth) }
	// Each candidate shows up to perCandidate incidents.
	c.Query.ProblemCandidates = func(child int, _ *model.TimeWindowInput, _ *int, depth *int, first *int, perCandidate *int) int {
		k := problem.DefaultExplained
		if perCandidate != nil {
			k = max(1, *perCandidate)
		}
		return r.analysisCost(child, depth) + connection(child*k, first)
	}
}

// changesNear answers a changesNear question about ids; the window
// defaults to the one ending at end.
func (r *Resolver) changesNear(ctx context.Context, ids []string, window *model.TimeWindowInput, end time.Time, depth, first *int) ([]*model.NearbyChange, error) {
	q := problem.NearQuery{ItemIDs: ids, Depth: depth, First: first, Detail: ItemDetail(ctx)}
	if q.From, q.To = bounds(window); window == nil {
		q.To = end
	}
	found, err := r.Hints.ChangesNear(ctx, q)
	if err != nil {
		return nil, err
	}
	return mapSlice(found, nearbyModel), nil
}

// bounds are a window's ends; zero without a window, for the question's
// default.
func bounds(w *model.TimeWindowInput) (from, to time.Time) {
	if w == nil {
		return time.Time{}, time.Time{}
	}
	return w.From, w.To
}

func nearbyModel(n problem.Nearby) *model.NearbyChange {
	m := &model.NearbyChange{Rank: n.Rank, Reason: n.Reason, Kind: model.NearbyChangeKind(n.Kind), At: n.At,
		Item: itemModel(n.Item), Distance: n.Distance, Path: pathModel(n.Path), ChangeID: n.ChangeID}
	if n.Risk != "" {
		m.RiskLevel = enumPtr[model.RiskLevel](&n.Risk)
	}
	if n.Entry != nil {
		m.HistoryEntry = historyModel(*n.Entry)
	}
	return m
}

// prefetchCandidates loads what the selection shows of the candidates'
// incidents, CIs and open problems, a batch each, side by side. Left to
// their fields, hundreds of loads spread over more batches the busier the
// server is, and a request's transactions would depend on the load. A
// record that fails to load fails its field, from the loader's cache.
func prefetchCandidates(ctx context.Context, found []problem.Candidate) error {
	var incidents, cis, problems []string
	for _, c := range found {
		cis, problems = append(cis, c.CIID), append(problems, c.OpenProblemIDs...)
		for _, e := range c.Explanations {
			incidents, cis = append(incidents, e.IncidentID), append(cis, e.CIID)
		}
	}
	var g errgroup.Group
	if selects(ctx, "incidents", "incident") {
		g.Go(func() error {
			_, _ = incidentLoadersFrom(ctx).incidents.LoadAll(ctx, incidents)
			return nil
		})
	}
	if selects(ctx, "configurationItem") || selects(ctx, "incidents", "configurationItem") {
		g.Go(func() error {
			_, err := itemsOf[*model.ConfigurationItem](ctx, cis)
			return err
		})
	}
	if selects(ctx, "openProblems") {
		g.Go(func() error {
			_, err := readableProblems(ctx, problems)
			return err
		})
	}
	return g.Wait()
}

func candidateModel(c problem.Candidate) *model.ProblemCandidate {
	m := &model.ProblemCandidate{Rank: c.Rank, CIID: c.CIID, IncidentCount: len(c.IncidentIDs), Fanout: c.Fanout, OpenProblemIDs: c.OpenProblemIDs}
	for _, e := range c.Explanations {
		m.Incidents = append(m.Incidents, &model.CandidateIncident{IncidentID: e.IncidentID, CIID: e.CIID, Path: mapSlice(e.Path, edgeModel)})
	}
	return m
}

// loadCI is the CI id names, through the response's item loader;
// NOT_FOUND when there is none the caller may read.
func loadCI(ctx context.Context, id string) (*model.ConfigurationItem, error) {
	ci, err := itemOf[*model.ConfigurationItem](ctx, id)
	if err == nil && ci == nil {
		err = apperr.New(apperr.NotFound, "no configuration item has id %q", id)
	}
	return ci, err
}

func matchModel(m problem.Match) *model.KnownErrorMatch {
	out := &model.KnownErrorMatch{Rank: m.Rank, Reason: m.Reason, Kind: model.KnownErrorMatchKind(m.Kind), KnownError: problemModel(m.KnownError),
		ItemID: m.ItemID, Distance: m.Distance, Path: pathModel(m.Path), KnownErrorPath: []*model.GraphEdge{}}
	if m.Sibling != nil {
		out.KnownErrorCIID, out.KnownErrorPath = m.Sibling.CIID, mapSlice(m.Sibling.Path, edgeModel)
	}
	return out
}
