// Package events fans out in-process notifications of written records to
// GraphQL subscriptions. Each API instance only sees the writes it made
// itself; a shared bus is needed before subscriptions span instances.
package events

import (
	"context"
	"slices"
	"sync"

	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/sla"
)

// subscriberBuffer bounds what a slow subscriber may fall behind by; beyond
// it events are dropped for that subscriber rather than stalling writers.
const subscriberBuffer = 64

// topic delivers records of one kind to subscribers filtered by key: a
// record is published under its id and any other keys subscribers may
// follow it by (an incident's assignment group, an SLA event's SLA).
type topic[T any] struct {
	mu     sync.Mutex
	nextID int
	subs   map[int]subscriber[T]
}

type subscriber[T any] struct {
	ids []string
	ch  chan T
}

func (t *topic[T]) publish(v T, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.subs {
		if len(s.ids) > 0 && !slices.ContainsFunc(keys, func(k string) bool { return k != "" && slices.Contains(s.ids, k) }) {
			continue
		}
		select {
		case s.ch <- v:
		default:
		}
	}
}

func (t *topic[T]) subscribe(ctx context.Context, ids []string) <-chan T {
	ch := make(chan T, subscriberBuffer)
	t.mu.Lock()
	if t.subs == nil {
		t.subs = map[int]subscriber[T]{}
	}
	id := t.nextID
	t.nextID++
	t.subs[id] = subscriber[T]{ids: slices.Clone(ids), ch: ch}
	t.mu.Unlock()
	go func() {
		<-ctx.Done()
		t.mu.Lock()
		delete(t.subs, id)
		close(ch)
		t.mu.Unlock()
	}()
	return ch
}

// Broker delivers CI, change and incident writes and SLA events to
// subscribers.
type Broker struct {
	cis       topic[cmdb.CI]
	changes   topic[change.Change]
	incidents topic[incident.Incident]
	slaEvents topic[sla.Event]
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{} }

// CIChanged implements cmdb.Notifier.
func (b *Broker) CIChanged(ci cmdb.CI) { b.cis.publish(ci, ci.ID) }

// SubscribeCIs returns a channel of changes to the CIs with these ids (all
// CIs when ids is empty), closed when ctx ends.
func (b *Broker) SubscribeCIs(ctx context.Context, ids []string) <-chan cmdb.CI {
	return b.cis.subscribe(ctx, ids)
}

// ChangeChanged implements change.Notifier.
func (b *Broker) ChangeChanged(c change.Change) { b.changes.publish(c, c.ID) }

// SubscribeChanges returns a channel of the changes with these ids (all
// when ids is empty) each time one is written, closed when ctx ends.
func (b *Broker) SubscribeChanges(ctx context.Context, ids []string) <-chan change.Change {
	return b.changes.subscribe(ctx, ids)
}

// IncidentChanged implements incident.Notifier: the incident is published
// under its id and its assignment group's id.
func (b *Broker) IncidentChanged(inc incident.Incident) {
	b.incidents.publish(inc, inc.ID, inc.AssignmentGroupID)
}

// SubscribeIncidents returns a channel of the incidents written whose id or
// assignment group id is among keys (every incident when keys is empty),
// closed when ctx ends. Callers apply the reader's scope.
func (b *Broker) SubscribeIncidents(ctx context.Context, keys []string) <-chan incident.Incident {
	return b.incidents.subscribe(ctx, keys)
}

// SLAEvents publishes the warnings and breaches an evaluation recorded,
// each under its SLA's id and its ticket's id.
func (b *Broker) SLAEvents(events []sla.Event) {
	for _, e := range events {
		b.slaEvents.publish(e, e.SLAID, e.TicketID)
	}
}

// SubscribeSLAEvents returns a channel of SLA events of the SLAs or tickets
// with these ids (all when ids is empty), closed when ctx ends.
func (b *Broker) SubscribeSLAEvents(ctx context.Context, ids []string) <-chan sla.Event {
	return b.slaEvents.subscribe(ctx, ids)
}
