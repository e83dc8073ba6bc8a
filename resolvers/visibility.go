package resolvers

import (
	"context"
	"reflect"
	"slices"
	"sync"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
)

// Row-level visibility: which objects a reader may see.
//
// This file is the one place that decides it. Every record has an id whose
// prefix names its kind; kinds says, per kind, who may read records of it.
// records says which records an object of each GraphQL type shows (a
// record type shows itself; a snapshot such as an assessment's incident
// shows the record it was taken from). An object is visible when the reader
// may read every record it shows.
//
// Every path applies it:
//   - Guard, a field middleware on every field of every operation, screens
//     whatever any field returns (root fields, nested fields, lists, node,
//     assessments, reports, the objects inside subscription events): a
//     hidden object resolves to null, is left out of a list, or fails a
//     non-null field with NOT_FOUND.
//   - node(id:) answers FORBIDDEN to roles that may not read the kind at
//     all, and NOT_FOUND for a record the reader may not see.
//   - The subscription streams drop events whose object the subscriber may
//     not see (they are channels, which Guard does not see into).
//   - The resolvers that load referenced records by id skip those the
//     reader may not see before loading them (mayRead): an optimisation,
//     Guard would hide them anyway.
//
// Writes are the exception to Guard: a mutation's payload shows what the
// write wrote (a login, the account that logged in), because every write
// checked its row first. Incident writes apply the incident row rule
// (incident.Viewer.CanRead, the rule of incident.ScopeOf) before any other
// check on the row and answer NOT_FOUND like the read; writes on other
// kinds need roles that read every record of the kind (@auth). What a
// payload's objects lead to is screened as usual.

// kind is what the rules know of one kind of record. Each process
// registers its kinds (see process in resolver.go).
type kind struct {
	// prefix starts the ids of the kind's records.
	prefix string
	// typ is the GraphQL type of its records.
	typ string
	// readers may read every record of the kind (ADMIN holds every role).
	// They are the roles of the kind's own query (@auth), so node(id:)
	// answers FORBIDDEN to anyone else, as that query does.
	readers []auth.Role
	// own, when set, also lets a reader who is not among readers see some
	// records of the kind: their own account, the groups they belong to,
	// the incidents in their scope.
	own ownRule
	// fetch reads one record for node(id:); the rules apply to its answer.
	fetch func(r *Resolver, ctx context.Context, id string) (model.Node, error)
	// fetchMany, when set, reads many records at once for nodes(ids:),
	// leaving out those that do not exist.
	fetchMany func(r *Resolver, ctx context.Context, ids []string) (map[string]model.Node, error)
	// With own recordRule: all says who sees every record of the kind,
	// and row decides, for anyone else, on the object itself (a request
	// by its parties, approvers and task groups; an item by whom it is
	// offered to). A record known by its id alone is hidden from them.
	all func(p auth.Principal) bool
	row func(v incident.Viewer, obj any) bool
}

type ownRule int

const (
	// The zero value: only the kind's readers see its records.
	_ ownRule = iota
	// ownAccount: a user sees their own account (me.user).
	ownAccount
	// ownGroups: a user sees the groups they belong to (me.user.groups).
	ownGroups
	// incidentScope: incident.ScopeOf decides, record by record; readers
	// is who may ask at all.
	incidentScope
	// recordRule: the kind's all and row decide; readers is who may ask
	// at all.
	recordRule
)

// batched gives the kind a batch read for nodes(ids:).
func (k kind) batched(fetchMany func(r *Resolver, ctx context.Context, ids []string) (map[string]model.Node, error)) kind {
	k.fetchMany = fetchMany
	return k
}

// staffKind is a kind every staff role reads and nobody else.
func staffKind(prefix, typ string, fetch func(r *Resolver, ctx context.Context, id string) (model.Node, error)) kind {
	return kind{prefix: prefix, typ: typ, readers: auth.Staff, fetch: fetch}
}

// everyone is the staff and requesters.
func everyone() []auth.Role { return append([]auth.Role{auth.Requester}, auth.Staff...) }

// asNode turns a domain read and its mapping into a node fetch's answer.
func asNode[V any, N model.Node](conv func(V) N) func(V, error) (model.Node, error) {
	return func(v V, err error) (model.Node, error) {
		if err != nil {
			return nil, err
		}
		return conv(v), nil
	}
}

// snapshot says which records an object of a type that is not a Node
// shows: an assessment's incident shows the incident it was taken from.
type snapshot struct {
	typ   reflect.Type
	shows func(obj any) []string
}

// shows registers the records objects of type T show.
func shows[T any](f func(T) []string) snapshot {
	return snapshot{typ: reflect.TypeFor[T](), shows: func(obj any) []string { return f(obj.(T)) }}
}

// rules are every process's kinds by id prefix and snapshots by type.
type rules struct {
	kinds     map[string]kind
	snapshots map[reflect.Type]func(any) []string
}

var (
	rulesOnce sync.Once
	theRules  rules
)

