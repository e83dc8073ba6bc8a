package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
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
	req.Header.Set("Authorization", "Bearer "+e.admin)
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

	e.gql(t, e.analyst, `query CountCIs { configurationItems { totalCount } }`, nil)
	e.fail(t, e.requester, `query CountCIs { configurationItems { totalCount } }`, nil, "FORBIDDEN")

	after := e.metrics(t)
	if got := metricValue(t, after, `itsm_graphql_operations_total{operation="CountCIs",outcome="ok",type="query"}`); got != 1 {
		t.Errorf("ok queries: %v, want 1", got)
	}
	if got := metricValue(t, after, `itsm_graphql_operations_total{operation="CountCIs",outcome="error",type="query"}`); got != 1 {
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

// TestMetricsAccess: on the API's address /metrics answers only ADMIN
// tokens, with the usual codes for everyone else; with a separate metrics
// address it is served there alone, without a token, and the API's address
// no longer has it.
func TestMetricsAccess(t *testing.T) {
	e := newEnv(t, app.Limits{})
	for _, tc := range []struct {
		name, authorization string
		status              int
		code                string
	}{
		{"no token", "", http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"invalid token", "Bearer garbage", http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"expired ADMIN token", "Bearer " + e.mintExpired(t), http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"ANALYST token", "Bearer " + e.analyst, http.StatusForbidden, "FORBIDDEN"},
		{"CONFIG_MANAGER token", "Bearer " + e.cm, http.StatusForbidden, "FORBIDDEN"},
		{"ADMIN token", "Bearer " + e.admin, http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.get(t, e.url, "/metrics", tc.authorization)
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d, want %d (body %.300s)", resp.StatusCode, tc.status, body)
			}
			if tc.code == "" {
				if !strings.Contains(string(body), "itsm_http_requests_total") {
					t.Errorf("body is not the metrics page: %.300s", body)
				}
				return
			}
			var r gqlResponse
			if err := json.Unmarshal(body, &r); err != nil || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != tc.code {
				t.Errorf("body %s, want one %s error", body, tc.code)
			}
			if strings.Contains(string(body), "itsm_") {
				t.Errorf("a refusal shows metrics: %.300s", body)
			}
		})
	}

	t.Run("separate address", func(t *testing.T) {
		sep := e.sibling(t, app.Limits{SplitMetrics: true})
		if resp, body := sep.get(t, sep.url, "/metrics", "Bearer "+e.admin); resp.StatusCode != http.StatusNotFound {
			t.Errorf("/metrics on the API address = %d, want 404 (body %.300s)", resp.StatusCode, body)
		}
		if sep.api.Metrics == nil {
			t.Fatal("no metrics handler to serve on the metrics address")
		}
		srv := httptest.NewServer(sep.api.Metrics)
		defer srv.Close()
		resp, body := sep.get(t, srv.URL, "/metrics", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "itsm_http_requests_total") {
			t.Errorf("/metrics on the metrics address = %d, body %.300s", resp.StatusCode, body)
		}
		if resp, _ := sep.get(t, srv.URL, "/graphql?query=%7B__typename%7D", ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("/graphql on the metrics address = %d, want 404", resp.StatusCode)
		}
	})
}

// TestMetricsOperationNames: operations are counted under their names, an
// unnamed one as "anonymous"; since clients choose the names, past 200 of
// them the rest share "other", so /metrics cannot be grown without end.
func TestMetricsOperationNames(t *testing.T) {
	e := newEnv(t, app.Limits{})
	e.ok(t, e.analyst, `{ __typename }`, nil, nil)
	for i := range 205 {
		e.ok(t, e.analyst, fmt.Sprintf("query Name%03d { __typename }", i), nil, nil)
	}
	page := e.metrics(t)
	if got := metricValue(t, page, `itsm_graphql_operations_total{operation="anonymous",outcome="ok",type="query"}`); got != 1 {
		t.Errorf("anonymous: %v, want 1", got)
	}
	if got := metricValue(t, page, `itsm_graphql_operations_total{operation="Name000",outcome="ok",type="query"}`); got != 1 {
		t.Errorf("Name000: %v, want 1", got)
	}
	names := regexp.MustCompile(`(?m)^itsm_graphql_operations_total\{operation="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(names) > 201 {
		t.Errorf("%d operation series, want at most 200 names and other", len(names))
	}
	if got := metricValue(t, page, `itsm_graphql_operations_total{operation="other",outcome="ok",type="query"}`); got != 6 {
		t.Errorf("other: %v, want the 6 operations past the first 200 names", got)
	}
}
