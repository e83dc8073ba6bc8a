package tests

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// metricValue returns the value of one series in a Prometheus text page.
func metricValue(t *testing.T, page, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+]+)$`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("series %s not on the metrics page", series)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (e *env) metrics(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/metrics", nil)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

func TestMetricsCountRequestsOperationsAndRoundTrips(t *testing.T) {
	e := newEnv(t, app.Limits{})
	before := e.metrics(t)
	stmts := metricValue(t, before, "itsm_neo4j_statements_total")

	e.gql(t, e.analyst, `{ configurationItems { totalCount } }`, nil)
	e.fail(t, e.requester, `{ configurationItems { totalCount } }`, nil, "FORBIDDEN")

	after := e.metrics(t)
	if got := metricValue(t, after, `itsm_graphql_operations_total{outcome="ok",type="query"}`); got != 1 {
		t.Errorf("ok queries: %v, want 1", got)
	}
	if got := metricValue(t, after, `itsm_graphql_operations_total{outcome="error",type="query"}`); got != 1 {
		t.Errorf("failed queries: %v, want 1", got)
	}
	if got := metricValue(t, after, `itsm_http_requests_total{code="200",route="/graphql"}`); got != 2 {
		t.Errorf("graphql requests: %v, want 2", got)
	}
	// The list and its count run in one transaction: two statements.
	if got := metricValue(t, after, "itsm_neo4j_statements_total") - stmts; got != 2 {
		t.Errorf("statements for one list query: %v, want 2", got)
	}
}
