package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/impact"
)

func serviceModel(s catalog.Service) *model.Service {
	kind := model.ServiceKindTechnical
	if s.Kind == catalog.KindBusinessService {
		kind = model.ServiceKindBusiness
	}
	return &model.Service{
		ID: s.ID, Name: s.Name, Kind: model.ItemKind(s.Kind), ServiceKind: kind, Description: optional(s.Description),
		Status: model.ServiceStatus(s.Status), Criticality: model.Criticality(s.Criticality), Version: s.Version,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, OwnerGroupID: s.OwnerGroupID,
	}
}

func unitModel(u catalog.Unit) *model.BusinessUnit {
	return &model.BusinessUnit{ID: u.ID, Name: u.Name, Kind: model.ItemKindBusinessUnit, Description: optional(u.Description), CreatedAt: u.CreatedAt}
}

func processModel(p catalog.Process) *model.BusinessProcess {
	return &model.BusinessProcess{ID: p.ID, Name: p.Name, Kind: model.ItemKindBusinessProcess, Description: optional(p.Description),
		Criticality: model.Criticality(p.Criticality), CreatedAt: p.CreatedAt}
}

// itemModel maps any impact-graph record to its GraphQL type.
func itemModel(item any) model.GraphItem {
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
	wantPaths, wantGraph := selected(ctx, "impacted", "path"), selected(ctx, "graph")
	m := &model.ImpactAnalysis{
		MaxDepth: depth,
		Roots:    make([]model.GraphItem, len(res.Roots)),
		Impacted: make([]*model.ImpactedItem, len(res.Impacted)),
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
	for i, r := range res.Roots {
		m.Roots[i] = itemModel(r.Node.Item)
	}
	for i, it := range res.Impacted {
		m.Impacted[i] = &model.ImpactedItem{Item: itemModel(it.Node.Item), Kind: model.ItemKind(it.Node.Kind),
			Distance: it.Distance, Severity: model.Severity(it.Severity)}
		if wantPaths {
			m.Impacted[i].Path = pathModel(res.Path(it.Node.ID))
		}
	}
	return m
}

func reachModel(ctx context.Context, res impact.Result) *model.Reach {
	m := &model.Reach{Items: make([]*model.ReachedItem, len(res.Impacted)), Graph: &model.GraphView{}}
	if selected(ctx, "graph") {
		m.Graph = viewModel(res, false)
	}
	wantPaths := selected(ctx, "items", "path")
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

func servicesOf(items []catalog.Item, keep func(catalog.Service) bool) []*model.Service {
	out := []*model.Service{}
	for _, it := range items {
		if s, ok := it.(catalog.Service); ok && (keep == nil || keep(s)) {
			out = append(out, serviceModel(s))
		}
	}
	return out
}

// selected reports whether the current field's selection reaches the field
// path (for example "impacted", "path"), through fragments too.
func selected(ctx context.Context, path ...string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return true // outside a GraphQL request: build everything
	}
	op := graphql.GetOperationContext(ctx)
	set := graphql.GetFieldContext(ctx).Field.Selections
	for _, name := range path {
		var next ast.SelectionSet
		found := false
		for _, f := range graphql.CollectFields(op, set, nil) {
			if f.Name == name {
				found = true
				next = append(next, f.Selections...)
			}
		}
		if !found {
			return false
		}
		set = next
	}
	return true
}
