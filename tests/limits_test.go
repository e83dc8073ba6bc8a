package tests

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/limits"
)

// selection returns a selection set on a ConfigurationItem that is exactly
// depth field levels deep.
func selection(depth int) string {
	switch {
	case depth <= 1:
		return "id"
	case depth == 2:
		return "relationships(first: 5) { id }"
	default:
		return "relationships(first: 5) { source { " + selection(depth-2) + " } }"
	}
}

// TestDepthLimit: operations nested deeper than the limit (12 by default)
// are refused before anything runs, however the depth is spelled.
func TestDepthLimit(t *testing.T) {
	e := newEnv(t, app.Limits{})
	a := e.createCI(t, map[string]any{"name": "deep-a", "type": "APPLICATION"})
	b := e.createCI(t, map[string]any{"name": "deep-b", "type": "DATABASE"})
	e.relate(t, a.ID, "DEPENDS_ON", b.ID)
	e.relate(t, b.ID, "DOCUMENTED_BY", a.ID)
	vars := map[string]any{"id": a.ID}

	t.Run("depth 12 is accepted", func(t *testing.T) {
		var out struct {
			ConfigurationItem json.RawMessage `json:"configurationItem"`
		}
		e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { `+selection(11)+` } }`, vars, &out)
		if !strings.Contains(string(out.ConfigurationItem), `"id"`) {
			t.Errorf("depth-12 answer has no ids: %s", out.ConfigurationItem)
		}
		e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { ...F } } fragment F on ConfigurationItem { `+selection(11)+` }`, vars, nil)
	})

	before := e.ciTotal(t)
	cases := []struct {
		name  string
		token string
		query string
		vars  map[string]any
	}{
		{"depth 13", e.analyst, `query($id: ID!) { configurationItem(id: $id) { ` + selection(12) + ` } }`, vars},
		{"depth 40", e.analyst, `query($id: ID!) { configurationItem(id: $id) { ` + selection(39) + ` } }`, vars},
		{"depth 13 through a fragment", e.analyst, `query($id: ID!) { configurationItem(id: $id) { ...F } } fragment F on ConfigurationItem { ` + selection(12) + ` }`, vars},
		{"depth 13 through nested fragments", e.analyst, `query($id: ID!) { configurationItem(id: $id) { relationships { source { ...F } } } }
fragment F on ConfigurationItem { ... on ConfigurationItem { ...G } }
fragment G on ConfigurationItem { ` + selection(10) + ` }`, vars},
		{"depth 13 through node", e.analyst, `query($id: ID!) { node(id: $id) { ... on ConfigurationItem { ` + selection(12) + ` } } }`, vars},
		{"mutation of depth 13", e.cm, `mutation($in: CreateConfigurationItemInput!) { createConfigurationItem(input: $in) { configurationItem { ` + selection(11) + ` } } }`,
			map[string]any{"in": map[string]any{"name": "too-deep", "type": "SERVER"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(t, tc.token, tc.query, tc.vars, "BAD_USER_INPUT")
			if !r.dataIsNull() {
				t.Errorf("data = %s, want none: the operation must not run", r.Data)
			}
		})
	}
	if n := e.ciTotal(t); n != before {
		t.Errorf("CI count changed from %d to %d: a refused mutation ran", before, n)
	}

	t.Run("configured limit", func(t *testing.T) {
		shallow := e.sibling(t, app.Limits{Request: limits.Request{MaxDepth: 3}})
		shallow.ok(t, e.analyst, `{ configurationItems { edges { cursor } } }`, nil, nil)
		shallow.fail(t, e.analyst, `{ configurationItems { edges { node { id } } } }`, nil, "BAD_USER_INPUT")
	})
}

// bodyOfSize returns a createConfigurationItem request body of exactly size
// bytes, padded with insignificant whitespace in the query.
func bodyOfSize(t *testing.T, size int, name string) []byte {
	t.Helper()
	vars := map[string]any{"in": map[string]any{"name": name, "type": "SERVER"}}
	build := func(pad int) []byte {
		b, err := json.Marshal(map[string]any{"query": createCIMutation + strings.Repeat(" ", pad), "variables": vars})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pad := size - len(build(0))
	if pad < 0 {
		t.Fatalf("a body of %d bytes is too small for the request", size)
	}
	b := build(pad)
	if len(b) != size {
		t.Fatalf("built a body of %d bytes, want %d", len(b), size)
	}
	return b
}

// onlyReader hides the length of a body so that the client streams it
// chunked, without Content-Length.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func (e *env) postBody(t *testing.T, token string, body []byte, chunked bool) *gqlResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rd io.Reader = strings.NewReader(string(body))
	if chunked {
		rd = onlyReader{rd}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/graphql", rd)
	if err != nil {
		t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := e.send(req)
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, r)
	return r
}

// TestBodyLimit: a request body over the limit is refused with HTTP 413 and
// writes nothing, whether its length is declared or streamed; a body of
// exactly the limit is served.
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, app.Limits{})
	const limit = 4096
	small := e.sibling(t, app.Limits{Request: limits.Request{MaxBodyBytes: limit}})

	cases := []struct {
		name    string
		env     *env
		size    int
		chunked bool
		accept  bool
	}{
		{"exactly the limit", small, limit, false, true},
		{"one byte over the limit", small, limit + 1, false, false},
		{"far over the limit", small, 64 * limit, false, false},
		{"exactly the limit, chunked", small, limit, true, true},
		{"one byte over the limit, chunked", small, limit + 1, true, false},
		{"far over the limit, chunked", small, 64 * limit, true, false},
		{"default limit of 1 MiB, one byte over", e, 1<<20 + 1, false, false},
		{"default limit of 1 MiB, one byte over, chunked", e, 1<<20 + 1, true, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.ciTotal(t)
			name := "sized-" + strconv.Itoa(i)
			r := tc.env.postBody(t, e.cm, bodyOfSize(t, tc.size, name), tc.chunked)
			after := e.ciTotal(t)
			if tc.accept {
				if r.Status != http.StatusOK || len(r.Errors) != 0 {
					t.Fatalf("HTTP %d, errors %v; want 200 without errors (body %s)", r.Status, r.codes(), truncate(r.Body))
				}
				if after != before+1 {
					t.Errorf("CI count %d → %d, want one more", before, after)
				}
				return
			}
			if r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("HTTP %d, want 413 (body %s)", r.Status, truncate(r.Body))
			}
			if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
				t.Errorf("errors %v, want one BAD_USER_INPUT (body %s)", r.codes(), truncate(r.Body))
			}
			if after != before {
				t.Errorf("CI count %d → %d: an oversized request wrote", before, after)
			}
		})
	}
}

