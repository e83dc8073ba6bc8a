// Package tests holds the end-to-end tests of the API: every test starts the
// whole HTTP handler (app.New) on a real, freshly wiped Neo4j database and
// talks to it over HTTP or WebSocket like a client would.
//
// Run with NEO4J_TEST_URI pointing at a throwaway Neo4j 5, for example:
//
//	scripts/neo4j start --data /tmp/e2e-neo4j --port 7695
//	NEO4J_TEST_URI=bolt://127.0.0.1:7695 go test ./tests/ -count=1
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/credentials"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// Token settings shared by the server under test and the tests' own minters.
const (
	testIssuer   = "itsm-graph"
	testAudience = "itsm-graph"
	testTTL      = time.Hour
)

// testSecret is the HS256 key of the server under test (>= 32 bytes).
var testSecret = []byte("e2e-test-secret-0123456789abcdefghijklmnop")

// specCodes are the only extensions.code values SPEC §3 allows.
var specCodes = []string{
	"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT", "NOT_FOUND",
	"CONFLICT", "INVALID_TRANSITION", "UNAVAILABLE", "INTERNAL",
}

// leakMarkers are fragments of driver, database or runtime text that must
// never reach a client in an error message.
var leakMarkers = []string{
	"Neo.ClientError", "Neo.TransientError", "Neo.DatabaseError", "neo4j-go-driver",
	"ConnectivityError", "MATCH (", "MERGE (", "goroutine ", ".go:", "runtime error", "panic:",
}

func tokenConfig() credentials.TokenConfig {
	return credentials.TokenConfig{
		Algorithm: "HS256",
		Secret:    testSecret,
		Issuer:    testIssuer,
		Audience:  testAudience,
		Leeway:    0,
		TTL:       testTTL,
		MaxAge:    24 * time.Hour,
	}
}

// env is one API server under test with its store and ready-made tokens.
type env struct {
	url    string
	srv    *httptest.Server
	store  *neo4j.Store
	tokens *credentials.Tokens
	logs   *syncBuffer
	// now is the server's clock; api is the assembled server, for tests
	// that drive its periodic work.
	now func() time.Time
	api *app.App

	// Tokens for the usual callers; their subjects are the constants below.
	admin, cm, analyst, agent, requester string
}

// Subjects of the ready-made tokens (they are not user ids of real accounts).
const (
	subjAdmin     = "e2e-admin"
	subjCM        = "e2e-config-manager"
	subjAnalyst   = "e2e-analyst"
	subjAgent     = "e2e-agent"
	subjRequester = "e2e-requester"
)

// newEnv wipes and migrates the test database and serves the whole API on it.
func newEnv(t *testing.T, limits app.Limits) *env {
	t.Helper()
	return newEnvAt(t, limits, time.Now)
}

// newEnvAt is newEnv with the server reading time from now (tokens keep
// the real clock).
func newEnvAt(t *testing.T, limits app.Limits, now func() time.Time) *env {
	t.Helper()
	store := neo4jtest.Open(t)
	tokens, err := credentials.NewTokens(tokenConfig(), time.Now)
	if err != nil {
		t.Fatalf("credentials.NewTokens: %v", err)
	}
	e := &env{store: store, tokens: tokens, now: now}
	e.serve(t, limits)
	e.admin = e.mint(t, subjAdmin, auth.Admin)
	e.cm = e.mint(t, subjCM, auth.ConfigManager)
	e.analyst = e.mint(t, subjAnalyst, auth.Analyst)
	e.agent = e.mint(t, subjAgent, auth.Agent)
	e.requester = e.mint(t, subjRequester, auth.Requester)
	return e
}

// sibling serves another API instance with other limits on the same store
// and token settings (for example a different CORS allowlist).
func (e *env) sibling(t *testing.T, limits app.Limits) *env {
	t.Helper()
	s := *e
	s.serve(t, limits)
	return &s
}

func (e *env) serve(t *testing.T, limits app.Limits) {
	t.Helper()
	e.logs = &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if limits.Events.Poll == 0 {
		// An instance reads the log at once after its own writes; tests
		// that count the statements a request costs must not see polls
		// in between, and tests of several instances set the interval.
		limits.Events.Poll = time.Hour
	}
	a, err := app.New(app.Deps{Store: e.store, Tokens: e.tokens, Now: e.now, NewID: ids.New, Logger: logger}, limits)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	e.srv, e.url, e.api = srv, srv.URL, a
	logs := e.logs
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		a.Close()
		if t.Failed() && logs.Len() > 0 {
			t.Logf("server log:\n%s", logs.String())
		}
	})
}

// mint returns a valid token for subject with roles.
func (e *env) mint(t testing.TB, subject string, roles ...auth.Role) string {
	t.Helper()
	tok, _, err := e.tokens.Mint(subject, roles, testTTL)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

// gqlError is one entry of a GraphQL response's errors.
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	} `json:"extensions"`
}

// gqlResponse is a decoded GraphQL HTTP response.
type gqlResponse struct {
	Status int
	Header http.Header
	Body   []byte
	// HasData is false when the response had no "data" member at all.
	HasData bool
	Data    json.RawMessage `json:"data"`
	Errors  []gqlError      `json:"errors"`
}

