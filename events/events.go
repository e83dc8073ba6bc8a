// Package events fans the durable event log out to GraphQL subscriptions.
// Every write that other parties hear about appends an event to the log in
// the same transaction (the store does that); each API instance tails the
// log with one query per interval and delivers what it reads to its own
// subscribers, so a subscriber hears about writes made through any
// instance, and one that reconnects resumes from the last position it got.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

// Kind is the kind of record an event is about.
type Kind string

// The kinds of records the log carries.
const (
	KindCI       Kind = "CONFIGURATION_ITEM"
	KindChange   Kind = "CHANGE"
	KindIncident Kind = "INCIDENT"
	KindProblem  Kind = "PROBLEM"
	KindArticle  Kind = "KNOWLEDGE_ARTICLE"
	KindRequest  Kind = "SERVICE_REQUEST"
	KindApproval Kind = "REQUEST_APPROVAL"
	KindSLAEvent Kind = "SLA_EVENT"
)

// Kinds lists every kind, in the order the API documents them.
func Kinds() []Kind {
	return []Kind{KindCI, KindChange, KindIncident, KindProblem, KindArticle, KindRequest, KindApproval, KindSLAEvent}
}

// Event is one entry of the log: a record of one kind as one write left
// it. Position orders the log: positions are given at commit, one after
// the other, so a reader that has seen position p has seen every event
// before it.
type Event struct {
	Position int64
	Kind     Kind
	RecordID string
	// Keys are what subscribers follow the record by (its id, an
	// incident's assignment group, …).
	Keys []string
	At   time.Time
	// Payload is the record as written, in JSON.
	Payload []byte
}

// Of is the event of a write of v (its position and time are given when
// it is appended).
func Of[T any](kind Kind, id string, keys []string, v T) (Event, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Event{}, fmt.Errorf("event of %s %s: %w", kind, id, err)
	}
	return Event{Kind: kind, RecordID: id, Keys: slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "" }), Payload: b}, nil
}

// Decode reads the record of e.
func Decode[T any](e Event) (T, error) {
	var v T
	err := json.Unmarshal(e.Payload, &v)
	return v, err
}

// Log is the durable event log.
type Log interface {
	// After returns up to limit events after position that f lets
	// through, in order.
	After(ctx context.Context, position int64, limit int, f Filter) ([]Event, error)
	// Bounds returns the first position still kept (head+1 when none is)
	// and the last position given (0 before the first event).
	Bounds(ctx context.Context) (first, head int64, err error)
}

// Filter narrows a read of the log: to events of the kinds given, and of
// the records given (every one when empty).
type Filter struct {
	Kinds     []Kind
	RecordIDs []string
}

// FormatPosition and ParsePosition turn positions into the opaque strings
// clients hold, and back.
func FormatPosition(p int64) string { return strconv.FormatInt(p, 10) }

// ParsePosition reads a position a client sends; BAD_USER_INPUT names field.
func ParsePosition(field, s string) (int64, error) {
	p, err := strconv.ParseInt(s, 10, 64)
	if err != nil || p < 0 {
		return 0, apperr.Invalid(field, "%q is not an event position (a position is what an event's position field or a subscription message's extensions.position gave)", s)
	}
	return p, nil
}

// CheckResume refuses a position a reader cannot resume after: one not
// given yet, or one whose successors were pruned.
func CheckResume(ctx context.Context, log Log, field string, after int64) error {
	first, head, err := log.Bounds(ctx)
	if err != nil {
		return err
	}
	if after > head {
		return apperr.Invalid(field, "position %d has not been given yet (the latest is %d)", after, head)
	}
	if after < first-1 {
		return apperr.Invalid(field, "the events after position %d were pruned (they are kept for the retention period); the earliest position to resume from is %d", after, first-1)
	}
	return nil
}

// Delivery is an event delivered to one subscriber: a record and its
// position, or, as the last delivery, Lost when the subscriber fell so far
// behind that its buffer overflowed (it resumes after Position).
type Delivery[T any] struct {
	Position int64
	Value    T
	Lost     bool
}

// DefaultBuffer bounds how far a subscriber may fall behind live events.
const DefaultBuffer = 256

// pageSize bounds the events one read of the log returns.
const pageSize = 500

// Hub tails the log and hands each event to the topic of its kind.
type Hub struct {
	log      Log
	interval time.Duration
	buffer   int
	topics   map[Kind]func(Event)
	wake     chan struct{}

	mu   sync.Mutex
	last int64 // the position delivered last
}

// NewHub returns a hub reading log every interval, giving each subscriber
// a buffer of buffer events (DefaultBuffer when 0).
func NewHub(log Log, interval time.Duration, buffer int) *Hub {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Hub{log: log, interval: interval, buffer: buffer, topics: map[Kind]func(Event){}, wake: make(chan struct{}, 1)}
}

// Wake asks the hub to read the log now rather than at its next tick: the
// store calls it after a write of this instance appended events.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Start positions the hub at the head of the log: subscribers hear of
// events appended from then on (and of earlier ones by resuming).
func (h *Hub) Start(ctx context.Context) error {
	_, head, err := h.log.Bounds(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.last = head
	h.mu.Unlock()
	return nil
}

// Run tails the log until ctx ends; a failed read is reported to onErr
// and retried at the next tick.
func (h *Hub) Run(ctx context.Context, onErr func(error)) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		// Start read the head: there is nothing to read before a tick or
		// a write of this instance.
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-h.wake:
		}
		for {
			n, err := h.poll(ctx)
			if err != nil {
				if ctx.Err() == nil {
					onErr(err)
				}
				break
			}
			if n < pageSize {
				break
			}
		}
	}
}

