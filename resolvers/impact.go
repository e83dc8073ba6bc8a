package resolvers

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/paging"
)

// itemModel maps any impact-graph record to its GraphQL type.
func itemModel(item catalog.Item) model.GraphItem {
	switch v := item.(type) {
	case cmdb.CI:
		return ciModel(v)
	case catalog.Service:
		return serviceModel(v)
	case catalog.Unit:
		return unitModel(v)
	case catalog.Process:
		return processModel(v)
	}
	return nil
}

func edgeModel(e impact.Edge) *model.GraphEdge {
	rt, _ := cmdb.LookupRelType(e.Type)
	return &model.GraphEdge{ID: e.ID, Type: e.Type, SourceID: e.Source, TargetID: e.Target, ImpactDirection: model.ImpactDirection(rt.Impact)}
}

func pathModel(steps []impact.Step) []*model.GraphEdge {
	out := make([]*model.GraphEdge, len(steps))
	for i, s := range steps {
		out[i] = edgeModel(s.Edge)
	}
	return out
}

func nodeModel(n *impact.Node, distance int, sev impact.Severity) *model.GraphNode {
	gn := &model.GraphNode{ID: n.ID, Kind: model.ItemKind(n.Kind), Name: impact.NameOf(n.Item), Distance: distance, Item: itemModel(n.Item)}
	switch v := n.Item.(type) {
	case cmdb.CI:
		gn.Type, gn.Status = optional(string(v.Type)), optional(string(v.Status))
	case catalog.Service:
		st := string(serviceModel(v).ServiceKind)
		gn.Type, gn.Status = &st, optional(string(v.Status))
	}
	if sev != "" {
		s := model.Severity(sev)
		gn.Severity = &s
	}
	return gn
}

func viewModel(res impact.Result, withSeverity bool) *model.GraphView {
	v := &model.GraphView{Nodes: []*model.GraphNode{}, Edges: mapSlice(res.Edges(), edgeModel)}
	for _, r := range res.Roots {
		v.Nodes = append(v.Nodes, nodeModel(r.Node, 0, ""))
	}
	for _, i := range res.Impacted {
		sev := i.Severity
		if !withSeverity {
			sev = ""
		}
		v.Nodes = append(v.Nodes, nodeModel(i.Node, i.Distance, sev))
	}
	return v
}

// impactModel maps an analysis to the API. The drawing and the explaining
// paths cost as much as the rest of a large answer, so they are built only
// when the query selects them.
func impactModel(ctx context.Context, res impact.Result, depth int) *model.ImpactAnalysis {
	wantItems, wantPaths, wantGraph := wants(ctx, "impacted"), wants(ctx, "impacted.path"), wants(ctx, "graph")
	m := &model.ImpactAnalysis{
		MaxDepth: depth,
		Result:   res,
		Roots:    make([]model.GraphItem, len(res.Roots)),
		Impacted: []*model.ImpactedItem{},
		Counts: &model.ImpactCounts{
			Total:              len(res.Impacted),
			ConfigurationItems: res.Count(catalog.KindCI),
			TechnicalServices:  res.Count(catalog.KindTechnicalService),
			BusinessServices:   res.Count(catalog.KindBusinessService),
			BusinessProcesses:  res.Count(catalog.KindBusinessProcess),
			BusinessUnits:      res.Count(catalog.KindBusinessUnit),
			Down:               res.CountSeverity(impact.Down),
			Degraded:           res.CountSeverity(impact.Degraded),
		},
		Graph: &model.GraphView{},
	}
	if wantGraph {
		m.Graph = viewModel(res, true)
	}
	m.RetiredRoots = []model.GraphItem{}
	for i, r := range res.Roots {
		m.Roots[i] = itemModel(r.Node.Item)
		if impact.Retired(r.Node.Item) {
			m.RetiredRoots = append(m.RetiredRoots, m.Roots[i])
		}
	}
	if wantItems {
		m.Impacted = mapSlice(res.Impacted, func(it impact.Impacted) *model.ImpactedItem { return impactedModel(res, it, wantPaths) })
	}
	return m
}

// impactedModel maps one impacted item, with its explaining path when asked.
func impactedModel(res impact.Result, it impact.Impacted, withPath bool) *model.ImpactedItem {
	m := &model.ImpactedItem{Item: itemModel(it.Node.Item), Kind: model.ItemKind(it.Node.Kind),
		Distance: it.Distance, Severity: model.Severity(it.Severity)}
	if withPath {
		m.Path = pathModel(res.Path(it.Node.ID))
	}
	return m
}

