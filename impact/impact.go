// Package impact answers the graph questions of SPEC §2.4: what is impacted
// when items fail (with distance, severity and one shortest explaining
// path), what an item depends on, what depends on it, its neighbourhood,
// and how two items are connected. The store fetches the relevant subgraph
// in one query; the rules — redundancy, severity, shortest paths — are
// computed here, in Go, so they can be tested on hand-built topologies.
package impact

import (
	"context"
	"slices"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
)

// Severity is how badly an impacted item is hit.
type Severity string

// The severities, worst first.
const (
	Down     Severity = "DOWN"
	Degraded Severity = "DEGRADED"
	none     Severity = ""
)

func worse(a, b Severity) Severity {
	if a == Down || b == Down {
		return Down
	}
	if a == Degraded || b == Degraded {
		return Degraded
	}
	return none
}

// Edge is a stored relationship, as a drawing shows it: Source and Target
// are the ends of the relationship as stored, whatever way impact crosses it.
type Edge struct {
	ID     string
	Type   string
	Source string
	Target string
}

// Step is one hop of impact: a failure of From reaches To across Edge.
type Step struct {
	From, To string
	Edge     Edge
}

// Node is an item of a fetched subgraph.
type Node struct {
	ID   string
	Kind catalog.Kind
	// Item is the record: cmdb.CI, catalog.Service, catalog.Unit or
	// catalog.Process, whole or, when fetched as Summaries, with only the
	// summary fields set.
	Item catalog.Item
	// MinimumUp and Members describe a redundancy group (MinimumUp > 0):
	// how many members must stay up, and how many it has in all.
	MinimumUp int
	Members   int
	// Out are the impact steps leaving this node (towards what it impacts,
	// or towards what it depends on for a dependency subgraph). Steps to
	// nodes outside the subgraph may be present and are ignored.
	Out []Step
}

// Subgraph is what the store fetched around some start items.
type Subgraph map[string]*Node

// Impacted is one item in a result.
type Impacted struct {
	Node     *Node
	Distance int
	Severity Severity
}

// Result is the answer of an impact analysis.
type Result struct {
	// Roots are the start items (distance 0, DOWN).
	Roots []Impacted
	// Impacted are the other reached items, nearest first, then by kind
	// from infrastructure to business, then by name.
	Impacted []Impacted
	// Reached is how many items the walk reached, the start items left
	// out: len(Impacted), or more when a neighbourhood kept only the
	// nearest.
	Reached int

	x *indexed
}

// Count returns how many impacted items are of kind k.
func (r Result) Count(k catalog.Kind) int {
	n := 0
	for _, i := range r.Impacted {
		if i.Node.Kind == k {
			n++
		}
	}
	return n
}

// CountSeverity returns how many impacted items have severity s.
func (r Result) CountSeverity(s Severity) int {
	n := 0
	for _, i := range r.Impacted {
		if i.Severity == s {
			n++
		}
	}
	return n
}

// NameOf returns the name of an item record, "" without one.
func NameOf(item catalog.Item) string {
	if item == nil {
		return ""
	}
	return item.ItemName()
}

// Detail says how much of each reached item's record a store fetches. The
// levels are ordered: a smaller Detail fetches more, so the detail that
// serves several needs is the smallest of them.
type Detail int

const (
	// WholeItems fetches every field of every item.
	WholeItems Detail = iota
	// Summaries fetches only what the analysis and a drawing use: id,
	// kind, name, type, status and the redundancy minimum. Every other
	// field of Node.Item is left zero. A large answer costs about half as
	// much to fetch and decode this way.
	Summaries
	// Names fetches only what the analysis itself uses: id, kind, name
	// (answers are ordered by it), status (a retired start is reported)
	// and the redundancy minimum.
	Names
)

// Store fetches subgraphs. Each method is one query.
type Store interface {
	// Reach returns the start items and every item within depth steps of
	// them along impact (towards what they impact), or against it when
	// upstream (towards what they depend on), with each node's steps and
	// each item's record in the given detail.
	Reach(ctx context.Context, ids []string, depth int, upstream bool, detail Detail) (Subgraph, error)
	// Neighbourhood returns id and at most first of the items within
	// depth relationships of it, in any direction, across the given
	// relationship types, with the steps between those it returns; and
	// how many items it reached in all, id left out. It keeps the nearest:
	// every item of one distance before any further and, at one distance,
	// by kind (as catalog.Kinds orders them), name and id, as Analyze
	// orders them. An item whose status is one of retired, id excepted, is
	// neither walked through nor counted.
	Neighbourhood(ctx context.Context, id string, depth int, types []string, first int, retired []string) (Subgraph, int, error)
	// Paths returns up to limit shortest paths between two items across
	// the given relationship types, in any direction, of at most maxLen.
	// Retired CIs and services are not passed through unless
	// includeRetired.
	Paths(ctx context.Context, fromID, toID string, maxLen, limit int, types []string, includeRetired bool) ([]Path, error)
}

