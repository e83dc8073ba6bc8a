package httpapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/itsm-graph/itsm/apperr"
)

// wsGoingAway is the close code of a server going down (RFC 6455 1001):
// clients such as graphql-ws reconnect on it, to another instance.
const wsGoingAway = 1001

// wsDrain ends WebSockets properly when the server shuts down. The HTTP
// server's own shutdown does not see hijacked connections, so without it
// clients lose theirs with no close frame (1006) and in-flight operations
// with it. Drain stops new connections and operations, lets queries and
// mutations in flight finish, then closes every connection with 1001.
type wsDrain struct {
	closing  atomic.Bool
	inFlight atomic.Int64 // queries and mutations running over WebSockets

	mu    sync.Mutex
	conns map[*http.Request]context.CancelFunc
	open  sync.WaitGroup
}

func newWSDrain() *wsDrain { return &wsDrain{conns: map[*http.Request]context.CancelFunc{}} }

// serve runs WebSocket upgrades under a context Drain can cancel.
func (d *wsDrain) serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		d.mu.Lock()
		if d.closing.Load() {
			d.mu.Unlock()
			w.Header().Set("Retry-After", "1")
			writeGraphQLError(w, http.StatusServiceUnavailable, string(apperr.Unavailable), "the server is shutting down: connect again")
			return
		}
		d.conns[r] = cancel
		d.open.Add(1)
		d.mu.Unlock()
		defer func() {
			d.mu.Lock()
			delete(d.conns, r)
			d.mu.Unlock()
			d.open.Done()
		}()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Drain ends every WebSocket, waiting at most until ctx is done.
func (d *wsDrain) Drain(ctx context.Context) {
	d.mu.Lock()
	d.closing.Store(true)
	d.mu.Unlock()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for d.inFlight.Load() > 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	d.mu.Lock()
	for _, cancel := range d.conns {
		cancel()
	}
	d.mu.Unlock()
	closed := make(chan struct{})
	go func() {
		d.open.Wait()
		close(closed)
	}()
	select {
	case <-closed:
	case <-ctx.Done():
	}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = (*wsDrain)(nil)

func (*wsDrain) ExtensionName() string { return "WebSocketDrain" }

func (*wsDrain) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation counts the queries and mutations in flight over
// WebSockets (subscriptions never end by themselves, so Drain does not
// wait for them), and refuses new operations once Drain has begun.
func (d *wsDrain) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if ctx.Value(wsConnKey{}) == nil {
		return next(ctx)
	}
	// Counted before the check, so that Drain, which sets closing before
	// it reads the count, either waits for the operation or it is refused.
	counted := false
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation != ast.Subscription {
		d.inFlight.Add(1)
		counted = true
	}
	if d.closing.Load() {
		if counted {
			d.inFlight.Add(-1)
		}
		err := gqlerror.Errorf("the server is shutting down: connect again")
		err.Extensions = map[string]any{"code": string(apperr.Unavailable)}
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
	}
	if counted {
		context.AfterFunc(ctx, func() { d.inFlight.Add(-1) })
	}
	return next(ctx)
}

// implementation closes the connections it accepts with 1001 once Drain
// has begun (gqlgen closes a cancelled connection as a normal closure).
func (d *wsDrain) implementation(inner transport.WebsocketImplementation) transport.WebsocketImplementation {
	return drainingImplementation{inner: inner, d: d}
}

type drainingImplementation struct {
	inner transport.WebsocketImplementation
	d     *wsDrain
}

func (i drainingImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := i.inner.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	return &drainingConn{WebsocketConn: c, d: i.d}, nil
}

type drainingConn struct {
	transport.WebsocketConn
	d *wsDrain
}

func (c *drainingConn) WriteClose(code int, message string) error {
	if code == transport.WebsocketCloseNormalClosure && c.d.closing.Load() {
		code, message = wsGoingAway, "server shutting down"
	}
	return c.WebsocketConn.WriteClose(code, message)
}

// SetReadLimit and SetReadDeadline pass on what gqlgen asks of the
// connection it wraps.
func (c *drainingConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *drainingConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