// TestMutationsOnlyOverJSONPost: GET may query but never mutate, and other
// content types (which browsers send cross-site without a preflight) are
// refused; refusals carry a SPEC code and write nothing.
func TestMutationsOnlyOverJSONPost(t *testing.T) {
	e := newEnv(t, app.Limits{})
	mutation := `mutation { createConfigurationItem(input: {name: "via-get", type: SERVER}) { configurationItem { id } } }`
	do := func(t *testing.T, method, target, contentType, body string) *gqlResponse {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, e.url+target, rd)
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+e.cm)
		r, err := e.send(req)
		if err != nil {
			t.Fatal(err)
		}
		checkErrors(t, r)
		return r
	}

	t.Run("GET may query", func(t *testing.T) {
		r := do(t, http.MethodGet, "/graphql?query="+url.QueryEscape(`{ configurationItems { totalCount } }`), "", "")
		if r.Status != http.StatusOK || len(r.Errors) != 0 || string(r.Data) != `{"configurationItems":{"totalCount":0}}` {
			t.Errorf("HTTP %d, body %s", r.Status, r.Body)
		}
	})
	jsonBody, _ := json.Marshal(map[string]any{"query": mutation})
	cases := []struct {
		name, method, target, contentType, body string
	}{
		{"mutation over GET", http.MethodGet, "/graphql?query=" + url.QueryEscape(mutation), "", ""},
		{"mutation over GET by operationName", http.MethodGet, "/graphql?operationName=M&query=" +
			url.QueryEscape(`query Q { me { subject } } mutation M { createConfigurationItem(input: {name: "via-get", type: SERVER}) { configurationItem { id } } }`), "", ""},
		{"form-encoded POST", http.MethodPost, "/graphql", "application/x-www-form-urlencoded", "query=" + url.QueryEscape(mutation)},
		{"text/plain POST", http.MethodPost, "/graphql", "text/plain", string(jsonBody)},
		{"PUT", http.MethodPut, "/graphql", "application/json", string(jsonBody)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, tc.method, tc.target, tc.contentType, tc.body)
			if r.Status < 400 {
				t.Errorf("HTTP %d, want a 4xx refusal", r.Status)
			}
			if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
				t.Errorf("errors %v, want one BAD_USER_INPUT (HTTP %d, body %s)", r.codes(), r.Status, truncate(r.Body))
			}
			if n := e.ciTotal(t); n != 0 {
				t.Fatalf("the refused mutation created %d CIs", n)
			}
		})
	}
}

// TestIntrospectionDisabled: with introspection off (the default) a schema
// query is the client's error, not an INTERNAL server fault; with it on, it
// works.
func TestIntrospectionDisabled(t *testing.T) {
	e := newEnv(t, app.Limits{})
	var tn struct {
		Typename string `json:"__typename"`
	}
	e.ok(t, e.analyst, `{ __typename }`, nil, &tn)
	if tn.Typename != "Query" {
		t.Errorf("__typename = %q", tn.Typename)
	}
	for _, q := range []string{`{ __schema { types { name } } }`, `{ __type(name: "CIType") { name } }`} {
		t.Run(q, func(t *testing.T) {
			r := e.gql(t, e.analyst, q, nil)
			if len(r.Errors) != 1 || (r.Errors[0].Extensions.Code != "BAD_USER_INPUT" && r.Errors[0].Extensions.Code != "FORBIDDEN") {
				t.Errorf("errors %v, want one BAD_USER_INPUT or FORBIDDEN (body %s)", r.codes(), truncate(r.Body))
			}
			if !r.fieldIsNull("__schema") || !r.fieldIsNull("__type") {
				t.Errorf("data = %s, want no schema", r.Data)
			}
		})
	}
	t.Run("enabled", func(t *testing.T) {
		open := e.sibling(t, app.Limits{Introspection: true})
		var out struct {
			Type struct {
				Name string `json:"name"`
			} `json:"__type"`
		}
		open.ok(t, e.analyst, `{ __type(name: "CIType") { name } }`, nil, &out)
		if out.Type.Name != "CIType" {
			t.Errorf("__type = %+v", out.Type)
		}
	})
}
