package problem

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/impact"
)

// What changed near a CI: the changes implemented, and the modifications
// recorded (authorised or not), on the CI and on what it depends on. They
// are the first suspects of a failure, nearest and most recent first.

// The bounds of a changesNear question.
const (
	// MaxNearWindow is the longest window looked back over.
	MaxNearWindow = 90 * 24 * time.Hour
	// DefaultNearWindow is the window ending now when none is given.
	DefaultNearWindow = 7 * 24 * time.Hour
	// DefaultNearDepth is how many dependency steps are followed by default.
	DefaultNearDepth = 3
	// DefaultNearResults and MaxNearResults bound the answer.
	DefaultNearResults = 20
	MaxNearResults     = 200
)

// NearKind says what happened to an item.
type NearKind string

// The kinds of events near a CI.
const (
	// ChangeImplemented: a change that targets the item started or
	// finished its implementation.
	ChangeImplemented NearKind = "CHANGE_IMPLEMENTED"
	// CIModified: the item's history records a modification, with the
	// change that authorised it or without one.
	CIModified NearKind = "CI_MODIFIED"
)

// implementedStates are the change states whose entry marks an
// implementation: starting it, and finishing it (or failing to).
func implementedStates() []change.State {
	return []change.State{change.Implementing, change.Implemented, change.Failed}
}

// NearEvent is a change implemented on an item, or a modification of it,
// as the store finds them.
type NearEvent struct {
	Kind   NearKind
	ItemID string
	At     time.Time
	// ChangeID is the change implemented, or the one that authorised a
	// modification ("" when none did).
	ChangeID string
	// Risk is the implemented change's assessed risk ("" when it has none).
	Risk change.Level
	// Entry is a modification's history entry.
	Entry *cmdb.HistoryEntry
}

// NearStore finds what touches items: the events on them in a window, and
// the known errors on them. One query each.
type NearStore interface {
	EventsNear(ctx context.Context, itemIDs []string, from, to time.Time, states []change.State) ([]NearEvent, error)
	// KnownErrorsOn returns the known errors (KnownErrorStates, with a
	// workaround) on any of the CIs (or with one as root cause) or on any
	// of the services.
	KnownErrorsOn(ctx context.Context, ciIDs, serviceIDs []string) ([]Problem, error)
	// KnownErrorsSharing returns the known errors on CIs (or with a
	// root-cause CI) that depend on any of the items within depth steps,
	// each by a shortest path to each item it reaches.
	KnownErrorsSharing(ctx context.Context, itemIDs []string, depth int) ([]Sharing, error)
}

// Nearby is an event near the CI asked about: the item it happened to, how
// far that item is up the CI's dependencies and the relationships that
// lead there, its rank and why it has it.
type Nearby struct {
	NearEvent
	Item     catalog.Item
	Distance int
	// Path leads from the CI asked about to the item, along impact against
	// its direction (empty on the CI itself).
	Path   []impact.Step
	Rank   int
	Reason string
}

// NearQuery asks what changed within Depth dependency steps of any of
// ItemIDs between From and To (zero: the DefaultNearWindow ending at now).
type NearQuery struct {
	ItemIDs  []string
	From, To time.Time
	Depth    *int
	First    *int
	// Detail is how much of each item's record the answer shows.
	Detail impact.Detail
}

// Hints finds what changed near an item.
type Hints struct {
	analyzer *impact.Analyzer
	store    NearStore
	now      func() time.Time
}

// NewHints returns Hints over the dependency graph and the store's events.
func NewHints(analyzer *impact.Analyzer, store NearStore, now func() time.Time) *Hints {
	return &Hints{analyzer: analyzer, store: store, now: now}
}

