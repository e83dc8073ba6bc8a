package tests

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/telemetry"
)

// collector is an in-process OTLP/HTTP trace receiver.
type collector struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if v := kv.Value.GetStringValue(); v != "" {
				return v
			}
			return strings.TrimSpace(kv.Value.String())
		}
	}
	return ""
}

// TestTracing: with an OTLP endpoint set, a request carrying a W3C
// traceparent is traced in the caller's trace: a span for the operation
// (child of the caller's span), one per root field, and one per Neo4j
// statement with its rows, exported to the collector; the request log
// names the trace.
func TestTracing(t *testing.T) {
	col := &collector{}
	srv := httptest.NewServer(col)
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	ctx := context.Background()
	shutdown, err := telemetry.Setup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })

	e := newEnv(t, app.Limits{})
	e.createCI(t, map[string]any{"name": "traced-a", "type": "SERVER"})
	e.createCI(t, map[string]any{"name": "traced-b", "type": "SERVER"})

	const traceID, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	r := e.postWith(t, e.analyst, map[string]any{"query": `query Traced { me { subject } configurationItems(first: 5) { totalCount edges { node { name } } } }`},
		map[string]string{"traceparent": "00-" + traceID + "-" + parent + "-01"})
	if len(r.Errors) > 0 {
		t.Fatalf("query: %s", truncate(r.Body))
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := shutdown(sctx); err != nil {
		t.Fatalf("flushing spans: %v", err)
	}

	col.mu.Lock()
	defer col.mu.Unlock()
	byID := map[string]*tracepb.Span{}
	var op *tracepb.Span
	var fields, statements []*tracepb.Span
	for _, s := range col.spans {
		if hex.EncodeToString(s.TraceId) != traceID {
			continue
		}
		byID[hex.EncodeToString(s.SpanId)] = s
		switch {
		case s.Name == "query Traced":
			op = s
		case strings.HasPrefix(s.Name, "field "):
			fields = append(fields, s)
		case strings.HasPrefix(s.Name, "neo4j "):
			statements = append(statements, s)
		}
	}
	if op == nil {
		t.Fatalf("no operation span in the caller's trace among %d spans", len(col.spans))
	}
	if hex.EncodeToString(op.ParentSpanId) != parent {
		t.Errorf("operation span's parent %x, want the caller's span %s", op.ParentSpanId, parent)
	}
	if attr(op, "graphql.operation.name") != "Traced" || attr(op, "graphql.operation.type") != "query" {
		t.Errorf("operation span attributes: %v", op.Attributes)
	}
	if len(fields) != 2 {
		t.Errorf("%d root field spans, want 2 (me, configurationItems)", len(fields))
	}
	for _, f := range fields {
		if hex.EncodeToString(f.ParentSpanId) != hex.EncodeToString(op.SpanId) {
			t.Errorf("field span %s is not a child of the operation span", f.Name)
		}
	}
	if len(statements) == 0 {
		t.Fatal("no Neo4j statement spans")
	}
	rowsSeen := false
	for _, s := range statements {
		if attr(s, "db.system.name") != "neo4j" || attr(s, "db.query.text") == "" {
			t.Errorf("statement span %s attributes: %v", s.Name, s.Attributes)
		}
		if strings.Contains(attr(s, "db.response.returned_rows"), "2") {
			rowsSeen = true
		}
		if s.EndTimeUnixNano <= s.StartTimeUnixNano {
			t.Errorf("statement span %s has no duration", s.Name)
		}
		// Each statement runs under a root field's span.
		p := byID[hex.EncodeToString(s.ParentSpanId)]
		for p != nil && !strings.HasPrefix(p.Name, "field ") {
			p = byID[hex.EncodeToString(p.ParentSpanId)]
		}
		if p == nil {
			t.Errorf("statement span %s is not under a root field span", s.Name)
		}
	}
	if !rowsSeen {
		t.Errorf("no statement span reports the 2 rows of the CI page")
	}
	if !strings.Contains(e.logs.String(), "trace_id="+traceID) {
		t.Errorf("the request log does not name trace %s", traceID)
	}
}