// Path is one path between two items: its nodes in order and the stored
// relationships between consecutive nodes.
type Path struct {
	Nodes []*Node
	Edges []Edge
}

// Limits bound the work one request may ask for.
type Limits struct {
	DefaultDepth int
	MaxDepth     int
	MaxStarts    int
}

// MaxSupportedDepth is the deepest traversal the store has statements for.
const MaxSupportedDepth = 20

// DefaultLimits are used when configuration says nothing.
func DefaultLimits() Limits {
	return Limits{DefaultDepth: 10, MaxDepth: MaxSupportedDepth, MaxStarts: 100}
}

// Analyzer runs graph questions against a store.
type Analyzer struct {
	store  Store
	limits Limits
	detail Detail
}

// NewAnalyzer returns an Analyzer. Its results carry whole item records;
// see Showing.
func NewAnalyzer(store Store, limits Limits) *Analyzer {
	return &Analyzer{store: store, limits: limits}
}

// Showing returns an analyzer whose Impact, Dependencies and Dependents
// fetch only d of each item. A caller that knows which fields it will show
// (the API, from its caller's selection) thus skips reading whole records
// when only names and kinds are shown.
func (a *Analyzer) Showing(d Detail) *Analyzer {
	b := *a
	b.detail = d
	return &b
}

// Depth resolves a requested depth: the default when nil, BAD_USER_INPUT
// outside 1..MaxDepth.
func (a *Analyzer) Depth(field string, depth *int) (int, error) {
	if depth == nil {
		return a.limits.DefaultDepth, nil
	}
	if *depth < 1 || *depth > a.limits.MaxDepth {
		return 0, apperr.Invalid(field, "must be between 1 and %d (got %d)", a.limits.MaxDepth, *depth)
	}
	return *depth, nil
}

func (a *Analyzer) checkStarts(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, apperr.Invalid("ciIds", "give at least one id")
	}
	if len(ids) > a.limits.MaxStarts {
		return nil, apperr.Invalid("ciIds", "at most %d ids at once (got %d)", a.limits.MaxStarts, len(ids))
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out), nil
}

func missing(g Subgraph, ids []string) error {
	for _, id := range ids {
		if _, ok := g[id]; !ok {
			return apperr.New(apperr.NotFound, "no CI, service, business unit or business process has id %q", id)
		}
	}
	return nil
}

// Impact analyses the failure of the items ids (CIs or services).
// NOT_FOUND for an unknown id; BAD_USER_INPUT for a bad depth or too many ids.
// It also returns the depth it used.
func (a *Analyzer) Impact(ctx context.Context, ids []string, depth *int) (Result, int, error) {
	starts, err := a.checkStarts(ids)
	if err != nil {
		return Result{}, 0, err
	}
	d, err := a.Depth("maxDepth", depth)
	if err != nil {
		return Result{}, 0, err
	}
	g, err := a.store.Reach(ctx, starts, d, false, a.detail)
	if err != nil {
		return Result{}, 0, err
	}
	if err := missing(g, starts); err != nil {
		return Result{}, 0, err
	}
	return Analyze(g, starts, d), d, nil
}

// Dependencies returns what an item needs, down to the infrastructure, and
// Dependents what needs it; both as reached items with distance and a path.
func (a *Analyzer) Dependencies(ctx context.Context, id string, depth *int) (Result, error) {
	return a.walk(ctx, id, depth, true)
}

// Upstream places every item within depth dependency steps of any of ids
// (the items themselves at distance 0) by its nearest distance, with the
// path to it.
func (a *Analyzer) Upstream(ctx context.Context, ids []string, depth *int) (map[string]Place, error) {
	where := map[string]Place{}
	for _, id := range ids {
		deps, err := a.Dependencies(ctx, id, depth)
		if err != nil {
			return nil, err
		}
		for _, it := range append(deps.Roots, deps.Impacted...) {
			if p, ok := where[it.Node.ID]; !ok || it.Distance < p.Distance {
				where[it.Node.ID] = Place{Impacted: it, Path: deps.Path(it.Node.ID)}
			}
		}
	}
	return where, nil
}

// Place is where an item sits among the dependencies of the items asked
// about: its nearest distance and the path to it.
type Place struct {
	Impacted
	Path []Step
}

// Dependents: see Dependencies.
func (a *Analyzer) Dependents(ctx context.Context, id string, depth *int) (Result, error) {
	return a.walk(ctx, id, depth, false)
}

