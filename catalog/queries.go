package catalog

import (
	"context"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// Service returns one service; NOT_FOUND when absent.
func (c *Catalog) Service(ctx context.Context, id string) (Service, error) {
	s, err := c.store.GetServices(ctx, []string{id})
	if err != nil {
		return Service{}, err
	}
	if len(s) == 0 {
		return Service{}, apperr.New(apperr.NotFound, "no service has id %q", id)
	}
	return s[0], nil
}

// Unit returns one business unit; NOT_FOUND when absent.
func (c *Catalog) Unit(ctx context.Context, id string) (Unit, error) {
	u, err := c.store.GetUnits(ctx, []string{id})
	if err != nil {
		return Unit{}, err
	}
	if len(u) == 0 {
		return Unit{}, apperr.New(apperr.NotFound, "no business unit has id %q", id)
	}
	return u[0], nil
}

// Process returns one business process; NOT_FOUND when absent.
func (c *Catalog) Process(ctx context.Context, id string) (Process, error) {
	p, err := c.store.GetProcesses(ctx, []string{id})
	if err != nil {
		return Process{}, err
	}
	if len(p) == 0 {
		return Process{}, apperr.New(apperr.NotFound, "no business process has id %q", id)
	}
	return p[0], nil
}

// Services pages through services matching f, by name.
func (c *Catalog) Services(ctx context.Context, f Filter, p paging.Request) (paging.Page[Service], error) {
	if err := validate.Text("filter.nameContains", f.NameContains, false, MaxNameLen); err != nil {
		return paging.Page[Service]{}, err
	}
	if err := (paging.Sync{Created: f.Created, Updated: f.Updated}).Check(); err != nil {
		return paging.Page[Service]{}, err
	}
	return c.store.ListServices(ctx, f, p)
}

// Units pages through business units by name.
func (c *Catalog) Units(ctx context.Context, p paging.Request) (paging.Page[Unit], error) {
	return c.store.ListUnits(ctx, p)
}

// Processes pages through business processes by name.
func (c *Catalog) Processes(ctx context.Context, p paging.Request) (paging.Page[Process], error) {
	return c.store.ListProcesses(ctx, p)
}

// BusinessCatalog returns the LIVE business services a unit consumes, or
// every LIVE business service (consumed or not) when unitID is empty;
// NOT_FOUND for an unknown unit.
func (c *Catalog) BusinessCatalog(ctx context.Context, unitID string) ([]Service, error) {
	live := func(s Service) bool { return s.Kind == KindBusinessService && s.Status == StatusLive }
	if unitID == "" {
		page, err := c.store.ListServices(ctx, Filter{Kinds: []Kind{KindBusinessService}, Statuses: []Status{StatusLive}}, paging.Request{First: MaxCatalogSize})
		return page.Items, err
	}
	if _, err := c.Unit(ctx, unitID); err != nil {
		return nil, err
	}
	linked, err := c.store.Linked(ctx, []string{unitID}, Consumes, false)
	if err != nil {
		return nil, err
	}
	var out []Service
	for _, it := range linked[unitID] {
		if s, ok := it.(Service); ok && live(s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// MaxCatalogSize caps the business catalogue returned in one answer.
const MaxCatalogSize = 1000

// Linked returns the items linked to each id by typ (see Store.Linked).
func (c *Catalog) Linked(ctx context.Context, ids []string, typ string, reverse bool) (map[string][]Item, error) {
	return c.store.Linked(ctx, ids, typ, reverse)
}

// Items returns the services, business units and processes with these ids
// that exist, by id; other ids (CIs included) are ignored.
func (c *Catalog) Items(ctx context.Context, itemIDs []string) (map[string]Item, error) {
	byPrefix := map[string][]string{}
	for _, id := range itemIDs {
		byPrefix[ids.Kind(id)] = append(byPrefix[ids.Kind(id)], id)
	}
	out := map[string]Item{}
	services, err := c.store.GetServices(ctx, append(byPrefix[BusinessServicePrefix], byPrefix[TechnicalServicePrefix]...))
	putAll(out, services)
	if err != nil {
		return nil, err
	}
	units, err := c.store.GetUnits(ctx, byPrefix[BusinessUnitPrefix])
	putAll(out, units)
	if err != nil {
		return nil, err
	}
	processes, err := c.store.GetProcesses(ctx, byPrefix[BusinessProcessPrefix])
	putAll(out, processes)
	return out, err
}

func putAll[T Item](out map[string]Item, items []T) {
	for _, it := range items {
		out[it.ItemID()] = it
	}
}
