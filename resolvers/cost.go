package resolvers

import (
	"time"

	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/impact"
)

// The cost model behind MAX_QUERY_COMPLEXITY. A field costs 1 and what it
// selects; a list costs what one item selects times the items it may return;
// fields whose work does not show in the size of their answer weigh what
// they cost the database:
//   - a graph analysis (impact, dependencies, neighbourhood, paths,
//     conflicts) walks up to every node within its depth whatever it
//     returns: analysisPerHop per hop it may follow, plus perStart for each
//     extra start, plus its selection times analysisItems;
//   - a root list (a connection) filters and counts every matching row,
//     whether or not totalCount is asked for: listCost on top of its items.
//     A totalCount alone cannot carry it, as gqlgen multiplies what a
//     connection selects by its page size. Nested lists are read for all
//     their parents at once, so they cost their items only.
//
// With the default limit of 50000 a request runs at most about 18 analyses
// of the default depth of 10 hops, 9 of 20 hops, or 500 lists.
const (
	analysisPerHop = 250
	perStart       = 50
	analysisItems  = 10
	listCost       = 100
	defaultPage    = 20
	relationsPage  = 100
)

// setCosts installs the cost model on c.
func (r *Resolver) setCosts(c *graph.ComplexityRoot) {
	connection := func(child int, first *int) int { return listCost + page(first, defaultPage)*child }
	q := &c.Query
	q.ConfigurationItems = func(child int, _ *model.ConfigurationItemFilter, _ *model.ConfigurationItemOrder, first *int, _ *string) int {
		return connection(child, first)
	}
	q.Users = func(child int, first *int, _ *string) int { return connection(child, first) }
	q.Groups = func(child int, first *int, _ *string) int { return connection(child, first) }
	q.Services = func(child int, _ *model.ServiceFilter, first *int, _ *string) int { return connection(child, first) }
	q.TechnicalCatalog = func(child int, first *int, _ *string) int { return connection(child, first) }
	q.BusinessUnits = func(child int, first *int, _ *string) int { return connection(child, first) }
	q.BusinessProcesses = func(child int, first *int, _ *string) int { return connection(child, first) }
	q.Incidents = func(child int, _ *model.IncidentFilter, first *int, _ *string) int { return connection(child, first) }
	q.Slas = func(child int, _ *string, first *int, _ *string) int { return connection(child, first) }
	q.Changes = func(child int, _ *model.ChangeFilter, first *int, _ *string) int { return connection(child, first) }
	q.UnauthorizedChanges = func(child int, _ time.Time, first *int, _ *string) int { return connection(child, first) }
	c.ConfigurationItem.Relationships = func(child int, _ *model.RelationshipDirection, _ []string, first *int) int {
		return 1 + page(first, relationsPage)*child
	}
	c.ConfigurationItem.History = func(child int, first *int, _ *string) int { return 1 + page(first, defaultPage)*child }

	q.ImpactAnalysis = func(child int, in model.ImpactAnalysisInput) int {
		return r.analysisCost(child, in.MaxDepth) + perStart*max(len(in.CiIds)-1, 0)
	}
	q.ServiceImpact = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
	q.Dependencies = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
	q.Dependents = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
	q.SupportingTree = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
	q.Neighbourhood = func(child int, _ string, depth *int, _ []string) int { return r.analysisCost(child, depth) }
	q.Paths = func(child int, _, _ string, maxLength, _ *int, _ []string) int {
		return r.analysisCost(child, maxLength)
	}
	q.ChangeConflicts = func(child int, _ string) int { return r.analysisCost(child, nil) }
	// A list of changes asking for these runs one analysis per change:
	// lists should read the stored assessment instead.
	c.Change.Impact = func(child int, depth *int) int { return r.analysisCost(child, depth) }
	c.Change.Conflicts = func(child int) int { return r.analysisCost(child, nil) }
}

// analysisCost is the cost of one graph analysis that may follow depth hops
// (the configured default when nil; the deepest supported when invalid,
// which the resolver refuses anyway).
func (r *Resolver) analysisCost(child int, depth *int) int {
	hops := impact.DefaultLimits().DefaultDepth
	if r.Analyzer != nil {
		d, err := r.Analyzer.Depth("depth", depth)
		if err != nil {
			d = impact.MaxSupportedDepth
		}
		hops = d
	}
	return analysisPerHop*hops + analysisItems*child
}

// page is the number of items a list argument asks for, def when unset.
func page(first *int, def int) int {
	if first != nil && *first > 0 {
		return *first
	}
	return def
}
