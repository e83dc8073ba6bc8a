package resolvers

import (
	"context"

	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/search"
)

// searchConnection resolves the page's hits to their records at once
// (nodes: one read per kind, the visibility rules applied); a hit whose
// record the rules hide, which the search's own row terms should already
// have left out, is dropped rather than shown.
func (r *Resolver) searchConnection(ctx context.Context, page paging.Page[search.Hit]) (*model.SearchConnection, error) {
	ids := make([]string, len(page.Items))
	for i, h := range page.Items {
		ids[i] = h.ID
	}
	nodes, err := r.nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &model.SearchConnection{Edges: []*model.SearchEdge{}, PageInfo: pageInfo(page), TotalCount: page.Total}
	for i, h := range page.Items {
		if nodes[i] == nil {
			continue
		}
		out.Edges = append(out.Edges, &model.SearchEdge{Cursor: page.Cursors[i],
			Node: &model.SearchHit{Kind: model.SearchKind(h.Kind), Score: h.Score, Item: nodes[i]}})
	}
	return out, nil
}

// searchProcess registers the search box.
func searchProcess() process {
	return process{
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			c.Query.Search = func(child int, _ string, _ []model.SearchKind, first *int, _ *string) int {
				return connection(child, first)
			}
		},
	}
}
