package people

import (
	"context"
	"net/netip"
	"runtime"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/throttle"
)

// LoginLimits bound password guessing and the bcrypt work logins cause.
// Failed logins are counted per username and per client address as token
// buckets: Burst failures at once, then one more per Interval. Every
// attempt takes its token before the password is checked (so parallel
// guesses count too) and a successful login gives it back. A zero
// LoginLimits is DefaultLoginLimits; in a partly set one, zero fields take
// their defaults except Queue, where zero means that no login waits.
type LoginLimits struct {
	AccountBurst    int
	AccountInterval time.Duration
	ClientBurst     int
	ClientInterval  time.Duration
	// Concurrent is how many password checks run at once, so that a burst
	// of logins cannot take every CPU from other requests; Queue is how
	// many more logins may wait for one, beyond which they are refused.
	Concurrent int
	Queue      int
}

// DefaultLoginLimits are the limits of LOGIN_* settings left at default.
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{
		AccountBurst: 5, AccountInterval: 5 * time.Minute,
		ClientBurst: 30, ClientInterval: 10 * time.Second,
		Concurrent: max(1, runtime.GOMAXPROCS(0)/2), Queue: 32,
	}
}

func (l LoginLimits) withDefaults() LoginLimits {
	d := DefaultLoginLimits()
	if l == (LoginLimits{}) {
		return d
	}
	if l.AccountBurst <= 0 {
		l.AccountBurst = d.AccountBurst
	}
	if l.AccountInterval <= 0 {
		l.AccountInterval = d.AccountInterval
	}
	if l.ClientBurst <= 0 {
		l.ClientBurst = d.ClientBurst
	}
	if l.ClientInterval <= 0 {
		l.ClientInterval = d.ClientInterval
	}
	if l.Concurrent <= 0 {
		l.Concurrent = d.Concurrent
	}
	if l.Queue < 0 {
		l.Queue = 0
	}
	return l
}

// loginGuard applies LoginLimits. Its state is in process memory: each
// server instance counts on its own.
type loginGuard struct {
	accounts *throttle.Limiter
	clients  *throttle.Limiter
	checks   *throttle.Gate
}

func newLoginGuard(l LoginLimits, now func() time.Time) *loginGuard {
	l = l.withDefaults()
	return &loginGuard{
		accounts: throttle.NewLimiter(l.AccountBurst, l.AccountInterval, now),
		clients:  throttle.NewLimiter(l.ClientBurst, l.ClientInterval, now),
		checks:   throttle.NewGate(l.Concurrent, l.Queue),
	}
}

// WithLoginLimits replaces the default login limits and returns d.
func (d *Directory) WithLoginLimits(l LoginLimits) *Directory {
	d.guard = newLoginGuard(l, d.now)
	return d
}

// clientKey groups client addresses: an IPv6 client usually holds a whole
// /64, so it is counted as one. Callers without an address (not over
// HTTP) share one key.
func clientKey(addr netip.Addr) string {
	if !addr.IsValid() {
		return "unknown"
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// admit decides whether a login attempt may check a password, before any
// bcrypt work. It returns the function that settles the attempt (only a
// failed one keeps its tokens spent) or UNAVAILABLE with a retry delay.
func (g *loginGuard) admit(ctx context.Context, username string, client netip.Addr) (settle func(failed bool), err error) {
	ck := clientKey(client)
	if ok, wait := g.clients.Take(ck); !ok {
		return nil, apperr.Throttled(wait, "too many failed logins from your network address")
	}
	if ok, wait := g.accounts.Take(username); !ok {
		return nil, apperr.Throttled(wait, "too many failed logins for this username")
	}
	release, ok := g.checks.Enter(ctx)
	if !ok {
		g.clients.Give(ck)
		g.accounts.Give(username)
		return nil, apperr.Throttled(time.Second, "the server is busy checking other logins")
	}
	return func(failed bool) {
		release()
		if !failed {
			g.clients.Give(ck)
			g.accounts.Give(username)
		}
	}, nil
}
