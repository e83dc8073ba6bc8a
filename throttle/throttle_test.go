package throttle

import (
	"context"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLimiter(t *testing.T) {
	c := &clock{t: time.Unix(1_000_000, 0)}
	l := NewLimiter(3, time.Minute, c.now)
	for i := range 3 {
		if ok, _ := l.Take("a"); !ok {
			t.Fatalf("take %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Take("a")
	if ok || wait != time.Minute {
		t.Fatalf("fourth take = %v, %s; want refused for 1m", ok, wait)
	}
	if ok, _ := l.Take("b"); !ok {
		t.Fatal("another key is refused")
	}
	c.t = c.t.Add(40 * time.Second)
	if ok, wait := l.Take("a"); ok || wait != 20*time.Second {
		t.Fatalf("after 40s = %v, %s; want refused for 20s", ok, wait)
	}
	c.t = c.t.Add(20 * time.Second)
	if ok, _ := l.Take("a"); !ok {
		t.Fatal("a token is not back after the interval")
	}
	if ok, _ := l.Take("a"); ok {
		t.Fatal("two tokens came back after one interval")
	}
	l.Give("a")
	if ok, _ := l.Take("a"); !ok {
		t.Fatal("a given-back token cannot be taken")
	}

	// Full buckets are forgotten at the next sweep.
	c.t = c.t.Add(3 * time.Minute)
	l.Take("c")
	if n := l.Len(); n != 1 {
		t.Errorf("%d keys remembered after every other bucket filled up, want 1", n)
	}
}

func TestGate(t *testing.T) {
	g := NewGate(1, 1)
	ctx := context.Background()
	release, ok := g.Enter(ctx)
	if !ok {
		t.Fatal("the first caller is turned away")
	}
	entered := make(chan func())
	go func() {
		r, ok := g.Enter(ctx)
		if !ok {
			r = nil
		}
		entered <- r
	}()
	// Wait until the second caller is queued.
	for {
		g.mu.Lock()
		w := g.waiting
		g.mu.Unlock()
		if w == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, ok := g.Enter(ctx); ok {
		t.Fatal("a caller beyond the queue got in")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	release()
	second := <-entered
	if second == nil {
		t.Fatal("the queued caller did not get in")
	}
	if _, ok := g.Enter(cancelled); ok {
		t.Fatal("a caller whose context ended got in while the slot was taken")
	}
	second()
	if r, ok := g.Enter(ctx); !ok {
		t.Fatal("the slot was not freed")
	} else {
		r()
	}
}
