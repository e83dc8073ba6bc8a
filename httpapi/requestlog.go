package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/itsm-graph/itsm/auth"
)

// requestIDHeader carries the id of a request: the caller's, when it sent
// a usable one, so that its logs and ours join up; ours otherwise. Every
// answer carries it back.
const requestIDHeader = "X-Request-Id"

// usableRequestID keeps ids that are safe to log and echo: short, and of
// characters that need no escaping.
var usableRequestID = regexp.MustCompile(`^[A-Za-z0-9._:/+=-]{1,128}$`)

// requestInfo gathers, while a request is served, what its log line says
// about the GraphQL work in it.
type requestInfo struct {
	id string

	mu        sync.Mutex
	traceID   string
	operation string
	opType    string
	subject   string
	codes     []string
}

type requestInfoKey struct{}

func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// requestID is the id of the request ctx belongs to, "" outside one.
func requestID(ctx context.Context) string {
	if info := infoOf(ctx); info != nil {
		return info.id
	}
	return ""
}

// addCodes records the error codes of an answer.
func (i *requestInfo) addCodes(codes []string) {
	if i == nil || len(codes) == 0 {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.codes = append(i.codes, codes...)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// quietRoutes are the probes that load balancers call every few seconds:
// their lines are logged at DEBUG so they do not drown the others.
var quietRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true}

// accessLog logs one line per request at INFO — its id, route, status,
// duration and, for GraphQL, the operation, its type, the subject and the
// error codes — and counts it, labelled by the mux pattern it matched
// (unmatched paths share one label). A WebSocket is one request: its line
// is written when the connection ends.
func accessLog(log *slog.Logger, m *metrics, mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: r.Header.Get(requestIDHeader)}
		if !usableRequestID.MatchString(info.id) {
			info.id = newRequestID()
		}
		w.Header().Set(requestIDHeader, info.id)
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			info.traceID = sc.TraceID().String()
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(ctx, requestInfoKey{}, info)))
		took := time.Since(start)
		route := "unmatched"
		if _, pattern := mux.Handler(r); pattern != "" {
			route = pattern
		}
		m.observe(route, rec.status, took)
		level := slog.LevelInfo
		if quietRoutes[route] {
			level = slog.LevelDebug
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("request_id", info.id), slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", rec.status), slog.Float64("duration_ms", float64(took.Microseconds())/1000),
		}
		info.mu.Lock()
		if info.traceID != "" {
			attrs = append(attrs, slog.String("trace_id", info.traceID))
		}
		if info.opType != "" {
			attrs = append(attrs, slog.String("operation", info.operation), slog.String("operation_type", info.opType))
		}
		if info.subject != "" {
			attrs = append(attrs, slog.String("subject", info.subject))
		}
		if len(info.codes) > 0 {
			attrs = append(attrs, slog.Any("error_codes", info.codes))
		}
		info.mu.Unlock()
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// describeOperation tells the request's log line which operation it ran
// and for whom (over a WebSocket, the last one started).
func describeOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if info := infoOf(ctx); info != nil {
		op := graphql.GetOperationContext(ctx)
		info.mu.Lock()
		info.operation = operationName(op)
		if op.Operation != nil {
			info.opType = string(op.Operation.Operation)
		}
		if p := auth.FromContext(ctx); p != nil {
			info.subject = p.Subject
		}
		info.mu.Unlock()
	}
	return next(ctx)
}
