package resolvers

import (
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/impact"
)

// The cost model behind MAX_QUERY_COMPLEXITY: about the number of objects a
// query could return. An object costs 1 and what it selects (scalars and
// enums cost nothing); a list costs what one item selects times the items
// it may return; fields whose work does not show in the size of their
// answer weigh what they cost the database:
//   - a graph analysis (impact, dependencies, neighbourhood, paths,
//     conflicts) walks up to every node within its depth whatever it
//     returns: analysisPerHop per hop it may follow, plus perStart for each
//     extra start, plus its selection times analysisItems (a neighbourhood,
//     which keeps at most first items, times first);
//   - a root list (a connection) filters and counts every matching row,
//     whether or not totalCount is asked for: listCost on top of its items.
//     A totalCount alone cannot carry it, as gqlgen multiplies what a
//     connection selects by its page size. Nested lists are read for all
//     their parents at once, so they cost their items only.
//
// With the default limit of 500,000 a request runs at most about 16
// analyses of the default depth of 10 hops, 8 of 20 hops, or 500 lists;
// a screen of 50 CIs with two levels of 20 relationships each (about 40,000
// objects) fits many times over.
const (
	analysisPerHop = 3000
	perStart       = 500
	analysisItems  = 10
	listCost       = 1000
	defaultPage    = 20
	relationsPage  = 100
)

// setCosts installs every process's part of the cost model on c.
func (r *Resolver) setCosts(c *graph.ComplexityRoot) {
	for _, p := range processes() {
		if p.costs != nil {
			p.costs(r, c)
		}
	}
	c.Query.Nodes = func(child int, ids []string) int { return len(ids) * child }
}

// connection is the cost of a root list: the count it runs and its page.
func connection(child int, first *int) int { return listCost + page(first, defaultPage)*child }

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