// ruleBook returns the rules of every registered process, built once.
func ruleBook() rules {
	rulesOnce.Do(func() {
		theRules = rules{kinds: map[string]kind{}, snapshots: map[reflect.Type]func(any) []string{}}
		for _, p := range processes() {
			for _, k := range p.kinds {
				theRules.kinds[k.prefix] = k
			}
			for _, s := range p.snapshots {
				theRules.snapshots[s.typ] = s.shows
			}
		}
	})
	return theRules
}

// kinds lists every kind of record the API hands out, by id prefix.
func kinds() map[string]kind { return ruleBook().kinds }

// records returns the ids of the records obj shows, and false when obj is
// of a type that shows none (a value belonging to its parent, such as a
// risk factor or an incident's timeline entry). Every Node shows itself;
// the snapshot types registered show a record by reference.
func records(obj any) ([]string, bool) {
	if v := reflect.ValueOf(obj); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, false // null shows nothing
	}
	if n, ok := obj.(model.Node); ok {
		return []string{n.GetID()}, true
	}
	if f, ok := ruleBook().snapshots[reflect.TypeOf(obj)]; ok {
		return f(obj), true
	}
	return nil, false
}

// seer is a reader as the rules need them: the principal and, read only
// when a rule needs them, their groups and the incidents in their scope.
type seer struct {
	p *auth.Principal
	// viewer returns the principal with their groups.
	viewer func(ctx context.Context) (incident.Viewer, error)
	// incidents returns those of ids the reader may read (incident row
	// scope applied), keyed by id.
	incidents func(ctx context.Context, ids []string) (map[string]incident.Incident, error)

	once    sync.Once
	kinds   map[string]kind
	seesAll bool
}

// prepare reads the rules once for the reader's response.
func (s *seer) prepare() {
	s.once.Do(func() {
		s.kinds = kinds()
		s.seesAll = s.readsAllIncidents()
		for _, k := range s.kinds {
			s.seesAll = s.seesAll && s.p.HasAny(k.readers) && (k.all == nil || k.all(*s.p))
		}
	})
}

// kindOf returns the rule of the kind of record id refers to.
func (s *seer) kindOf(id string) (kind, bool) {
	s.prepare()
	k, ok := s.kinds[ids.Kind(id)]
	return k, ok
}

// all reports whether the reader may read every record of every kind (the
// reading roles, ADMIN): the rules then hide nothing, and Guard need not
// look.
func (s *seer) all() bool {
	s.prepare()
	return s.seesAll
}

// seerFor returns the reader of ctx for one response: groups and incidents
// come from the response's loaders.
func (r *Resolver) seerFor(ctx context.Context) *seer {
	return &seer{p: principal(ctx), viewer: r.viewer, incidents: r.scopedIncidents}
}

// seerOf returns p as a reader outside the loaders of a response (the
// account that just logged in): its groups and incidents read directly.
func (r *Resolver) seerOf(p auth.Principal) *seer {
	return &seer{
		p:      &p,
		viewer: func(ctx context.Context) (incident.Viewer, error) { return r.viewerOf(ctx, p) },
		incidents: func(ctx context.Context, ids []string) (map[string]incident.Incident, error) {
			v, err := r.viewerOf(ctx, p)
			if err != nil {
				return nil, err
			}
			return r.IncidentMgmt.GetMany(ctx, v, ids)
		},
	}
}

// streamSeer returns the subscriber v for the life of a subscription: its
// groups as read when it subscribed, incidents read afresh for each event.
func (r *Resolver) streamSeer(v incident.Viewer) *seer {
	p := v.Principal
	return &seer{
		p:      &p,
		viewer: func(context.Context) (incident.Viewer, error) { return v, nil },
		incidents: func(ctx context.Context, ids []string) (map[string]incident.Incident, error) {
			return r.IncidentMgmt.GetMany(ctx, v, ids)
		},
	}
}

// scopedIncidents reads the incidents of ids in the reader's scope through
// the response's loader (batched and cached), or directly without one.
func (r *Resolver) scopedIncidents(ctx context.Context, keys []string) (map[string]incident.Incident, error) {
	l := incidentLoadersFrom(ctx)
	if l == nil {
		v, err := r.viewer(ctx)
		if err != nil {
			return nil, err
		}
		return r.IncidentMgmt.GetMany(ctx, v, keys)
	}
	got, err := l.incidents.LoadAll(ctx, keys)
	out := make(map[string]incident.Incident, len(keys))
	for i, inc := range got {
		if e := errAt(err, i); e != nil {
			if notFoundAsNull(e) != nil {
				return nil, e
			}
			continue // out of scope, or absent
		}
		out[keys[i]] = inc
	}
	return out, nil
}

