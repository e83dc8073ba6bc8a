package resolvers

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/paging"
)

// knowledgeLoaders batch the trails of articles: their versions and
// history.
type knowledgeLoaders struct {
	versions *dataloadgen.Loader[string, []knowledge.Version]
	history  *dataloadgen.Loader[string, []knowledge.HistoryEntry]
	resolved *dataloadgen.Loader[string, int]
}

func knowledgeLoadersFrom(ctx context.Context) *knowledgeLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *knowledgeLoaders {
		return &knowledgeLoaders{
			versions: problemTrailLoader(r.Knowledge.Versions, wait),
			history:  problemTrailLoader(r.Knowledge.History, wait),
			resolved: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]int, error) {
				return r.Knowledge.ResolvedWith(ctx, ids, []string{string(incident.Resolved), string(incident.Closed)})
			}, wait),
		}
	})
}

// knowledgeFor reads one article; NOT_FOUND when absent or out of reach.
func (r *Resolver) knowledgeFor(ctx context.Context, id string) (*model.KnowledgeArticle, error) {
	p := *principal(ctx)
	a, err := r.Knowledge.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return articleModel(p, a), nil
}

// articleModel maps a as p sees it: staff the latest version, others the
// published one without its links.
func articleModel(p auth.Principal, a knowledge.Article) *model.KnowledgeArticle {
	cur, _ := knowledge.View(p, a)
	m := &model.KnowledgeArticle{ID: a.ID, Number: a.Number, Version: a.Version, Current: versionModel(cur),
		ViewCount: a.Views, CreatedBy: optional(a.CreatedBy), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Domain: a}
	switch {
	case !knowledge.SeesInternal(p):
		m.Published = m.Current
	case a.Live != nil:
		m.Published = versionModel(*a.Live)
	}
	return m
}

func versionModel(v knowledge.Version) *model.KnowledgeArticleVersion {
	c := v.Content
	return &model.KnowledgeArticleVersion{
		Number: v.N, State: model.KnowledgeArticleState(v.State), Title: c.Title, Summary: optional(c.Summary), Body: optional(c.Body),
		Keywords: nonNil(c.Keywords), Category: optional(c.Category), Type: model.KnowledgeArticleType(c.Type),
		Audience: model.KnowledgeAudience(c.Audience), Language: optional(c.Language), OwnerGroupID: optional(c.OwnerGroupID),
		ReviewBy: optionalTime(c.ReviewBy), ConfigurationItemIds: nonNil(c.CIIDs), ServiceIds: nonNil(c.ServiceIDs),
		ProblemIds: nonNil(c.ProblemIDs), IncidentIds: nonNil(c.IncidentIDs), ChangeIds: nonNil(c.ChangeIDs),
		Authors: nonNil(v.Authors), SubmittedBy: optional(v.SubmittedBy), SubmittedAt: optionalTime(v.SubmittedAt),
		ApprovedBy: optional(v.ApprovedBy), ApprovedAt: optionalTime(v.ApprovedAt), RetiredAt: optionalTime(v.RetiredAt),
		OutdatedAt: optionalTime(v.OutdatedAt), HelpfulCount: v.Helpful, UnhelpfulCount: v.Unhelpful,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
	}
}

func knowledgeHistoryModel(h knowledge.HistoryEntry) *model.KnowledgeHistoryEntry {
	return &model.KnowledgeHistoryEntry{Field: model.KnowledgeHistoryField(h.Field), VersionNumber: h.N, From: optional(h.From),
		To: optional(h.To), Actor: optional(h.Actor), At: h.At, Comment: optional(h.Comment)}
}

func knowledgeFilter(f *model.KnowledgeArticleFilter) knowledge.Filter {
	if f == nil {
		return knowledge.Filter{}
	}
	return knowledge.Filter{States: enumList[knowledge.State](f.States), Types: enumList[knowledge.Type](f.Types),
		Audiences: enumList[knowledge.Audience](f.Audiences), Category: deref(f.Category),
		CIID: deref(f.ConfigurationItemID), ServiceID: deref(f.ServiceID), ProblemID: deref(f.ProblemID), Updated: timeRange(f.Updated)}
}

func articlePayload(ctx context.Context, a knowledge.Article, err error) (*model.KnowledgeArticlePayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.KnowledgeArticlePayload{Article: articleModel(*principal(ctx), a)}, nil
}

func articleConnection(ctx context.Context, first *int, after *string, list func(context.Context, paging.Request) (paging.Page[knowledge.Article], error)) (*model.KnowledgeArticleConnection, error) {
	p := *principal(ctx)
	es, info, total, err := connect(ctx, first, after, list, func(a knowledge.Article) *model.KnowledgeArticle { return articleModel(p, a) },
		func(c string, n *model.KnowledgeArticle) *model.KnowledgeArticleEdge {
			return &model.KnowledgeArticleEdge{Cursor: c, Node: n}
		})
	if err != nil {
		return nil, err
	}
	return &model.KnowledgeArticleConnection{Edges: es, PageInfo: info, TotalCount: total}, nil
}

func searchConnection(ctx context.Context, first *int, after *string, list func(context.Context, paging.Request) (paging.Page[knowledge.Result], error)) (*model.KnowledgeSearchConnection, error) {
	p := *principal(ctx)
	es, info, total, err := connect(ctx, first, after, list, func(h knowledge.Result) *model.KnowledgeSearchHit {
		v := h.Version
		if !knowledge.SeesInternal(p) {
			v, _ = knowledge.View(p, h.Article)
		}
		return &model.KnowledgeSearchHit{Article: articleModel(p, h.Article), Version: versionModel(v), Score: h.Score, Snippet: h.Snippet}
	}, func(c string, n *model.KnowledgeSearchHit) *model.KnowledgeSearchEdge {
		return &model.KnowledgeSearchEdge{Cursor: c, Node: n}
	})
	if err != nil {
		return nil, err
	}
	return &model.KnowledgeSearchConnection{Edges: es, PageInfo: info, TotalCount: total}, nil
}

// knowledgeProcess registers knowledge management. Everyone reads
// articles; the domain decides which (a requester only PUBLISHED PUBLIC
// ones), on every path alike: node(id:), lists, search.
func knowledgeProcess() process {
	return process{
		kinds: []kind{{prefix: knowledge.Prefix, typ: "KnowledgeArticle", readers: everyone(),
			fetch: func(r *Resolver, ctx context.Context, id string) (model.Node, error) { return r.knowledgeFor(ctx, id) }}},
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			c.Query.KnowledgeArticles = func(child int, _ *model.KnowledgeArticleFilter, _ *model.TimeOrder, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.SearchKnowledge = func(child int, _ string, _ *model.KnowledgeArticleFilter, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.ArticlesDueForReview = func(child int, first *int) int { return connection(child, first) }
		},
	}
}
