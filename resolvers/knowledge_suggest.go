package resolvers

import (
	"context"

	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/knowledge"
)

// suggest runs a suggestion question for the caller.
func (r *Resolver) suggest(ctx context.Context, q knowledge.SuggestQuery) ([]*model.KnowledgeSuggestion, error) {
	p := *principal(ctx)
	found, err := r.Suggester.Suggest(ctx, p, q)
	if err != nil {
		return nil, err
	}
	out := make([]*model.KnowledgeSuggestion, len(found))
	for i, s := range found {
		out[i] = &model.KnowledgeSuggestion{Article: articleModel(p, s.Article), Version: versionModel(s.Version), Score: s.Score,
			TextScore: s.TextScore, GraphScore: s.GraphScore, ItemID: s.ItemID, Distance: s.Distance, Path: pathModel(s.Path), Reason: s.Reason}
	}
	return out, nil
}
