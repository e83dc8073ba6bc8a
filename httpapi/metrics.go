package httpapi

import (
	"context"
	"net/http"
	"strconv"
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
			Name: "itsm_graphql_operations_total", Help: "GraphQL operations by type and outcome (ok or error).",
		}, []string{"type", "outcome"}),
		opLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "itsm_graphql_operation_duration_seconds", Help: "GraphQL operation latency by type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"type"}),
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
	typ := "unknown"
	if op := graphql.GetOperationContext(ctx).Operation; op != nil {
		typ = string(op.Operation)
	}
	outcome := "ok"
	if len(resp.Errors) > 0 {
		outcome = "error"
	}
	m.operations.WithLabelValues(typ, outcome).Inc()
	m.opLatency.WithLabelValues(typ).Observe(time.Since(start).Seconds())
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
