package resolvers

import (
	"context"
	"sort"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
)

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

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

func historyModel(e cmdb.HistoryEntry) *model.CIHistoryEntry {
	m := &model.CIHistoryEntry{
		ID:       e.ID,
		At:       e.At,
		Actor:    e.Actor,
		Action:   model.CIHistoryAction(e.Action),
		ChangeID: optional(e.ChangeID),
		Changes:  make([]*model.FieldChange, len(e.Changes)),
	}
	for i, c := range e.Changes {
		m.Changes[i] = &model.FieldChange{Field: c.Field, Before: c.Before, After: c.After}
	}
	return m
}

func userModel(u people.User) *model.User {
	return &model.User{
		ID:          u.ID,
		Username:    u.Username,
		DisplayName: u.DisplayName,
		Email:       optional(u.Email),
		Kind:        model.AccountKind(u.Kind),
		Roles:       fromRoles(u.Roles),
		Active:      u.Active,
		CreatedAt:   u.CreatedAt,
	}
}

func groupModel(g people.Group) *model.Group {
	return &model.Group{
		ID:          g.ID,
		Name:        g.Name,
		Description: optional(g.Description),
		Kind:        model.GroupKind(g.Kind),
		CreatedAt:   g.CreatedAt,
	}
}

func pageInfo[T any](p paging.Page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: p.HasNext, HasPreviousPage: p.HasPrevious}
	if n := len(p.Cursors); n > 0 {
		info.StartCursor, info.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	return info
}

// connect fetches one page with list and maps it to Relay edges, page info
// and total, which every connection resolver then wraps in its own type.
func connect[T, N, E any](ctx context.Context, first *int, after *string, list func(context.Context, paging.Request) (paging.Page[T], error),
	node func(T) N, edge func(cursor string, n N) E) ([]E, *model.PageInfo, int, error) {
	req, err := paging.Normalize(first, after, paging.MaxSize)
	if err != nil {
		return nil, nil, 0, err
	}
	page, err := list(ctx, req)
	if err != nil {
		return nil, nil, 0, err
	}
	return edges(page, node, edge), pageInfo(page), page.Total, nil
}

// edges maps a page's items to Relay edges.
func edges[T, N, E any](p paging.Page[T], node func(T) N, edge func(cursor string, n N) E) []E {
	out := make([]E, len(p.Items))
	for i, item := range p.Items {
		out[i] = edge(p.Cursors[i], node(item))
	}
	return out
}

func attrInputs(in []*model.AttributeInput) []cmdb.AttributeInput {
	out := make([]cmdb.AttributeInput, len(in))
	for i, a := range in {
		out[i] = cmdb.AttributeInput{Key: a.Key, Value: a.Value}
	}
	return out
}

func enumList[D ~string, M ~string](in []M) []D {
	out := make([]D, len(in))
	for i, v := range in {
		out[i] = D(v)
	}
	return out
}

func enumPtr[D ~string, M ~string](in *M) *D {
	if in == nil {
		return nil
	}
	d := D(*in)
	return &d
}