// window resolves a window, by default the span def ending at now (or at
// to), and checks it: forwards, and at most MaxNearWindow long.
func window(from, to, now time.Time, def time.Duration) (time.Time, time.Time, error) {
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-def)
	}
	// The store keeps times in UTC, and a time in the Local zone cannot be
	// sent to it.
	from, to = from.UTC(), to.UTC()
	if !from.Before(to) {
		return from, to, apperr.Invalid("window", "from (%s) must be before to (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if to.Sub(from) > MaxNearWindow {
		return from, to, apperr.Invalid("window", "spans %s; at most %d days", to.Sub(from).Round(time.Hour), int(MaxNearWindow.Hours()/24))
	}
	return from, to, nil
}

// ChangesNear ranks what changed on the item and on what it depends on in
// the window: nearest first, then most recent, then riskiest. A
// modification made by a change that is listed on the same item is that
// change's work, and is not listed again.
func (h *Hints) ChangesNear(ctx context.Context, q NearQuery) ([]Nearby, error) {
	from, to, err := window(q.From, q.To, h.now(), DefaultNearWindow)
	if err != nil {
		return nil, err
	}
	first, err := intIn("first", q.First, DefaultNearResults, 1, MaxNearResults)
	if err != nil {
		return nil, err
	}
	where, err := h.analyzer.Showing(q.Detail).Upstream(ctx, q.ItemIDs, orDefault(q.Depth, DefaultNearDepth))
	if err != nil {
		return nil, err
	}
	if len(where) == 0 {
		return nil, nil
	}
	events, err := h.store.EventsNear(ctx, slices.Sorted(maps.Keys(where)), from, to, implementedStates())
	if err != nil {
		return nil, err
	}
	implemented := map[[2]string]bool{}
	for _, e := range events {
		if e.Kind == ChangeImplemented {
			implemented[[2]string{e.ItemID, e.ChangeID}] = true
		}
	}
	var out []Nearby
	for _, e := range events {
		if e.Kind == CIModified && e.ChangeID != "" && implemented[[2]string{e.ItemID, e.ChangeID}] {
			continue
		}
		it, ok := where[e.ItemID]
		if !ok {
			continue
		}
		out = append(out, Nearby{NearEvent: e, Item: it.Node.Item, Distance: it.Distance, Path: it.Path})
	}
	slices.SortStableFunc(out, func(a, b Nearby) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), b.At.Compare(a.At), cmp.Compare(riskOrder(b.Risk), riskOrder(a.Risk)),
			cmp.Compare(a.ItemID, b.ItemID), cmp.Compare(a.ChangeID+a.entryID(), b.ChangeID+b.entryID()))
	})
	out = out[:min(len(out), first)]
	for i := range out {
		out[i].Rank = i + 1
		out[i].Reason = out[i].reason(to)
	}
	return out, nil
}

func (e NearEvent) entryID() string {
	if e.Entry == nil {
		return ""
	}
	return e.Entry.ID
}

// orDefault is p, or def when p is nil; the analyzer checks the bounds.
func orDefault(p *int, def int) *int {
	if p == nil {
		return &def
	}
	return p
}

// riskOrder orders risk levels, unassessed lowest.
func riskOrder(l change.Level) int {
	return slices.Index(change.Levels(), l)
}

// reason says why an event ranks where it does, for a person reading the
// list.
func (n Nearby) reason(to time.Time) string {
	what := "modified without an authorising change"
	switch {
	case n.Kind == ChangeImplemented:
		what = "change implemented"
		if n.Risk != "" {
			what += fmt.Sprintf(" (risk %s)", n.Risk)
		}
	case n.ChangeID != "":
		what = "modified under change " + n.ChangeID
	}
	where := "on the CI itself"
	if n.Distance > 0 {
		steps := "steps"
		if n.Distance == 1 {
			steps = "step"
		}
		where = fmt.Sprintf("on %s, %d dependency %s away", impact.NameOf(n.Item), n.Distance, steps)
	}
	return fmt.Sprintf("%s %s, %s before %s", what, where, to.Sub(n.At).Round(time.Minute), to.UTC().Format(time.RFC3339))
}