// poll delivers the events after the last one delivered.
func (h *Hub) poll(ctx context.Context) (int, error) {
	h.mu.Lock()
	last := h.last
	h.mu.Unlock()
	evs, err := h.log.After(ctx, last, pageSize, Filter{})
	if err != nil {
		return 0, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		if e.Position <= h.last {
			continue
		}
		if deliver := h.topics[e.Kind]; deliver != nil {
			deliver(e)
		}
		h.last = e.Position
	}
	return len(evs), nil
}

// Topic delivers the records of one kind to subscribers filtered by key.
type Topic[T any] struct {
	hub  *Hub
	kind Kind

	mu     sync.Mutex
	nextID int
	subs   map[int]*subscriber[T]
}

type subscriber[T any] struct {
	keys []string
	ch   chan Delivery[T]
}

// NewTopic registers the topic of kind with h.
func NewTopic[T any](h *Hub, kind Kind) *Topic[T] {
	t := &Topic[T]{hub: h, kind: kind, subs: map[int]*subscriber[T]{}}
	h.topics[kind] = t.deliver
	return t
}

// follows reports whether a subscriber following keys (everything when
// empty) hears of e.
func follows(keys []string, e Event) bool {
	return len(keys) == 0 || slices.ContainsFunc(e.Keys, func(k string) bool { return slices.Contains(keys, k) })
}

// deliver hands e to the topic's subscribers (under the hub's lock, so in
// position order). One whose buffer is full is told it lost events and is
// dropped, rather than stalling the others or losing events silently.
func (t *Topic[T]) deliver(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var d *Delivery[T]
	for id, s := range t.subs {
		if !follows(s.keys, e) {
			continue
		}
		if d == nil {
			v, err := Decode[T](e)
			if err != nil {
				// Written by a newer version of the record's type: those
				// who follow it resume past it.
				return
			}
			d = &Delivery[T]{Position: e.Position, Value: v}
		}
		select {
		case s.ch <- *d:
		default:
			close(s.ch)
			delete(t.subs, id)
		}
	}
}

// Subscribe returns the deliveries of the records followed by one of keys
// (every record when keys is empty) until ctx ends: with after, first
// every such event after that position still in the log, then the live
// ones, each once and in order; without it, the events committed after
// the subscription started. BAD_USER_INPUT when after cannot be
// resumed from (see CheckResume). The last delivery is marked Lost when
// the subscriber fell too far behind.
func (t *Topic[T]) Subscribe(ctx context.Context, keys []string, after *int64) (<-chan Delivery[T], error) {
	if after != nil {
		if err := CheckResume(ctx, t.hub.log, "after", *after); err != nil {
			return nil, err
		}
	}
	live := &subscriber[T]{keys: slices.Clone(keys), ch: make(chan Delivery[T], t.hub.buffer)}
	// Registering under the hub's lock pins the position live deliveries
	// start after; the log fills the gap up to it.
	t.hub.mu.Lock()
	from := t.hub.last
	t.mu.Lock()
	id := t.nextID
	t.nextID++
	t.subs[id] = live
	t.mu.Unlock()
	t.hub.mu.Unlock()
	// The hub may not have read the last writes committed before now yet:
	// they are not for this subscriber.
	skip := from
	if after == nil {
		_, head, err := t.hub.log.Bounds(ctx)
		if err != nil {
			t.drop(id)
			return nil, err
		}
		skip = max(from, head)
	}

	out := make(chan Delivery[T])
	go func() {
		defer close(out)
		defer t.drop(id)
		last := skip
		send := func(d Delivery[T]) bool {
			select {
			case out <- d:
				return true
			case <-ctx.Done():
				return false
			}
		}
		if after != nil {
			var ok bool
			if last, ok = t.replay(ctx, live.keys, *after, from, send); !ok {
				send(Delivery[T]{Position: last, Lost: true})
				return
			}
			// A position from an instance further ahead: its events come
			// live here too, and must not come twice.
			last = max(last, *after)
		}
		for {
			select {
			case d, open := <-live.ch:
				if !open {
					send(Delivery[T]{Position: last, Lost: true})
					return
				}
				if d.Position <= last {
					continue
				}
				if !send(d) {
					return
				}
				last = d.Position
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// replay sends the events of the topic's kind followed by the subscriber
// from after up to position upTo, and returns the last position it sent
// (upTo when it got there).
func (t *Topic[T]) replay(ctx context.Context, keys []string, after, upTo int64, send func(Delivery[T]) bool) (int64, bool) {
	pos := after
	for pos < upTo {
		evs, err := t.hub.log.After(ctx, pos, pageSize, Filter{Kinds: []Kind{t.kind}})
		if err != nil {
			return pos, false
		}
		if len(evs) == 0 {
			return upTo, true
		}
		for _, e := range evs {
			if e.Position > upTo {
				return upTo, true
			}
			if follows(keys, e) {
				v, err := Decode[T](e)
				if err == nil && !send(Delivery[T]{Position: e.Position, Value: v}) {
					return pos, false
				}
			}
			pos = e.Position
		}
	}
	return upTo, true
}

func (t *Topic[T]) drop(id int) {
	t.mu.Lock()
	delete(t.subs, id)
	t.mu.Unlock()
}