// The largest page of impactedItems, and the page it reads when first is
// not given (the schema's default).
const (
	maxImpactedPage     = 1000
	defaultImpactedPage = 100
)

// impactedSort names the order of impactedItems in its cursors.
const impactedSort = "impacted"

// impactedPage is the page of an analysis's impacted items that the filter
// keeps, after the item the cursor names.
func impactedPage(res impact.Result, f *model.ImpactedItemFilter, req paging.Request) (paging.Page[impact.Impacted], error) {
	keep := func(impact.Impacted) bool { return true }
	if f != nil {
		kinds, severities := enumList[catalog.Kind](f.Kinds), enumList[impact.Severity](f.Severities)
		keep = func(it impact.Impacted) bool {
			return (len(kinds) == 0 || slices.Contains(kinds, it.Node.Kind)) &&
				(len(severities) == 0 || slices.Contains(severities, it.Severity)) &&
				(f.MaxDistance == nil || it.Distance <= *f.MaxDistance)
		}
	}
	kept := make([]impact.Impacted, 0, len(res.Impacted))
	for _, it := range res.Impacted {
		if keep(it) {
			kept = append(kept, it)
		}
	}
	page := paging.Page[impact.Impacted]{Total: len(kept), HasPrevious: req.After != ""}
	start := 0
	if req.After != "" {
		k, err := paging.Decode(req.After, impactedSort)
		if err != nil {
			return page, err
		}
		i := slices.IndexFunc(kept, func(it impact.Impacted) bool { return it.Node.ID == k.ID })
		if i < 0 {
			return page, apperr.Invalid("after", "names no item of this analysis; pass pageInfo.endCursor from the previous page of the same analysis")
		}
		start = i + 1
	}
	end := min(start+req.First, len(kept))
	page.Items, page.HasNext = kept[start:end], end < len(kept)
	for _, it := range page.Items {
		page.Cursors = append(page.Cursors, paging.Encode(paging.Keyset{ID: it.Node.ID, Sort: impactedSort}))
	}
	return page, nil
}

func reachModel(ctx context.Context, res impact.Result) *model.Reach {
	m := &model.Reach{Items: make([]*model.ReachedItem, len(res.Impacted)), ReachedCount: res.Reached, Graph: &model.GraphView{}}
	if wants(ctx, "graph") {
		m.Graph = viewModel(res, false)
	}
	wantPaths := wants(ctx, "items.path")
	if len(res.Roots) > 0 {
		m.Root = itemModel(res.Roots[0].Node.Item)
	}
	for i, it := range res.Impacted {
		m.Items[i] = &model.ReachedItem{Item: itemModel(it.Node.Item), Kind: model.ItemKind(it.Node.Kind), Distance: it.Distance}
		if wantPaths {
			m.Items[i].Path = pathModel(res.Path(it.Node.ID))
		}
	}
	return m
}

func pathsModel(paths []impact.Path) *model.PathsResult {
	m := &model.PathsResult{Paths: []*model.GraphPath{}, Graph: &model.GraphView{Nodes: []*model.GraphNode{}, Edges: []*model.GraphEdge{}}}
	seenNode, seenEdge := map[string]bool{}, map[string]bool{}
	for _, p := range paths {
		gp := &model.GraphPath{Length: len(p.Edges), Edges: mapSlice(p.Edges, edgeModel)}
		for i, n := range p.Nodes {
			gp.Items = append(gp.Items, itemModel(n.Item))
			if !seenNode[n.ID] {
				seenNode[n.ID] = true
				m.Graph.Nodes = append(m.Graph.Nodes, nodeModel(n, i, ""))
			}
		}
		for _, e := range p.Edges {
			if !seenEdge[e.ID] {
				seenEdge[e.ID] = true
				m.Graph.Edges = append(m.Graph.Edges, edgeModel(e))
			}
		}
		m.Paths = append(m.Paths, gp)
	}
	return m
}

// wants reports whether the current field's selection reaches the field
// path (for example "impacted.path"), through fragments too; outside a
// GraphQL request everything is built.
func wants(ctx context.Context, path string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return true
	}
	return graphql.FieldRequested(ctx, path)
}

// analyzer is the analyzer for the current field: it reads as much of each
// item as the field's selection shows (see ItemDetail).
func (r *Resolver) analyzer(ctx context.Context) *impact.Analyzer {
	return r.Analyzer.Showing(ItemDetail(ctx))
}

