package cmdb

import (
	"context"
	"slices"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// Get returns one CI; NOT_FOUND when absent.
func (s *Service) Get(ctx context.Context, id string) (CI, error) {
	cis, err := s.store.GetCIs(ctx, []string{id})
	if err != nil {
		return CI{}, err
	}
	if len(cis) == 0 {
		return CI{}, apperr.New(apperr.NotFound, "no configuration item has id %q", id)
	}
	return cis[0], nil
}

// GetMany returns the CIs with these ids keyed by id (absent ones missing).
func (s *Service) GetMany(ctx context.Context, ids []string) (map[string]CI, error) {
	cis, err := s.store.GetCIs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]CI, len(cis))
	for _, c := range cis {
		out[c.ID] = c
	}
	return out, nil
}

// Filter selects CIs; zero fields match everything. Without Statuses,
// retired CIs are left out.
type Filter struct {
	Types         []Type
	Statuses      []Status
	Environments  []Environment
	Criticalities []Criticality
	OwnerGroupID  string
	NameContains  string
	AttrKey       string
	AttrValue     string
	Source        string
	// Created and Updated bound the creation and modification times.
	Created, Updated paging.TimeRange
}

// OrderField is a sortable CI field.
type OrderField string

// The sortable fields.
const (
	OrderByName      OrderField = "NAME"
	OrderByCreatedAt OrderField = "CREATED_AT"
	OrderByUpdatedAt OrderField = "UPDATED_AT"
)

// Order sorts CIs; ties break by id.
type Order struct {
	Field OrderField
	Desc  bool
}

// List returns one page of CIs matching f.
func (s *Service) List(ctx context.Context, f Filter, o Order, p paging.Request) (paging.Page[CI], error) {
	if err := (paging.Sync{Created: f.Created, Updated: f.Updated}).Check(); err != nil {
		return paging.Page[CI]{}, err
	}
	for _, t := range f.Types {
		if err := validate.Enum("filter.types", t, Types()); err != nil {
			return paging.Page[CI]{}, err
		}
	}
	if len(f.Statuses) == 0 {
		f.Statuses = []Status{StatusPlanned, StatusActive, StatusMaintenance}
	}
	if err := validate.Text("filter.nameContains", f.NameContains, false, MaxNameLen); err != nil {
		return paging.Page[CI]{}, err
	}
	if f.AttrKey != "" {
		if err := checkAttrKey("filter.attribute", f.AttrKey); err != nil {
			return paging.Page[CI]{}, err
		}
	}
	if o.Field == "" {
		o.Field = OrderByName
	}
	if !slices.Contains([]OrderField{OrderByName, OrderByCreatedAt, OrderByUpdatedAt}, o.Field) {
		return paging.Page[CI]{}, apperr.Invalid("orderBy.field", "unknown field %q", o.Field)
	}
	return s.store.ListCIs(ctx, f, o, p)
}

// HistoryEntry returns one history entry; NOT_FOUND when absent.
func (s *Service) HistoryEntry(ctx context.Context, id string) (HistoryEntry, error) {
	return s.store.HistoryEntry(ctx, id)
}

// Members returns the members of each redundancy group, retired ones
// left out: they belong to its history, not to the group.
func (s *Service) Members(ctx context.Context, groupIDs []string) (map[string][]CI, error) {
	got, err := s.store.Members(ctx, groupIDs)
	for id, ms := range got {
		got[id] = slices.DeleteFunc(ms, func(c CI) bool { return c.Status == StatusRetired })
	}
	return got, err
}

// History returns a page of each CI's history, newest first.
func (s *Service) History(ctx context.Context, ciIDs []string, p paging.Request) (map[string]paging.Page[HistoryEntry], error) {
	return s.store.History(ctx, ciIDs, p)
}