func (r *gqlResponse) codes() []string {
	out := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = e.Extensions.Code
		if out[i] == "" {
			out[i] = "<no code>"
		}
	}
	return out
}

// dataIsNull reports whether data is absent or null.
func (r *gqlResponse) dataIsNull() bool {
	return !r.HasData || string(r.Data) == "null"
}

// fieldIsNull reports whether the root field is absent or null, or data as
// a whole is (a non-null root field that failed nulls data).
func (r *gqlResponse) fieldIsNull(field string) bool {
	if r.dataIsNull() {
		return true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &m); err != nil {
		return false
	}
	v, ok := m[field]
	return !ok || string(v) == "null"
}

// post sends one GraphQL operation; it is safe to call from goroutines and
// reports transport failures as errors rather than through t.
func (e *env) post(ctx context.Context, token, query string, vars map[string]any) (*gqlResponse, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

// send performs req and decodes the body as a GraphQL response when it is JSON.
func (e *env) send(req *http.Request) (*gqlResponse, error) {
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := &gqlResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if len(bytes.TrimSpace(b)) > 0 && (b[0] == '{' || b[0] == '[') {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(b, &probe); err != nil {
			return out, fmt.Errorf("response body is not a JSON object: %v: %s", err, b)
		}
		_, out.HasData = probe["data"]
		if err := json.Unmarshal(b, out); err != nil {
			return out, fmt.Errorf("decoding GraphQL response: %v: %s", err, b)
		}
	}
	return out, nil
}

// checkErrors asserts what every error of every response must satisfy: a
// SPEC §3 code in extensions.code, a message, and no internals in it.
func checkErrors(t testing.TB, r *gqlResponse) {
	t.Helper()
	for i, e := range r.Errors {
		if !slices.Contains(specCodes, e.Extensions.Code) {
			t.Errorf("errors[%d] (%q) has extensions.code %q; want one of %v (HTTP %d, body %s)",
				i, e.Message, e.Extensions.Code, specCodes, r.Status, truncate(r.Body))
		}
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("errors[%d] has an empty message (body %s)", i, truncate(r.Body))
		}
		for _, m := range leakMarkers {
			if strings.Contains(e.Message, m) {
				t.Errorf("errors[%d] leaks internals (%q): %q", i, m, e.Message)
			}
		}
	}
}

// gql sends one operation and checks its errors; it fails the test only on
// transport failures.
func (e *env) gql(t testing.TB, token, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := e.post(ctx, token, query, vars)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	checkErrors(t, r)
	return r
}

// ok sends one operation, requires HTTP 200 without errors and decodes data
// into out (when out is not nil).
func (e *env) ok(t testing.TB, token, query string, vars map[string]any, out any) {
	t.Helper()
	r := e.gql(t, token, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("want success, got HTTP %d, errors %v\nbody: %s", r.Status, r.codes(), truncate(r.Body))
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decoding data: %v\n%s", err, r.Data)
		}
	}
}

// fail sends one operation and requires exactly one error with code.
func (e *env) fail(t testing.TB, token, query string, vars map[string]any, code string) *gqlResponse {
	t.Helper()
	r := e.gql(t, token, query, vars)
	if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != code {
		t.Fatalf("want exactly one %s error, got HTTP %d, errors %v\nbody: %s", code, r.Status, r.codes(), truncate(r.Body))
	}
	return r
}

func truncate(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// mintExpired returns an ANALYST token that expired two hours ago.
func (e *env) mintExpired(t testing.TB) string {
	t.Helper()
	past, err := credentials.NewTokens(tokenConfig(), func() time.Time { return time.Now().Add(-3 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := past.Mint(subjAnalyst, []auth.Role{auth.Analyst}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// mintOtherKey returns an otherwise valid ANALYST token signed with a key
// the server does not know.
func (e *env) mintOtherKey(t testing.TB) string {
	t.Helper()
	cfg := tokenConfig()
	cfg.Secret = []byte("a-different-secret-that-is-32-bytes-or-more")
	other, err := credentials.NewTokens(cfg, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := other.Mint(subjAnalyst, []auth.Role{auth.Analyst}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// concurrently sends n requests at the same moment (they wait on one gate)
// and returns their responses in order, each already checked by
// checkErrors; a transport failure fails the test.
func (e *env) concurrently(t testing.TB, n int, token, query string, vars func(i int) map[string]any) []*gqlResponse {
	t.Helper()
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = token
	}
	return e.concurrentlyAs(t, tokens, query, vars)
}

// concurrentlyAs is concurrently with request i sent with tokens[i].
func (e *env) concurrentlyAs(t testing.TB, tokens []string, query string, vars func(i int) map[string]any) []*gqlResponse {
	t.Helper()
	n := len(tokens)
	resps := make([]*gqlResponse, n)
	errs := make([]error, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			<-gate
			resps[i], errs[i] = e.post(ctx, tokens[i], query, vars(i))
		}(i)
	}
	close(gate)
	wg.Wait()
	for i := range resps {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		checkErrors(t, resps[i])
	}
	return resps
}