// items fetches impact-graph items of any kind: CIs from the CMDB, the rest
// from the catalogue.
func (r *Resolver) items(ctx context.Context, keys []string) (map[string]catalog.Item, error) {
	var cis, others []string
	for _, id := range keys {
		if ids.Kind(id) == cmdb.CIPrefix {
			cis = append(cis, id)
		} else {
			others = append(others, id)
		}
	}
	out, err := r.Catalog.Items(ctx, others)
	if err != nil {
		return nil, err
	}
	if len(cis) > 0 {
		got, err := r.CMDB.GetMany(ctx, cis)
		if err != nil {
			return nil, err
		}
		for id, ci := range got {
			out[id] = ci
		}
	}
	return out, nil
}

// loadItems returns the items that still exist, in the order of ids.
func loadItems(ctx context.Context, itemIDs []string) ([]model.GraphItem, error) {
	got, err := impactLoadersFrom(ctx).items.LoadAll(ctx, itemIDs)
	out := make([]model.GraphItem, 0, len(itemIDs))
	for i, it := range got {
		if err == nil || notFoundAsNull(errAt(err, i)) == nil {
			if it != nil {
				out = append(out, itemModel(it))
			}
			continue
		}
		return nil, errAt(err, i)
	}
	return out, nil
}

// itemsOf loads the items with these ids that the reader may see and that
// are of model type T, in the order of ids: a requester reading their
// incident sees its business services, not the CIs or units behind it.
func itemsOf[T model.GraphItem](ctx context.Context, itemIDs []string) ([]T, error) {
	keep, err := mayReadIDs(ctx, itemIDs)
	if err != nil {
		return nil, err
	}
	items, err := loadItems(ctx, keep)
	if err != nil {
		return nil, err
	}
	out := []T{}
	for _, it := range items {
		if v, ok := it.(T); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// itemOf is the item id names, as itemsOf sees it: the zero T when the
// reader may not see it, it does not exist, or it is not a T.
func itemOf[T model.GraphItem](ctx context.Context, id string) (T, error) {
	var zero T
	items, err := itemsOf[T](ctx, []string{id})
	if err != nil || len(items) == 0 {
		return zero, err
	}
	return items[0], nil
}

// impactLoaders batch the graph items (CIs and catalogue items) fields
// refer to.
type impactLoaders struct {
	items *dataloadgen.Loader[string, catalog.Item]
}

func impactLoadersFrom(ctx context.Context) *impactLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *impactLoaders {
		return &impactLoaders{items: dataloadgen.NewMappedLoader(r.items, wait)}
	})
}

// impactProcess registers the graph analyses: they hand out no records of
// their own, and are the most expensive fields there are.
func impactProcess() process {
	return process{
		snapshots: []snapshot{shows(func(o *model.GraphNode) []string { return []string{o.ID} })},
		costs: func(r *Resolver, c *graph.ComplexityRoot) {
			q := &c.Query
			q.ImpactAnalysis = func(child int, in model.ImpactAnalysisInput) int {
				return r.analysisCost(child, in.MaxDepth) + perStart*max(len(in.CiIds)-1, 0)
			}
			q.ServiceImpact = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
			q.Dependencies = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
			q.Dependents = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
			q.SupportingTree = func(child int, _ string, depth *int) int { return r.analysisCost(child, depth) }
			// The walk still visits everything within depth, but the answer
			// holds at most first items; a first beyond the bound costs the
			// bound, so that the resolver refuses it naming first.
			q.Neighbourhood = func(child int, _ string, depth *int, _ []string, _ *bool, first *int) int {
				return r.analysisCost(0, depth) + min(page(first, impact.DefaultNeighbourhoodFirst), impact.MaxNeighbourhoodFirst)*child
			}
			q.Paths = func(child int, _, _ string, maxLength, _ *int, _ []string, _ *bool) int {
				return r.analysisCost(child, maxLength)
			}
			c.ImpactAnalysis.ImpactedItems = func(child int, _ *model.ImpactedItemFilter, first *int, _ *string) int {
				return 1 + page(first, defaultImpactedPage)*child
			}
		},
	}
}

// reachedIDs lists the start and impacted items of res of the given kinds.
func reachedIDs(res impact.Result, kinds ...catalog.Kind) []string {
	var out []string
	for _, it := range slices.Concat(res.Roots, res.Impacted) {
		if slices.Contains(kinds, it.Node.Kind) {
			out = append(out, it.Node.ID)
		}
	}
	return out
}