func (a *Analyzer) walk(ctx context.Context, id string, depth *int, upstream bool) (Result, error) {
	d, err := a.Depth("depth", depth)
	if err != nil {
		return Result{}, err
	}
	g, err := a.store.Reach(ctx, []string{id}, d, upstream, a.detail)
	if err != nil {
		return Result{}, err
	}
	if err := missing(g, []string{id}); err != nil {
		return Result{}, err
	}
	res := Analyze(g, []string{id}, d)
	if upstream {
		// Severity speaks of failure travelling downstream; on the way up
		// it means nothing.
		for i := range res.Impacted {
			res.Impacted[i].Severity = none
		}
	}
	return res, nil
}

// MaxNeighbourhoodDepth bounds neighbourhood queries, which fan out in
// every direction.
const MaxNeighbourhoodDepth = 5

// Bounds of the items a neighbourhood keeps: a hub's reaches tens of
// thousands, more than anyone can look at or a drawing can lay out.
const (
	DefaultNeighbourhoodFirst = 500
	MaxNeighbourhoodFirst     = 2000
)

// Neighbourhood returns the first (DefaultNeighbourhoodFirst when nil)
// nearest items within depth relationships of id, and in Reached how many
// there are in all; retired items other than id are left out, and so not
// walked through nor counted, unless includeRetired.
func (a *Analyzer) Neighbourhood(ctx context.Context, id string, depth *int, types []string, includeRetired bool, first *int) (Result, error) {
	d := 1
	if depth != nil {
		d = *depth
	}
	if d < 1 || d > MaxNeighbourhoodDepth {
		return Result{}, apperr.Invalid("depth", "must be between 1 and %d (got %d)", MaxNeighbourhoodDepth, d)
	}
	k := DefaultNeighbourhoodFirst
	if first != nil {
		k = *first
	}
	if k < 1 || k > MaxNeighbourhoodFirst {
		return Result{}, apperr.Invalid("first", "must be between 1 and %d (got %d)", MaxNeighbourhoodFirst, k)
	}
	types, err := checkTypes(types)
	if err != nil {
		return Result{}, err
	}
	var retired []string
	if !includeRetired {
		retired = RetiredStatuses()
	}
	g, reached, err := a.store.Neighbourhood(ctx, id, d, types, k, retired)
	if err != nil {
		return Result{}, err
	}
	if err := missing(g, []string{id}); err != nil {
		return Result{}, err
	}
	// The store kept every item nearer than the farthest it kept, so the
	// walk over what it kept finds the same distances.
	res := Analyze(g, []string{id}, d)
	for i := range res.Impacted {
		res.Impacted[i].Severity = none
	}
	res.Reached = reached
	return res, nil
}

// Limits of path queries.
const (
	MaxPathLength = 10
	MaxPaths      = 10
)

// Paths returns up to limit shortest paths from one item to another.
func (a *Analyzer) Paths(ctx context.Context, fromID, toID string, maxLen, limit *int, types []string, includeRetired bool) ([]Path, error) {
	l, k := 6, 3
	if maxLen != nil {
		l = *maxLen
	}
	if limit != nil {
		k = *limit
	}
	if l < 1 || l > MaxPathLength {
		return nil, apperr.Invalid("maxLength", "must be between 1 and %d (got %d)", MaxPathLength, l)
	}
	if k < 1 || k > MaxPaths {
		return nil, apperr.Invalid("limit", "must be between 1 and %d (got %d)", MaxPaths, k)
	}
	if fromID == toID {
		return nil, apperr.Invalid("toId", "must differ from fromId")
	}
	types, err := checkTypes(types)
	if err != nil {
		return nil, err
	}
	return a.store.Paths(ctx, fromID, toID, l, k, types, includeRetired)
}

// RetiredStatuses are the statuses of Retired items, for stores that
// leave them out themselves.
func RetiredStatuses() []string {
	out := []string{string(cmdb.StatusRetired), string(catalog.StatusRetired)}
	slices.Sort(out)
	return slices.Compact(out)
}

// Retired reports whether an item has left service: a retired CI or
// service, which impact no longer crosses.
func Retired(it catalog.Item) bool {
	switch v := it.(type) {
	case cmdb.CI:
		return v.Status == cmdb.StatusRetired
	case catalog.Service:
		return v.Status == catalog.StatusRetired
	}
	return false
}

func checkTypes(types []string) ([]string, error) {
	if len(types) == 0 {
		return cmdb.RelTypeNames(), nil
	}
	out := slices.Clone(types)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, t := range out {
		if _, ok := cmdb.LookupRelType(t); !ok {
			return nil, apperr.Invalid("types", "unknown relationship type %q; valid types are %v", t, cmdb.RelTypeNames())
		}
	}
	return out, nil
}
