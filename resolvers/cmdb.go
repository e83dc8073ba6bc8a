package resolvers

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/paging"
)

func ciModel(c cmdb.CI) *model.ConfigurationItem {
	m := &model.ConfigurationItem{
		ID:           c.ID,
		Name:         c.Name,
		Kind:         model.ItemKindConfigurationItem,
		Type:         model.CIType(c.Type),
		Status:       model.CIStatus(c.Status),
		Environment:  model.Environment(c.Environment),
		Criticality:  model.Criticality(c.Criticality),
		Description:  optional(c.Description),
		Location:     optional(c.Location),
		Source:       optional(c.Source),
		ExternalID:   optional(c.ExternalID),
		Version:      c.Version,
		CreatedAt:    c.CreatedAt,
		CreatedBy:    optional(c.CreatedBy),
		UpdatedAt:    c.UpdatedAt,
		RetiredAt:    c.RetiredAt,
		OwnerGroupID: c.OwnerGroupID,
		Attributes:   make([]*model.Attribute, 0, len(c.Attributes)),
	}
	if c.MinimumUp > 0 {
		n := c.MinimumUp
		m.MinimumUp = &n
	}
	for k, v := range c.Attributes {
		m.Attributes = append(m.Attributes, &model.Attribute{Key: k, Value: v})
	}
	sort.Slice(m.Attributes, func(i, j int) bool { return m.Attributes[i].Key < m.Attributes[j].Key })
	reconcileFields(m, c)
	return m
}

func relModel(r cmdb.Relationship) *model.Relationship {
	rt, _ := cmdb.LookupRelType(r.Type)
	return &model.Relationship{
		ID:              r.ID,
		Type:            r.Type,
		ImpactDirection: model.ImpactDirection(rt.Impact),
		Source:          ciModel(r.Source),
		Target:          ciModel(r.Target),
		CreatedAt:       r.CreatedAt,
	}
}

// itemHistory is one page of the history of a CI or catalogue item, which
// share one kind of entry and one loader.
func itemHistory(ctx context.Context, id string, created *model.TimeRange, orderBy *model.TimeOrder, first *int, after *string) (*model.CIHistoryConnection, error) {
	req, err := paging.Normalize(first, after, paging.MaxSize)
	if err != nil {
		return nil, err
	}
	load := func(ctx context.Context, p paging.Request) (paging.Page[cmdb.HistoryEntry], error) {
		return cmdbLoadersFrom(ctx).history.Load(ctx, historyKey{ciID: id, first: p.First, after: p.After, created: p.Created, oldest: p.Order != nil && p.Order.Asc})
	}
	page, err := within(listWindow{created: created, order: orderBy}, load)(ctx, req)
	if err != nil {
		return nil, err
	}
	return &model.CIHistoryConnection{
		Edges: edges(page, historyModel, func(c string, n *model.CIHistoryEntry) *model.CIHistoryEdge {
			return &model.CIHistoryEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(page),
		TotalCount: page.Total,
	}, nil
}

func historyModel(e cmdb.HistoryEntry) *model.CIHistoryEntry {
	m := &model.CIHistoryEntry{
		ID:       e.ID,
		At:       e.At,
		Actor:    e.Actor,
		Action:   model.CIHistoryAction(e.Action),
		ChangeID: optional(e.ChangeID),
		Feed:     optional(e.Feed),
		Changes:  make([]*model.FieldChange, len(e.Changes)),
	}
	for i, c := range e.Changes {
		m.Changes[i] = &model.FieldChange{Field: c.Field, Before: c.Before, After: c.After}
	}
	return m
}

func attrInputs(in []*model.AttributeInput) []cmdb.AttributeInput {
	out := make([]cmdb.AttributeInput, len(in))
	for i, a := range in {
		out[i] = cmdb.AttributeInput{Key: a.Key, Value: a.Value}
	}
	return out
}

// cmdbLoaders batch the CI fields that read further records.
type cmdbLoaders struct {
	members       *dataloadgen.Loader[string, []cmdb.CI]
	relationships *dataloadgen.Loader[relKey, []cmdb.Relationship]
	history       *dataloadgen.Loader[historyKey, paging.Page[cmdb.HistoryEntry]]
}

// relKey asks for one CI's relationships with one set of arguments; keys with
// the same arguments share a query.
type relKey struct {
	ciID  string
	dir   cmdb.Direction
	types string // joined with ","
	limit int
	ends  cmdb.Ends
}

type historyKey struct {
	ciID    string
	first   int
	after   string
	created paging.TimeRange
	oldest  bool
}

func cmdbLoadersFrom(ctx context.Context) *cmdbLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *cmdbLoaders {
		return &cmdbLoaders{
			members: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]cmdb.CI, error) {
				m, err := r.CMDB.Members(ctx, ids)
				return withEmpty(ids, m, err)
			}, wait),
			relationships: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []relKey) (map[relKey][]cmdb.Relationship, error) {
				return batchByArgs(keys, func(k relKey) relKey { k.ciID = ""; return k },
					func(k relKey) string { return k.ciID },
					func(args relKey, ids []string) (map[string][]cmdb.Relationship, error) {
						q := cmdb.RelationshipQuery{Direction: args.dir, Limit: args.limit, Ends: args.ends}
						if args.types != "" {
							q.Types = strings.Split(args.types, ",")
						}
						return r.CMDB.Relationships(ctx, ids, q)
					})
			}, wait),
			history: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []historyKey) (map[historyKey]paging.Page[cmdb.HistoryEntry], error) {
				return batchByArgs(keys, func(k historyKey) historyKey { k.ciID = ""; return k },
					func(k historyKey) string { return k.ciID },
					func(args historyKey, ids []string) (map[string]paging.Page[cmdb.HistoryEntry], error) {
						p := paging.Request{First: args.first, After: args.after, Created: args.created}
						if args.oldest {
							p.Order = &paging.TimeOrder{Asc: true}
						}
						return r.CMDB.History(ctx, ids, p)
					})
			}, wait),
		}
	})
}

