package resolvers

import (
	"context"
	"maps"
	"slices"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/paging"
)

// maxNodes bounds nodes(ids:) as a page is bounded.
const maxNodes = paging.MaxSize

// nodes answers nodes(ids:): the record of each id, in order, and null
// wherever node(id:) would refuse (an unknown id, a kind the reader's roles
// do not read, a record out of reach), so one hidden record does not fail
// the others. Records are read a kind at a time, in one read for the kinds
// with a batch read, and the rules are applied to all of them at once.
func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, apperr.Invalid("ids", "at most %d ids at once, got %d: split the request", maxNodes, len(ids))
	}
	s := r.seerFor(ctx)
	byKind := map[string][]string{}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		k, ok := s.kindOf(id)
		if !ok {
			continue
		}
		if _, err := auth.Require(ctx, k.readers...); err != nil {
			continue
		}
		byKind[k.prefix] = append(byKind[k.prefix], id)
	}
	found := map[string]model.Node{}
	for prefix, some := range byKind {
		got, err := kinds()[prefix].fetchAll(r, ctx, some)
		if err != nil {
			return nil, err
		}
		maps.Copy(found, got)
	}
	keys := slices.Collect(maps.Keys(found))
	objs := make([]any, len(keys))
	for i, id := range keys {
		objs[i] = found[id]
	}
	shown, err := s.visible(ctx, objs)
	if err != nil {
		return nil, err
	}
	for i, id := range keys {
		if !shown[i] {
			delete(found, id)
		}
	}
	out := make([]model.Node, len(ids))
	for i, id := range ids {
		out[i] = found[id]
	}
	return out, nil
}

// fetchAll reads the records of ids of the kind, leaving out those that
// do not exist: in one read when the kind has a batch read, one by one
// otherwise (the kinds rarely asked for by many ids).
func (k kind) fetchAll(r *Resolver, ctx context.Context, ids []string) (map[string]model.Node, error) {
	if k.fetchMany != nil {
		return k.fetchMany(r, ctx, ids)
	}
	out := map[string]model.Node{}
	for _, id := range ids {
		n, err := k.fetch(r, ctx, id)
		switch {
		case apperr.Is(err, apperr.NotFound):
		case err != nil:
			return nil, err
		default:
			out[id] = n
		}
	}
	return out, nil
}

// batchOf adapts a domain batch read and its mapping to a kind's fetchMany.
func batchOf[V any, N model.Node](get func(r *Resolver, ctx context.Context, ids []string) (map[string]V, error), conv func(V) N) func(*Resolver, context.Context, []string) (map[string]model.Node, error) {
	return func(r *Resolver, ctx context.Context, ids []string) (map[string]model.Node, error) {
		got, err := get(r, ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[string]model.Node, len(got))
		for id, v := range got {
			out[id] = conv(v)
		}
		return out, nil
	}
}
