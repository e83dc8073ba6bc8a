package tests

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// get sends a GET to path on base with an optional Authorization header
// and returns the response with its body read.
func (e *env) get(t *testing.T, base, path, authorization string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestSecurityHeaders: API answers (successes and refusals alike) tell
// browsers not to sniff their type and not to store them; the web pages
// (built or not) come with a content security policy, may not be framed and send no
// referrer.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, app.Limits{})
	post := func(token, query string) *gqlResponse { return e.gql(t, token, query, nil) }
	answers := map[string]http.Header{
		"query":          post(e.analyst, `{ me { subject } }`).Header,
		"refused query":  post(e.requester, `{ configurationItems { totalCount } }`).Header,
		"invalid query":  post(e.analyst, `{ nope }`).Header,
		"bad token":      post("garbage", `{ me { subject } }`).Header,
		"oversized body": e.postBody(t, e.cm, bodyOfSize(t, 1<<20+1, "big"), false).Header,
		"GraphQL over GET": func() http.Header {
			r, _ := e.get(t, e.url, "/graphql?query="+url.QueryEscape(`{ __typename }`), "")
			return r.Header
		}(),
		"/healthz":            func() http.Header { r, _ := e.get(t, e.url, "/healthz", ""); return r.Header }(),
		"/readyz":             func() http.Header { r, _ := e.get(t, e.url, "/readyz", ""); return r.Header }(),
		"/metrics":            func() http.Header { r, _ := e.get(t, e.url, "/metrics", "Bearer "+e.admin); return r.Header }(),
		"/metrics refused":    func() http.Header { r, _ := e.get(t, e.url, "/metrics", ""); return r.Header }(),
		"unknown path":        func() http.Header { r, _ := e.get(t, e.url, "/nothing-here", ""); return r.Header }(),
		"GraphQL without any": func() http.Header { r, _ := e.get(t, e.url, "/graphql", ""); return r.Header }(),
	}
	for name, h := range answers {
		t.Run(name, func(t *testing.T) {
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}

	t.Run("web pages", func(t *testing.T) {
		for _, path := range []string{"/", "/graphiql"} {
			resp, _ := e.get(t, e.url, path, "")
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", path, got)
			}
			checkPageHeaders(t, resp.Header)
		}
	})
}
