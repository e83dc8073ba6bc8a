// Package throttle bounds how often and how many at once: token buckets per
// key and a gate with a bounded queue. State lives in process memory, so
// each server instance keeps its own.
package throttle

import (
	"context"
	"sync"
	"time"
)

// Limiter keeps a token bucket per key: a key may spend burst tokens at
// once, and gets one back every interval. Keys whose bucket has filled
// up again are forgotten, so memory follows the keys active within the
// last burst×interval, not every key ever seen.
type Limiter struct {
	burst    int
	interval time.Duration
	now      func() time.Time

	mu        sync.Mutex
	buckets   map[string]bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a Limiter; burst and interval must be positive.
func NewLimiter(burst int, interval time.Duration, now func() time.Time) *Limiter {
	return &Limiter{burst: burst, interval: interval, now: now, buckets: map[string]bucket{}, lastSweep: now()}
}

// refilled is b's content at now. A clock that went back refills nothing.
func (l *Limiter) refilled(b bucket, now time.Time) float64 {
	elapsed := max(0, now.Sub(b.at))
	return min(float64(l.burst), b.tokens+float64(elapsed)/float64(l.interval))
}

// Take spends one token of key. When none is left it spends nothing and
// returns false with how long until one is back.
func (l *Limiter) Take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, ok := l.buckets[key]
	tokens := float64(l.burst)
	if ok {
		tokens = l.refilled(b, now)
	}
	if tokens < 1 {
		return false, time.Duration((1 - tokens) * float64(l.interval))
	}
	l.buckets[key] = bucket{tokens: tokens - 1, at: now}
	return true, 0
}

// Give returns a token taken from key, for an attempt that turned out not
// to count.
func (l *Limiter) Give(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return
	}
	now := l.now()
	if tokens := l.refilled(b, now) + 1; tokens < float64(l.burst) {
		l.buckets[key] = bucket{tokens: tokens, at: now}
	} else {
		delete(l.buckets, key)
	}
}

// sweep forgets full buckets once per refill period, which keeps the cost
// of a Take constant on average.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Duration(l.burst)*l.interval {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if l.refilled(b, now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
}

// Len reports how many keys are remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Gate lets at most n callers in at once and at most queue more wait for
// their turn; callers beyond that are turned away at once rather than
// piling up.
type Gate struct {
	slots   chan struct{}
	mu      sync.Mutex
	waiting int
	queue   int
}

// NewGate returns a Gate of n slots (n > 0) and a queue of queue callers.
func NewGate(n, queue int) *Gate {
	return &Gate{slots: make(chan struct{}, n), queue: queue}
}

// Enter waits for a slot and returns the function that frees it. It
// returns false without waiting when the queue is full, and false when
// ctx ends first.
func (g *Gate) Enter(ctx context.Context) (func(), bool) {
	release := func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, true
	default:
	}
	g.mu.Lock()
	if g.waiting >= g.queue {
		g.mu.Unlock()
		return nil, false
	}
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	select {
	case g.slots <- struct{}{}:
		return release, true
	case <-ctx.Done():
		return nil, false
	}
}
