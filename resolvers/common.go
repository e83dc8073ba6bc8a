package resolvers

import (
	"context"
	"errors"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/paging"
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

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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
	req.SkipTotal = !wants(ctx, "totalCount")
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

// errAt picks the error of key i out of a LoadAll error.
func errAt(err error, i int) error {
	if errs, ok := err.(dataloadgen.ErrorSlice); ok {
		if i < len(errs) {
			return errs[i]
		}
		return nil
	}
	return err
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func optionalTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func principal(ctx context.Context) *auth.Principal {
	if p := auth.FromContext(ctx); p != nil {
		return p
	}
	return &auth.Principal{}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// slicePtr tells an absent list (leave alone) from a given one (replace).
func slicePtr(s []string) *[]string {
	if s == nil {
		return nil
	}
	return &s
}

// timeRange maps a TimeRange argument (nil: unbounded).
func timeRange(r *model.TimeRange) paging.TimeRange {
	if r == nil {
		return paging.TimeRange{}
	}
	var out paging.TimeRange
	if r.From != nil {
		out.From = *r.From
	}
	if r.Before != nil {
		out.Before = *r.Before
	}
	return out
}

// syncOf maps what a list of records offers for incremental reads: its
// filter's time ranges and its order (nil: newest created first).
func syncOf(created, updated *model.TimeRange, o *model.TimeOrder) paging.Sync {
	return paging.Sync{Created: timeRange(created), Updated: timeRange(updated), Order: timeOrder(o)}
}

// timeOrder maps a TimeOrder argument (nil: newest created first).
func timeOrder(o *model.TimeOrder) paging.TimeOrder {
	if o == nil {
		return paging.TimeOrder{}
	}
	return paging.TimeOrder{Field: paging.TimeField(o.Field), Asc: o.Direction == model.SortDirectionAsc}
}

// listWindow is what a list's arguments ask of its pages beside first and
// after: creation and modification ranges and an order by time. Modified
// says whether its records keep a modification time.
type listWindow struct {
	created, updated *model.TimeRange
	order            *model.TimeOrder
	modified         bool
}

// within bounds a list's pages as w asks, refusing an empty range and an
// order by modification time of records that keep none.
func within[T any](w listWindow, list func(context.Context, paging.Request) (paging.Page[T], error)) func(context.Context, paging.Request) (paging.Page[T], error) {
	return func(ctx context.Context, p paging.Request) (paging.Page[T], error) {
		p.Created, p.Updated = timeRange(w.created), timeRange(w.updated)
		if err := (paging.Sync{Created: p.Created, Updated: p.Updated}).Check(); err != nil {
			return paging.Page[T]{}, err
		}
		if w.order != nil {
			o := timeOrder(w.order)
			if o.Updated() && !w.modified {
				return paging.Page[T]{}, apperr.Invalid("orderBy.field", "these records keep no modification time; order by CREATED_AT")
			}
			p.Order = &o
		}
		return list(ctx, p)
	}
}
