// Package events fans out in-process notifications of written records to
// GraphQL subscriptions: one Topic per kind of record, each process saying
// which keys its records are followed by. Each API instance only sees the
// writes it made itself; a shared bus is needed before subscriptions span
// instances.
package events

import (
	"context"
	"slices"
	"sync"
)

// subscriberBuffer bounds what a slow subscriber may fall behind by; beyond
// it events are dropped for that subscriber rather than stalling writers.
const subscriberBuffer = 64

// Topic delivers records of one kind to subscribers filtered by key: a
// record is published under the keys its process follows it by (its id, an
// incident's assignment group, an SLA event's SLA and ticket).
type Topic[T any] struct {
	keys func(T) []string

	mu     sync.Mutex
	nextID int
	subs   map[int]subscriber[T]
}

type subscriber[T any] struct {
	ids []string
	ch  chan T
}

// NewTopic returns a topic whose records are followed by the keys keys
// gives.
func NewTopic[T any](keys func(T) []string) *Topic[T] {
	return &Topic[T]{keys: keys, subs: map[int]subscriber[T]{}}
}

// Publish delivers v to every subscriber following one of its keys, and to
// those following everything.
func (t *Topic[T]) Publish(v T) {
	keys := t.keys(v)
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

// PublishAll publishes each of vs in order.
func (t *Topic[T]) PublishAll(vs []T) {
	for _, v := range vs {
		t.Publish(v)
	}
}

// Subscribe returns a channel of the records published under one of ids
// (every record when ids is empty), closed when ctx ends.
func (t *Topic[T]) Subscribe(ctx context.Context, ids []string) <-chan T {
	ch := make(chan T, subscriberBuffer)
	t.mu.Lock()
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
