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
)

// subscriberBuffer bounds what a slow subscriber may fall behind by; beyond
// it events are dropped for that subscriber rather than stalling writers.
const subscriberBuffer = 64

// topic delivers records of one kind to subscribers filtered by record id.
type topic[T any] struct {
	mu     sync.Mutex
	nextID int
	subs   map[int]subscriber[T]
}

type subscriber[T any] struct {
	ids []string
	ch  chan T
}

func (t *topic[T]) publish(id string, v T) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.subs {
		if len(s.ids) > 0 && !slices.Contains(s.ids, id) {
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

// Broker delivers CI and change writes to subscribers.
type Broker struct {
	cis     topic[cmdb.CI]
	changes topic[change.Change]
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{} }

// CIChanged implements cmdb.Notifier.
func (b *Broker) CIChanged(ci cmdb.CI) { b.cis.publish(ci.ID, ci) }

// SubscribeCIs returns a channel of changes to the CIs with these ids (all
// CIs when ids is empty), closed when ctx ends.
func (b *Broker) SubscribeCIs(ctx context.Context, ids []string) <-chan cmdb.CI {
	return b.cis.subscribe(ctx, ids)
}

// ChangeChanged implements change.Notifier.
func (b *Broker) ChangeChanged(c change.Change) { b.changes.publish(c.ID, c) }

// SubscribeChanges returns a channel of the changes with these ids (all
// when ids is empty) each time one is written, closed when ctx ends.
func (b *Broker) SubscribeChanges(ctx context.Context, ids []string) <-chan change.Change {
	return b.changes.subscribe(ctx, ids)
}