// relationshipEnds is how much of each relationship's two CIs the current
// relationships field shows: summaries when its selection asks of them
// only for fields a summary holds, or that are resolved from the id.
func relationshipEnds(ctx context.Context) cmdb.Ends {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return cmdb.WholeEnds
	}
	op := graphql.GetOperationContext(ctx)
	summaries := eachField(op, fc.Field.Selections, func(f *ast.Field) bool {
		if f.Name != "source" && f.Name != "target" {
			return true
		}
		return eachField(op, f.SelectionSet, func(g *ast.Field) bool {
			switch g.Name {
			case "__typename", "id", "name", "kind", "type", "status", "relationships", "history":
				return true
			}
			return false
		})
	})
	if summaries {
		return cmdb.SummaryEnds
	}
	return cmdb.WholeEnds
}

// cmdbProcess registers configuration management.
func cmdbProcess() process {
	return process{
		kinds: []kind{
			staffKind(cmdb.CIPrefix, "ConfigurationItem", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(ciModel)(r.CMDB.Get(ctx, id))
			}).batched(batchOf(func(r *Resolver, ctx context.Context, ids []string) (map[string]cmdb.CI, error) {
				return r.CMDB.GetMany(ctx, ids)
			}, ciModel)),
			staffKind(cmdb.RelationshipPrefix, "Relationship", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(relModel)(r.CMDB.Relationship(ctx, id))
			}),
			staffKind(cmdb.HistoryPrefix, "CIHistoryEntry", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(historyModel)(r.CMDB.HistoryEntry(ctx, id))
			}),
		},
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			c.Query.ConfigurationItems = func(child int, _ *model.ConfigurationItemFilter, _ *model.ConfigurationItemOrder, first *int, _ *string) int {
				return connection(child, first)
			}
			c.ConfigurationItem.Relationships = func(child int, _ *model.RelationshipDirection, _ []string, first *int) int {
				return 1 + page(first, relationsPage)*(1+child)
			}
			c.ConfigurationItem.History = func(child int, _ *model.TimeRange, _ *model.TimeOrder, first *int, _ *string) int {
				return 1 + page(first, defaultPage)*child
			}
		},
	}
}

// serving keeps the members that count in their redundancy group.
func serving(members []cmdb.CI) []cmdb.CI {
	return slices.DeleteFunc(slices.Clone(members), func(c cmdb.CI) bool { return !cmdb.Serving(c.Status) })
}
