package resolvers

import (
	"context"
	"strings"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
)

// loaders batch the relation fields of one GraphQL response, so that a list
// of N parents costs one query per relation, not N.
type loaders struct {
	groups        *dataloadgen.Loader[string, people.Group]
	members       *dataloadgen.Loader[string, []cmdb.CI]
	groupsOfUser  *dataloadgen.Loader[string, []people.Group]
	usersOfGroup  *dataloadgen.Loader[string, []people.User]
	relationships *dataloadgen.Loader[relKey, []cmdb.Relationship]
	history       *dataloadgen.Loader[historyKey, paging.Page[cmdb.HistoryEntry]]
	linked        *dataloadgen.Loader[linkKey, []catalog.Item]
	// seer is the response's reader, for the visibility rules.
	seer *seer
}

// linkKey asks for the items linked to one item by one catalogue link type.
type linkKey struct {
	id      string
	typ     string
	reverse bool
}

// relKey asks for one CI's relationships with one set of arguments; keys with
// the same arguments share a query.
type relKey struct {
	ciID  string
	dir   cmdb.Direction
	types string // joined with ","
	limit int
}

type historyKey struct {
	ciID  string
	first int
	after string
}

type loadersKey struct{}

// WithLoaders returns ctx carrying fresh loaders. Call it once per response,
// so that cached values never outlive the response they were read for.
func (r *Resolver) WithLoaders(ctx context.Context) context.Context {
	wait := dataloadgen.WithWait(r.LoaderWait)
	l := &loaders{
		groups: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]people.Group, error) {
			return r.People.Groups(ctx, ids)
		}, wait),
		members: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]cmdb.CI, error) {
			m, err := r.CMDB.Members(ctx, ids)
			return withEmpty(ids, m, err)
		}, wait),
		groupsOfUser: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]people.Group, error) {
			m, err := r.People.GroupsOf(ctx, ids)
			return withEmpty(ids, m, err)
		}, wait),
		usersOfGroup: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]people.User, error) {
			m, err := r.People.MembersOf(ctx, ids)
			return withEmpty(ids, m, err)
		}, wait),
		relationships: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []relKey) (map[relKey][]cmdb.Relationship, error) {
			return batchByArgs(keys, func(k relKey) relKey { return relKey{dir: k.dir, types: k.types, limit: k.limit} },
				func(k relKey) string { return k.ciID },
				func(args relKey, ids []string) (map[string][]cmdb.Relationship, error) {
					var types []string
					if args.types != "" {
						types = strings.Split(args.types, ",")
					}
					return r.CMDB.Relationships(ctx, ids, args.dir, types, args.limit)
				})
		}, wait),
		history: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []historyKey) (map[historyKey]paging.Page[cmdb.HistoryEntry], error) {
			return batchByArgs(keys, func(k historyKey) historyKey { return historyKey{first: k.first, after: k.after} },
				func(k historyKey) string { return k.ciID },
				func(args historyKey, ids []string) (map[string]paging.Page[cmdb.HistoryEntry], error) {
					return r.CMDB.History(ctx, ids, paging.Request{First: args.first, After: args.after})
				})
		}, wait),
		linked: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []linkKey) (map[linkKey][]catalog.Item, error) {
			return batchByArgs(keys, func(k linkKey) linkKey { return linkKey{typ: k.typ, reverse: k.reverse} },
				func(k linkKey) string { return k.id },
				func(args linkKey, ids []string) (map[string][]catalog.Item, error) {
					return r.Catalog.Linked(ctx, ids, args.typ, args.reverse)
				})
		}, wait),
	}
	l.seer = r.seerFor(ctx)
	return r.withIncidentLoaders(r.withChangeLoaders(context.WithValue(ctx, loadersKey{}, l)))
}

func loadersFrom(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
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
