package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

// metrics are the Prometheus series of one handler, on a registry of its
// own so that several handlers (tests) never collide.
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	operations *prometheus.CounterVec
	opLatency  *prometheus.HistogramVec

	// names are the operation names with series of their own.
	mu    sync.Mutex
	names map[string]bool
}

// maxOperationNames bounds the operation names /metrics labels series
// with: clients choose the names, so past this many the rest share the
// label "other" rather than growing the page without end.
const maxOperationNames = 200

// operationLabel is the label of an operation name in /metrics.
func (m *metrics) operationLabel(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.names[name] {
		if len(m.names) >= maxOperationNames {
			return "other"
		}
		m.names[name] = true
	}
	return name
}

// plainOperationName is a name worth a log field or a label: what the
// GraphQL grammar allows, and not too long.
var plainOperationName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,63}$`)

// operationName is the name an operation is logged and counted under: its
// own, "anonymous" when it has none, "other" when it is unusually long.
func operationName(op *graphql.OperationContext) string {
	switch {
	case op == nil || op.Operation == nil || op.Operation.Name == "":
		return "anonymous"
	case !plainOperationName.MatchString(op.Operation.Name):
		return "other"
	}
	return op.Operation.Name
}

// StoreStats reports the work sent to the database, for /metrics.
type StoreStats func() (transactions, statements int64)

func newMetrics(stats StoreStats) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "itsm_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "itsm_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "itsm_graphql_operations_total", Help: "GraphQL operations (subscription events each count) by operation name, type and outcome (ok or error).",
		}, []string{"operation", "type", "outcome"}),
		opLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "itsm_graphql_operation_duration_seconds", Help: "GraphQL operation latency by operation name and type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation", "type"}),
		names: map[string]bool{},
	}
	m.registry.MustRegister(m.requests, m.latency, m.operations, m.opLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if stats != nil {
		m.registry.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "itsm_neo4j_transactions_total", Help: "Managed transactions run (each attempt)."},
				func() float64 { t, _ := stats(); return float64(t) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "itsm_neo4j_statements_total", Help: "Cypher statements run (database round trips)."},
				func() float64 { _, s := stats(); return float64(s) }),
		)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// observe records one HTTP request; route is the pattern, never the raw
// path, so that the label set stays bounded.
func (m *metrics) observe(route string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
}

// aroundResponses records each GraphQL response (each event for a
// subscription).
func (m *metrics) aroundResponses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	opCtx := graphql.GetOperationContext(ctx)
	typ := "unknown"
	if opCtx.Operation != nil {
		typ = string(opCtx.Operation.Operation)
	}
	outcome := "ok"
	if len(resp.Errors) > 0 {
		outcome = "error"
	}
	name := m.operationLabel(operationName(opCtx))
	m.operations.WithLabelValues(name, typ, outcome).Inc()
	m.opLatency.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
	return resp
}

// requireAdmin serves next only to callers holding ADMIN (the request has
// passed authenticate): the metrics page shows operation counts, latencies
// and process details that are nobody else's business.
func requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.Require(r.Context(), auth.Admin); err != nil {
			status := http.StatusForbidden
			if apperr.Is(err, apperr.Unauthenticated) {
				status = http.StatusUnauthorized
			}
			writeGraphQLError(w, status, string(apperr.CodeOf(err)), publicMessage(err))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricsOnly serves the metrics page and nothing else, for a listen
// address of its own.
func (m *metrics) metricsOnly() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", noStore(m.handler()))
	return mux
}
