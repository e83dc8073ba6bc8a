// Package baseline holds configuration baselines (SPEC §2.4): a named
// snapshot of a CI, or of everything that supports a service or CI, with
// each item's fields and relationships, and the drift of the current state
// from it. It declares the Store it needs; package neo4j implements it.
package baseline

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// Prefix is the id prefix of baselines.
const Prefix = "bl"

// Scope says what a baseline covers.
type Scope string

// The scopes.
const (
	// ScopeItem is the root alone, with its relationships.
	ScopeItem Scope = "ITEM"
	// ScopeTree is the root and every item that supports it: whatever
	// would take it down by failing, to Depth levels.
	ScopeTree Scope = "SUPPORTING_TREE"
)

// Scopes lists the scopes.
func Scopes() []Scope { return []Scope{ScopeItem, ScopeTree} }

// Limits of a baseline.
const (
	MaxItems     = 1000
	MaxDepth     = 20
	DefaultDepth = 10
	MaxNameLen   = 200
	MaxDescLen   = 4000
)

// Item is the state of one item: its fields as history names them.
type Item struct {
	ID     string
	Kind   catalog.Kind
	Name   string
	Fields map[string]string
}

// Relationship is one relationship between items, with the ends' names.
type Relationship struct {
	SourceID, SourceName, Type, TargetID, TargetName string
}

func (r Relationship) key() [3]string { return [3]string{r.SourceID, r.Type, r.TargetID} }

// Snapshot is the state of a set of items: the items by id, and every
// relationship touching one of them.
type Snapshot struct {
	Items         []Item
	Relationships []Relationship
}

// Baseline is a named snapshot.
type Baseline struct {
	ID          string
	Name        string
	Description string
	RootID      string
	RootName    string
	Scope       Scope
	Depth       int
	Snapshot    Snapshot
	CreatedAt   time.Time
	CreatedBy   string
}

// FieldDrift is one field whose value moved; nil is absent.
type FieldDrift struct {
	Field             string
	Baseline, Current *string
}

// ItemDrift is an item whose fields moved.
type ItemDrift struct {
	Item    Item // as it is now
	Changes []FieldDrift
}

// Drift is how the current state differs from a baseline.
type Drift struct {
	ComparedAt           time.Time
	Added, Removed       []Item
	Changed              []ItemDrift
	RelationshipsAdded   []Relationship
	RelationshipsRemoved []Relationship
}

// Drifted says whether anything differs.
func (d Drift) Drifted() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.RelationshipsAdded)+len(d.RelationshipsRemoved) > 0
}

// Compare is the drift from was to now.
func Compare(was, now Snapshot) Drift {
	var d Drift
	before := indexBy(was.Items)
	after := indexBy(now.Items)
	for _, it := range now.Items {
		old, ok := before[it.ID]
		if !ok {
			d.Added = append(d.Added, it)
			continue
		}
		if ch := fieldDrift(old.Fields, it.Fields); len(ch) > 0 {
			d.Changed = append(d.Changed, ItemDrift{Item: it, Changes: ch})
		}
	}
	for _, it := range was.Items {
		if _, ok := after[it.ID]; !ok {
			d.Removed = append(d.Removed, it)
		}
	}
	d.RelationshipsAdded = relsMissing(now.Relationships, was.Relationships)
	d.RelationshipsRemoved = relsMissing(was.Relationships, now.Relationships)
	return d
}

func indexBy(items []Item) map[string]Item {
	m := make(map[string]Item, len(items))
	for _, it := range items {
		m[it.ID] = it
	}
	return m
}

