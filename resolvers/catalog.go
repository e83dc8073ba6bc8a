package resolvers

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/paging"
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

func servicesOf(items []catalog.Item, keep func(catalog.Service) bool) []*model.Service {
	out := []*model.Service{}
	for _, it := range items {
		if s, ok := it.(catalog.Service); ok && (keep == nil || keep(s)) {
			out = append(out, serviceModel(s))
		}
	}
	return out
}

func serviceKind(k model.ServiceKind) catalog.Kind {
	if k == model.ServiceKindBusiness {
		return catalog.KindBusinessService
	}
	return catalog.KindTechnicalService
}

func (r *queryResolver) serviceConnection(ctx context.Context, f catalog.Filter, orderBy *model.TimeOrder, first *int, after *string) (*model.ServiceConnection, error) {
	list := func(ctx context.Context, p paging.Request) (paging.Page[catalog.Service], error) {
		return r.Catalog.Services(ctx, f, p)
	}
	es, info, total, err := connect(ctx, first, after, within(listWindow{order: orderBy, modified: true}, list), serviceModel,
		func(c string, n *model.Service) *model.ServiceEdge { return &model.ServiceEdge{Cursor: c, Node: n} })
	if err != nil {
		return nil, err
	}
	return &model.ServiceConnection{Edges: es, PageInfo: info, TotalCount: total}, nil
}

// catalogLoaders batch the links between catalogue items.
type catalogLoaders struct {
	linked *dataloadgen.Loader[linkKey, []catalog.Item]
}

// linkKey asks for the items linked to one item by one catalogue link type.
type linkKey struct {
	id      string
	typ     string
	reverse bool
}

func catalogLoadersFrom(ctx context.Context) *catalogLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *catalogLoaders {
		return &catalogLoaders{
			linked: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []linkKey) (map[linkKey][]catalog.Item, error) {
				return batchByArgs(keys, func(k linkKey) linkKey { return linkKey{typ: k.typ, reverse: k.reverse} },
					func(k linkKey) string { return k.id },
					func(args linkKey, ids []string) (map[string][]catalog.Item, error) {
						return r.Catalog.Linked(ctx, ids, args.typ, args.reverse)
					})
			}, wait),
		}
	})
}

// catalogItems reads the catalogue items of type V among ids in one read.
func catalogItems[V catalog.Item](r *Resolver, ctx context.Context, ids []string) (map[string]V, error) {
	got, err := r.Catalog.Items(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]V, len(got))
	for id, it := range got {
		if v, ok := it.(V); ok {
			out[id] = v
		}
	}
	return out, nil
}

// catalogProcess registers the service catalogue.
func catalogProcess() process {
	service := func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
		return asNode(serviceModel)(r.Catalog.Service(ctx, id))
	}
	return process{
		kinds: []kind{
			staffKind(catalog.TechnicalServicePrefix, "Service", service),
			// Business services are the customer's catalogue.
			{prefix: catalog.BusinessServicePrefix, typ: "Service", readers: everyone(), fetch: service},
			// A page of search hits may hold many units and processes: one read for all.
			staffKind(catalog.BusinessUnitPrefix, "BusinessUnit", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(unitModel)(r.Catalog.Unit(ctx, id))
			}).batched(batchOf(catalogItems[catalog.Unit], unitModel)),
			staffKind(catalog.BusinessProcessPrefix, "BusinessProcess", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(processModel)(r.Catalog.Process(ctx, id))
			}).batched(batchOf(catalogItems[catalog.Process], processModel)),
		},
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			q := &c.Query
			q.Services = func(child int, _ *model.ServiceFilter, _ *model.TimeOrder, first *int, _ *string) int {
				return connection(child, first)
			}
			q.TechnicalCatalog = func(child int, first *int, _ *string) int { return connection(child, first) }
			q.BusinessUnits = func(child int, _ *model.TimeOrder, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
			q.BusinessProcesses = func(child int, _ *model.TimeOrder, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
		},
	}
}
