package tests

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

const okOrigin = "https://ok.example"

// preflight sends a CORS preflight for POST /graphql.
func (e *env) preflight(t *testing.T, origin, method, headers string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, e.url+"/graphql", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp
}

func headerHas(h http.Header, key, want string) bool {
	for _, v := range h.Values(key) {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	}
	return false
}

// TestCORS: only allowlisted origins get CORS grants, for preflights and for
// actual requests; without an allowlist nobody does.
func TestCORS(t *testing.T) {
	e := newEnv(t, app.Limits{CORSOrigins: []string{okOrigin}})
	closed := e.sibling(t, app.Limits{})

	t.Run("allowed origin preflight", func(t *testing.T) {
		r := e.preflight(t, okOrigin, http.MethodPost, "authorization, content-type")
		if r.StatusCode < 200 || r.StatusCode > 299 {
			t.Errorf("HTTP %d, want 2xx", r.StatusCode)
		}
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != okOrigin {
			t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, okOrigin)
		}
		if !headerHas(r.Header, "Access-Control-Allow-Methods", "POST") {
			t.Errorf("Access-Control-Allow-Methods = %q, want POST", r.Header.Values("Access-Control-Allow-Methods"))
		}
		for _, h := range []string{"authorization", "content-type"} {
			if !headerHas(r.Header, "Access-Control-Allow-Headers", h) {
				t.Errorf("Access-Control-Allow-Headers = %q, want %s", r.Header.Values("Access-Control-Allow-Headers"), h)
			}
		}
		if got := r.Header.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("Access-Control-Allow-Credentials = %q, want none (bearer tokens need no cookies)", got)
		}
		if !headerHas(r.Header, "Vary", "Origin") {
			t.Errorf("Vary = %q, want Origin", r.Header.Values("Vary"))
		}
	})

	refused := []struct {
		name, origin, method, headers string
		env                           *env
	}{
		{"evil origin", "https://evil.example", http.MethodPost, "authorization, content-type", e},
		{"allowed name as a prefix", "https://ok.example.evil.example", http.MethodPost, "content-type", e},
		{"allowed name as a suffix", "https://not-ok.example", http.MethodPost, "content-type", e},
		{"other scheme", "http://ok.example", http.MethodPost, "content-type", e},
		{"other port", "https://ok.example:8443", http.MethodPost, "content-type", e},
		{"null origin", "null", http.MethodPost, "content-type", e},
		{"method not allowed", okOrigin, http.MethodDelete, "", e},
		{"header not allowed", okOrigin, http.MethodPost, "x-forwarded-user", e},
		{"empty allowlist, the otherwise allowed origin", okOrigin, http.MethodPost, "authorization, content-type", closed},
		{"empty allowlist, any origin", "https://evil.example", http.MethodPost, "content-type", closed},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.env.preflight(t, tc.origin, tc.method, tc.headers)
			for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Allow-Credentials"} {
				if v := r.Header.Values(h); len(v) > 0 {
					t.Errorf("%s = %q, want none", h, v)
				}
			}
		})
	}

	// Actual requests: the grant is on the response too, and only for the
	// allowlisted origin.
	actual := []struct {
		name, origin string
		env          *env
		want         string
	}{
		{"allowed origin", okOrigin, e, okOrigin},
		{"evil origin", "https://evil.example", e, ""},
		{"empty allowlist", okOrigin, closed, ""},
	}
	for _, tc := range actual {
		t.Run("POST from "+tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, tc.env.url+"/graphql", strings.NewReader(`{"query":"{ me { subject } }"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.analyst)
			req.Header.Set("Origin", tc.origin)
			r, err := tc.env.send(req)
			if err != nil {
				t.Fatal(err)
			}
			checkErrors(t, r)
			if r.Status != http.StatusOK || string(r.Data) != `{"me":{"subject":"`+subjAnalyst+`"}}` {
				t.Errorf("HTTP %d, body %s", r.Status, r.Body)
			}
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != tc.want {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.want)
			}
		})
	}
}
