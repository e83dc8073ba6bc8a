// Package events fans out in-process notifications of written records to
// GraphQL subscriptions. Each API instance only sees the writes it made
// itself; a shared bus is needed before subscriptions span instances.
package events

import (
	"context"
	"slices"
	"sync"

	"github.com/itsm-graph/itsm/cmdb"
)

// subscriberBuffer bounds what a slow subscriber may fall behind by; beyond
// it events are dropped for that subscriber rather than stalling writers.
const subscriberBuffer = 64

// Broker delivers CI changes to subscribers.
type Broker struct {
	mu     sync.Mutex
	nextID int
	subs   map[int]subscriber
}

type subscriber struct {
	ids []string
	ch  chan cmdb.CI
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[int]subscriber{}} }

// CIChanged implements cmdb.Notifier.
func (b *Broker) CIChanged(ci cmdb.CI) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.subs {
		if len(s.ids) > 0 && !slices.Contains(s.ids, ci.ID) {
			continue
		}
		select {
		case s.ch <- ci:
		default:
		}
	}
}

// SubscribeCIs returns a channel of changes to the CIs with these ids (all
// CIs when ids is empty), closed when ctx ends.
func (b *Broker) SubscribeCIs(ctx context.Context, ids []string) <-chan cmdb.CI {
	ch := make(chan cmdb.CI, subscriberBuffer)
	b.mu.Lock()
	id := b.nextID
	b.nextID++
	b.subs[id] = subscriber{ids: slices.Clone(ids), ch: ch}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, id)
		close(ch)
		b.mu.Unlock()
	}()
	return ch
}
