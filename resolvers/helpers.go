package resolvers

import (
	"context"
	"errors"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/sla"
)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// notFoundAsNull lets an optional reference to a record that disappeared
// resolve to null instead of failing the whole response.
func notFoundAsNull(err error) error {
	if errors.Is(err, dataloadgen.ErrNotFound) || apperr.Is(err, apperr.NotFound) {
		return nil
	}
	return err
}

// loadNode reads the record id refers to; node applies the rules.
func (r *Resolver) loadNode(ctx context.Context, id string) (model.Node, error) {
	kind := ids.Kind(id)
	switch kind {
	case cmdb.CIPrefix:
		ci, err := r.CMDB.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return ciModel(ci), nil
	case people.UserPrefix:
		u, err := r.People.User(ctx, id)
		if err != nil {
			return nil, err
		}
		return userModel(u), nil
	case people.GroupPrefix:
		g, err := r.People.Group(ctx, id)
		if err != nil {
			return nil, err
		}
		return groupModel(g), nil
	case catalog.BusinessServicePrefix, catalog.TechnicalServicePrefix:
		s, err := r.Catalog.Service(ctx, id)
		if err != nil {
			return nil, err
		}
		return serviceModel(s), nil
	case catalog.BusinessUnitPrefix:
		u, err := r.Catalog.Unit(ctx, id)
		if err != nil {
			return nil, err
		}
		return unitModel(u), nil
	case catalog.BusinessProcessPrefix:
		p, err := r.Catalog.Process(ctx, id)
		if err != nil {
			return nil, err
		}
		return processModel(p), nil
	case cmdb.RelationshipPrefix:
		rel, err := r.CMDB.Relationship(ctx, id)
		if err != nil {
			return nil, err
		}
		return relModel(rel), nil
	case change.Prefix:
		c, err := r.ChangeMgmt.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return changeModel(c), nil
	case incident.IncidentPrefix:
		return r.incidentFor(ctx, id)
	case sla.SLAPrefix:
		a, err := r.SLAMgmt.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return slaModel(a), nil
	case change.TemplatePrefix:
		ts, err := r.ChangeMgmt.Templates(ctx, []string{id})
		return oneOf(ts, err, id, "standard change template", templateModel)
	case change.FreezePrefix:
		fs, err := r.ChangeMgmt.Freezes(ctx, []string{id})
		return oneOf(fs, err, id, "freeze window", freezeModel)
	case cmdb.HistoryPrefix:
		e, err := r.CMDB.HistoryEntry(ctx, id)
		if err != nil {
			return nil, err
		}
		return historyModel(e), nil
	}
	return nil, apperr.New(apperr.NotFound, "no object has id %q", id)
}

func serviceKind(k model.ServiceKind) catalog.Kind {
	if k == model.ServiceKindBusiness {
		return catalog.KindBusinessService
	}
	return catalog.KindTechnicalService
}

func (r *queryResolver) serviceConnection(ctx context.Context, f catalog.Filter, first *int, after *string) (*model.ServiceConnection, error) {
	list := func(ctx context.Context, p paging.Request) (paging.Page[catalog.Service], error) {
		return r.Catalog.Services(ctx, f, p)
	}
	es, info, total, err := connect(ctx, first, after, list, serviceModel,
		func(c string, n *model.Service) *model.ServiceEdge { return &model.ServiceEdge{Cursor: c, Node: n} })
	if err != nil {
		return nil, err
	}
	return &model.ServiceConnection{Edges: es, PageInfo: info, TotalCount: total}, nil
}

// oneOf picks id out of a batch lookup, NOT_FOUND (naming what) when absent.
func oneOf[V any, N model.Node](got map[string]V, err error, id, what string, conv func(V) N) (model.Node, error) {
	if err != nil {
		return nil, err
	}
	v, ok := got[id]
	if !ok {
		return nil, apperr.New(apperr.NotFound, "no %s has id %q", what, id)
	}
	return conv(v), nil
}