// visible reports, for each object, whether the reader may see it.
func (s *seer) visible(ctx context.Context, objs []any) ([]bool, error) {
	shown := make([][]string, len(objs))
	var lookup []string
	for i, o := range objs {
		shown[i], _ = records(o)
		for _, id := range shown[i] {
			if ids.Kind(id) == incident.IncidentPrefix && !s.readsAllIncidents() && ownRecord(o, id) == nil {
				lookup = append(lookup, id)
			}
		}
	}
	var inScope map[string]incident.Incident
	if len(lookup) > 0 {
		var err error
		if inScope, err = s.incidents(ctx, lookup); err != nil {
			return nil, err
		}
	}
	out := make([]bool, len(objs))
	for i, o := range objs {
		ok := true
		for _, id := range shown[i] {
			may, err := s.mayRead(ctx, id, o, ownRecord(o, id), inScope)
			if err != nil {
				return nil, err
			}
			ok = ok && may
		}
		out[i] = ok
	}
	return out, nil
}

// ownRecord returns the incident record an object carries for id, if any,
// so that its scope is decided without reading it again.
func ownRecord(obj any, id string) *incident.Incident {
	if m, ok := obj.(*model.Incident); ok && m.ID == id {
		return &m.Domain
	}
	return nil
}

func (s *seer) readsAllIncidents() bool {
	return incident.ScopeOf(*s.p, nil).All
}

// mayRead decides one record by its id. obj is the object that shows it,
// when there is one; rec is the incident record when the id is an
// incident's and the caller has it; inScope holds the incidents the caller
// looked up in the reader's scope otherwise.
func (s *seer) mayRead(ctx context.Context, id string, obj any, rec *incident.Incident, inScope map[string]incident.Incident) (bool, error) {
	k, ok := s.kindOf(id)
	if !ok {
		return false, nil // an unknown kind is nobody's to see
	}
	switch k.own {
	case recordRule:
		if !s.p.HasAny(k.readers) {
			return false, nil
		}
		if k.all(*s.p) {
			return true, nil
		}
		if obj == nil {
			return false, nil
		}
		// Groups only ever widen what a reader sees: a record the
		// principal sees in their own right needs no read of their groups.
		if k.row(incident.Viewer{Principal: *s.p}, obj) {
			return true, nil
		}
		v, err := s.viewer(ctx)
		if err != nil {
			return false, err
		}
		return k.row(v, obj), nil
	case incidentScope:
		if s.readsAllIncidents() {
			return true, nil
		}
		if rec == nil {
			_, ok := inScope[id]
			return ok, nil
		}
		v, err := s.viewer(ctx)
		if err != nil {
			return false, err
		}
		return v.CanRead(*rec), nil
	case ownAccount:
		return s.p.HasAny(k.readers) || s.p.Subject != "" && id == s.p.Subject, nil
	case ownGroups:
		if s.p.HasAny(k.readers) {
			return true, nil
		}
		v, err := s.viewer(ctx)
		if err != nil {
			return false, err
		}
		return slices.Contains(v.GroupIDs, id), nil
	}
	return s.p.HasAny(k.readers), nil
}

// mayReadIDs returns the ids of records (of kinds other than incidents)
// that the reader may see, in order.
func (s *seer) mayReadIDs(ctx context.Context, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, id := range in {
		ok, err := s.mayRead(ctx, id, nil, nil, nil)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// node answers node(id:): FORBIDDEN to roles that may not read the kind,
// NOT_FOUND for an unknown id or a record the reader may not see.
func (r *Resolver) node(ctx context.Context, id string) (model.Node, error) {
	s := r.seerFor(ctx)
	k, ok := s.kindOf(id)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "no object has id %q", id)
	}
	if _, err := auth.Require(ctx, k.readers...); err != nil {
		return nil, err
	}
	n, err := k.fetch(r, ctx, id)
	if err != nil {
		return nil, err
	}
	ok2, err := s.visible(ctx, []any{n})
	if err != nil {
		return nil, err
	}
	if !ok2[0] {
		return nil, apperr.New(apperr.NotFound, "no object has id %q", id)
	}
	return n, nil
}

// mayRead reports whether the reader of ctx may see the record id refers
// to (for kinds other than incidents, whose rows it does not read).
func mayRead(ctx context.Context, id string) bool {
	ok, err := seerFrom(ctx).mayRead(ctx, id, nil, nil, nil)
	return err == nil && ok
}

// mayReadIDs keeps the ids of ctx's reader may see, in order.
func mayReadIDs(ctx context.Context, in []string) ([]string, error) {
	return seerFrom(ctx).mayReadIDs(ctx, in)
}

// seerFrom returns the response's reader from its loaders. Without loaders
// (which every response has) it knows only the principal: it sees no group
// and no incident it would have to look up.
func seerFrom(ctx context.Context) *seer {
	if l := loadersFrom(ctx); l != nil && l.seer != nil {
		return l.seer
	}
	p := principal(ctx)
	return &seer{
		p:      p,
		viewer: func(context.Context) (incident.Viewer, error) { return incident.Viewer{Principal: *p}, nil },
		incidents: func(context.Context, []string) (map[string]incident.Incident, error) {
			return nil, nil
		},
	}
}
