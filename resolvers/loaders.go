package resolvers

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"
)

// loaders is one response's registry of loaders, under one context key.
// Loaders batch the relation fields of a response, so that a list of N
// parents costs one query per relation, not N. Each process keeps its own
// set (see cmdbLoaders, changeLoaders, …), built the first time one of its
// fields asks for it.
type loaders struct {
	r *Resolver
	// seer is the response's reader, for the visibility rules.
	seer *seer

	mu   sync.Mutex
	sets map[reflect.Type]any
}

type loadersKey struct{}

// WithLoaders returns ctx carrying a fresh registry. Call it once per
// response, so that cached values never outlive the response they were read
// for.
func (r *Resolver) WithLoaders(ctx context.Context) context.Context {
	l := &loaders{r: r, sets: map[reflect.Type]any{}}
	l.seer = r.seerFor(ctx)
	return context.WithValue(ctx, loadersKey{}, l)
}

func loadersFrom(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
}

// loaderSet returns the response's set of loaders of type L, made by build
// on first use; nil outside a response.
func loaderSet[L any](ctx context.Context, build func(r *Resolver, wait dataloadgen.Option) *L) *L {
	l := loadersFrom(ctx)
	if l == nil {
		return nil
	}
	key := reflect.TypeFor[L]()
	l.mu.Lock()
	defer l.mu.Unlock()
	if set, ok := l.sets[key]; ok {
		return set.(*L)
	}
	set := build(l.r, dataloadgen.WithWait(l.r.LoaderWait))
	l.sets[key] = set
	return set
}

// withEmpty gives every requested id an entry, so that a parent with no
// children gets an empty list rather than a not-found error.
func withEmpty[V any](ids []string, m map[string]V, err error) (map[string]V, error) {
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]V{}
	}
	for _, id := range ids {
		if _, ok := m[id]; !ok {
			var zero V
			m[id] = zero
		}
	}
	return m, nil
}

// batchByArgs groups keys that share arguments and runs one fetch per group.
// A group that fails fails only its own keys, so one bad argument does not
// break sibling fields that landed in the same batch.
func batchByArgs[K comparable, V any](keys []K, args func(K) K, id func(K) string,
	fetch func(args K, ids []string) (map[string]V, error)) (map[K]V, error) {
	groups := map[K][]K{}
	for _, k := range keys {
		a := args(k)
		groups[a] = append(groups[a], k)
	}
	out := make(map[K]V, len(keys))
	failed := dataloadgen.MappedFetchError[K]{}
	for a, ks := range groups {
		ids := make([]string, len(ks))
		for i, k := range ks {
			ids[i] = id(k)
		}
		got, err := fetch(a, ids)
		for _, k := range ks {
			if err != nil {
				failed[k] = err
				continue
			}
			out[k] = got[id(k)]
		}
	}
	if len(failed) > 0 {
		return out, failed
	}
	return out, nil
}

// DefaultLoaderWait is short because gqlgen starts sibling field resolvers
// together; a long wait only adds latency to every nesting level.
const DefaultLoaderWait = 500 * time.Microsecond