func fieldDrift(was, now map[string]string) []FieldDrift {
	keys := slices.Sorted(maps.Keys(was))
	for k := range now {
		if _, ok := was[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []FieldDrift
	for _, k := range keys {
		b, bok := was[k]
		a, aok := now[k]
		if bok != aok || b != a {
			out = append(out, FieldDrift{Field: k, Baseline: ptrIf(b, bok), Current: ptrIf(a, aok)})
		}
	}
	return out
}

func ptrIf(s string, ok bool) *string {
	if !ok {
		return nil
	}
	return &s
}

// relsMissing lists those of a not in b.
func relsMissing(a, b []Relationship) []Relationship {
	in := make(map[[3]string]bool, len(b))
	for _, r := range b {
		in[r.key()] = true
	}
	var out []Relationship
	for _, r := range a {
		if !in[r.key()] {
			out = append(out, r)
		}
	}
	return out
}

// Normalize sorts a snapshot's items by id and its relationships by their
// ends and type, dropping repeats, so that equal states compare equal.
func (s *Snapshot) Normalize() {
	slices.SortFunc(s.Items, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.Relationships, func(a, b Relationship) int {
		return cmp.Or(cmp.Compare(a.SourceID, b.SourceID), cmp.Compare(a.Type, b.Type), cmp.Compare(a.TargetID, b.TargetID))
	})
	s.Relationships = slices.CompactFunc(s.Relationships, func(a, b Relationship) bool { return a.key() == b.key() })
}

// CIItem is a CI's state: the fields its history records.
func CIItem(c cmdb.CI) Item {
	f := map[string]string{"type": string(c.Type), "status": string(c.Status), "environment": string(c.Environment),
		"criticality": string(c.Criticality)}
	for k, v := range map[string]string{"description": c.Description, "location": c.Location, "ownerGroupId": c.OwnerGroupID} {
		if v != "" {
			f[k] = v
		}
	}
	if c.MinimumUp > 0 {
		f["redundancyMinimumUp"] = strconv.Itoa(c.MinimumUp)
	}
	for k, v := range c.Attributes {
		f["attributes."+k] = v
	}
	f["name"] = c.Name
	return Item{ID: c.ID, Kind: catalog.KindCI, Name: c.Name, Fields: f}
}

// ServiceItem is a service's state.
func ServiceItem(s catalog.Service) Item {
	f := map[string]string{"name": s.Name, "status": string(s.Status), "criticality": string(s.Criticality)}
	for k, v := range map[string]string{"description": s.Description, "ownerGroupId": s.OwnerGroupID} {
		if v != "" {
			f[k] = v
		}
	}
	return Item{ID: s.ID, Kind: s.Kind, Name: s.Name, Fields: f}
}

// UnitItem and ProcessItem are the states of the business end of a tree.
func UnitItem(u catalog.Unit) Item {
	return Item{ID: u.ID, Kind: catalog.KindBusinessUnit, Name: u.Name, Fields: namedFields(u.Name, u.Description)}
}

// ProcessItem is a business process's state.
func ProcessItem(p catalog.Process) Item {
	f := namedFields(p.Name, p.Description)
	f["criticality"] = string(p.Criticality)
	return Item{ID: p.ID, Kind: catalog.KindBusinessProcess, Name: p.Name, Fields: f}
}

func namedFields(name, description string) map[string]string {
	f := map[string]string{"name": name}
	if description != "" {
		f["description"] = description
	}
	return f
}

// Store keeps baselines and reads the current state of items.
type Store interface {
	// Snapshot reads rootID and, for ScopeTree, the items that support it
	// to depth levels, with their fields and relationships; at most max
	// items (more is BAD_USER_INPUT naming the count). NOT_FOUND for an
	// unknown root.
	Snapshot(ctx context.Context, rootID string, scope Scope, depth, max int) (root Item, s Snapshot, err error)
	CreateBaseline(ctx context.Context, b Baseline) error
	// GetBaselines returns the baselines with these ids, absent ones left out.
	GetBaselines(ctx context.Context, ids []string) ([]Baseline, error)
	// ListBaselines lists the baselines of a root (all when empty), newest
	// first.
	ListBaselines(ctx context.Context, rootID string, p paging.Request) (paging.Page[Baseline], error)
}

// Service applies the baseline rules.
type Service struct {
	store Store
	now   func() time.Time
	newID func(prefix string) string
}

// New returns a Service.
func New(store Store, now func() time.Time, newID func(string) string) *Service {
	return &Service{store: store, now: now, newID: newID}
}

// CreateInput names what to snapshot.
type CreateInput struct {
	Name, Description string
	RootID            string
	Scope             Scope
	// Depth bounds a ScopeTree walk (DefaultDepth when nil).
	Depth *int
}

// Create takes a snapshot and keeps it under a name.
func (s *Service) Create(ctx context.Context, caller auth.Principal, in CreateInput) (Baseline, error) {
	if err := validate.Text("name", in.Name, true, MaxNameLen); err != nil {
		return Baseline{}, err
	}
	if err := validate.Text("description", in.Description, false, MaxDescLen); err != nil {
		return Baseline{}, err
	}
	if in.Scope == "" {
		in.Scope = ScopeItem
	}
	if err := validate.Enum("scope", in.Scope, Scopes()); err != nil {
		return Baseline{}, err
	}
	depth := DefaultDepth
	if in.Depth != nil {
		depth = *in.Depth
	}
	if depth < 1 || depth > MaxDepth {
		return Baseline{}, apperr.Invalid("depth", "must be between 1 and %d (got %d)", MaxDepth, depth)
	}
	if in.Scope == ScopeItem {
		depth = 0
	}
	root, snap, err := s.store.Snapshot(ctx, in.RootID, in.Scope, depth, MaxItems)
	if err != nil {
		return Baseline{}, err
	}
	snap.Normalize()
	b := Baseline{ID: s.newID(Prefix), Name: in.Name, Description: in.Description, RootID: root.ID, RootName: root.Name,
		Scope: in.Scope, Depth: depth, Snapshot: snap, CreatedAt: s.now().UTC(), CreatedBy: caller.Subject}
	return b, s.store.CreateBaseline(ctx, b)
}

// Get returns one baseline; NOT_FOUND when absent.
func (s *Service) Get(ctx context.Context, id string) (Baseline, error) {
	got, err := s.store.GetBaselines(ctx, []string{id})
	if err != nil {
		return Baseline{}, err
	}
	if len(got) == 0 {
		return Baseline{}, apperr.New(apperr.NotFound, "no baseline has id %q", id)
	}
	return got[0], nil
}

// List lists baselines, newest first.
func (s *Service) List(ctx context.Context, rootID string, p paging.Request) (paging.Page[Baseline], error) {
	return s.store.ListBaselines(ctx, rootID, p)
}

// Drift compares the current state of what b covers with b: for a tree,
// the tree as it is now, walked the same way.
func (s *Service) Drift(ctx context.Context, b Baseline) (Drift, error) {
	at := s.now().UTC()
	_, now, err := s.store.Snapshot(ctx, b.RootID, b.Scope, b.Depth, MaxItems)
	if apperr.Is(err, apperr.NotFound) {
		// The root itself is gone: everything was removed.
		now, err = Snapshot{}, nil
	}
	if err != nil {
		return Drift{}, err
	}
	now.Normalize()
	d := Compare(b.Snapshot, now)
	d.ComparedAt = at
	return d, nil
}
