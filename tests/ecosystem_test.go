package tests

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// standardIntrospection is the introspection query GraphiQL and GraphQL
// Code Generator send (graphql-js getIntrospectionQuery with every option
// on): 15 levels deep through the ofType chain of TypeRef.
const standardIntrospection = `query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL isOneOf
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// TestStandardIntrospection: the standard introspection query is deeper
// than the depth limit and still answers, anonymous or signed in, so
// GraphiQL and code generators can load the schema; introspection that
// nests its lists deeper than the standard query (each level multiplies
// the answer by the schema) is refused, and the depth limit still holds
// for everything else.
func TestStandardIntrospection(t *testing.T) {
	e := newEnv(t, app.Limits{Introspection: true})
	for _, tc := range []struct{ name, token string }{{"anonymous", ""}, {"analyst", e.analyst}} {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				Schema struct {
					QueryType struct{ Name string } `json:"queryType"`
					Types     []struct {
						Name   string
						Fields []struct{ Name string }
					} `json:"types"`
				} `json:"__schema"`
			}
			e.ok(t, tc.token, standardIntrospection, nil, &out)
			if out.Schema.QueryType.Name != "Query" {
				t.Errorf("queryType = %q", out.Schema.QueryType.Name)
			}
			found := false
			for _, ty := range out.Schema.Types {
				if ty.Name == "ConfigurationItem" && len(ty.Fields) > 5 {
					found = true
				}
			}
			if !found {
				t.Errorf("the answer lacks ConfigurationItem and its fields (%d types)", len(out.Schema.Types))
			}
		})
	}

	refused := []struct{ name, query string }{
		{"four nested lists", `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`},
		{"four nested lists through fragments", `{ __type(name: "Query") { ...A } }
fragment A on __Type { fields { type { ...B } } }
fragment B on __Type { fields { type { interfaces { possibleTypes { name } } } } }`},
		{"repeated names still limited", `{ __schema { types { ` + strings.Repeat("name ", 21) + `} } }`},
		{"depth limit outside introspection", `{ __typename configurationItems { edges { node { ` + selection(11) + ` } } } }`},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := e.fail(t, e.analyst, tc.query, nil, "BAD_USER_INPUT")
			if !r.dataIsNull() {
				t.Errorf("data = %s, want none", truncate(r.Data))
			}
		})
	}
}

// postAccept sends one operation with the given Accept header (none when
// empty).
func (e *env) postAccept(t *testing.T, token, accept, query string) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := e.send(req)
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, r)
	return r
}

// TestContentNegotiation: every answer, errors included, comes in the
// media type the client asked for, with the status the GraphQL-over-HTTP
// specification gives it: request errors are 4xx under
// application/graphql-response+json (where clients such as Apollo Client
// read the body of a 4xx only in that type), and authentication failures
// are 401 whether the token is missing or bad.
func TestContentNegotiation(t *testing.T) {
	e := newEnv(t, app.Limits{})
	const gqlResp, plain = "application/graphql-response+json", "application/json"
	cases := []struct {
		name, token, accept, query string
		status                     int
		media, code                string
	}{
		{"success, graphql-response", e.analyst, gqlResp, `{ me { subject } }`, 200, gqlResp, ""},
		{"success, both listed", e.analyst, gqlResp + ", " + plain + ";q=0.9", `{ me { subject } }`, 200, gqlResp, ""},
		{"success, json", e.analyst, plain, `{ me { subject } }`, 200, plain, ""},
		{"success, no Accept", e.analyst, "", `{ me { subject } }`, 200, plain, ""},
		{"field typo, graphql-response", e.analyst, gqlResp, `{ me { subjekt } }`, 400, gqlResp, "BAD_USER_INPUT"},
		{"field typo, json", e.analyst, plain, `{ me { subjekt } }`, 422, plain, "BAD_USER_INPUT"},
		{"syntax error, graphql-response", e.analyst, gqlResp, `{ me { `, 400, gqlResp, "BAD_USER_INPUT"},
		{"over a limit, graphql-response", e.analyst, gqlResp, `{ configurationItems { edges { node { ` + selection(12) + ` } } } }`, 400, gqlResp, "BAD_USER_INPUT"},
		{"over a limit, json", e.analyst, plain, `{ configurationItems { edges { node { ` + selection(12) + ` } } } }`, 200, plain, "BAD_USER_INPUT"},
		{"field error keeps 200", e.analyst, gqlResp, `{ configurationItem(id: "ci_missing") { id } }`, 200, gqlResp, "NOT_FOUND"},
		{"no token, graphql-response", "", gqlResp, `{ me { subject } }`, 401, gqlResp, "UNAUTHENTICATED"},
		{"no token, json", "", plain, `{ me { subject } }`, 401, plain, "UNAUTHENTICATED"},
		{"bad token, graphql-response", "garbage", gqlResp, `{ me { subject } }`, 401, gqlResp, "UNAUTHENTICATED"},
		{"bad token, json", "garbage", plain, `{ me { subject } }`, 401, plain, "UNAUTHENTICATED"},
		{"no token, login only", "", gqlResp, `mutation { login(input: {username: "nobody", password: "wrong-password-here"}) { token } }`, 200, gqlResp, "UNAUTHENTICATED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.postAccept(t, tc.token, tc.accept, tc.query)
			if r.Status != tc.status {
				t.Errorf("HTTP %d, want %d (body %s)", r.Status, tc.status, truncate(r.Body))
			}
			if got := r.Header.Get("Content-Type"); got != tc.media {
				t.Errorf("Content-Type %q, want %q", got, tc.media)
			}
			switch {
			case tc.code == "" && len(r.Errors) > 0:
				t.Errorf("errors %v, want none", r.codes())
			case tc.code != "" && (len(r.Errors) == 0 || r.Errors[0].Extensions.Code != tc.code):
				t.Errorf("errors %v, want %s first", r.codes(), tc.code)
			}
			if tc.status == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q, want Bearer", r.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestRequestLog: each request gets one line at INFO with its id (the
// caller's X-Request-Id when usable, else a new one, returned either
// way), the operation, the subject, the status, the duration and the error
// codes.
func TestRequestLog(t *testing.T) {
	e := newEnv(t, app.Limits{})
	send := func(id, token, query string) *gqlResponse {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		r, err := e.send(req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	line := func(id string) string {
		t.Helper()
		for l := range strings.SplitSeq(e.logs.String(), "\n") {
			if strings.Contains(l, "request_id="+id+" ") {
				return l
			}
		}
		t.Fatalf("no log line with request_id=%s in:\n%s", id, e.logs.String())
		return ""
	}

	r := send("client-req-42", e.analyst, `query WhoAmI { me { subject } }`)
	if got := r.Header.Get("X-Request-Id"); got != "client-req-42" {
		t.Errorf("X-Request-Id = %q, want the caller's", got)
	}
	l := line("client-req-42")
	for _, want := range []string{"level=INFO", "msg=request", "operation=WhoAmI", "operation_type=query", "subject=" + subjAnalyst, "status=200", "duration_ms="} {
		if !strings.Contains(l, want) {
			t.Errorf("log line lacks %q: %s", want, l)
		}
	}
	if strings.Contains(l, "error_codes") {
		t.Errorf("a clean request logs error codes: %s", l)
	}

	r = send("bad id with spaces", e.requester, `query Forbidden { configurationItems { totalCount } }`)
	id := r.Header.Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Fatalf("X-Request-Id = %q, want a generated one instead of an unusable id", id)
	}
	if l := line(id); !strings.Contains(l, "error_codes=[FORBIDDEN]") || !strings.Contains(l, "operation=Forbidden") {
		t.Errorf("log line lacks the operation or the error code: %s", l)
	}

	r = send("", "garbage", `{ me { subject } }`)
	if l := line(r.Header.Get("X-Request-Id")); !strings.Contains(l, "status=401") || !strings.Contains(l, "error_codes=[UNAUTHENTICATED]") {
		t.Errorf("refused request logged as: %s", l)
	}
}

// TestCORSHeaders: allowed origins may send the configured headers (by
// default the tracing, request id and Apollo client headers) besides
// Authorization, Content-Type and Accept, and read X-Request-Id back;
// other headers stay refused.
func TestCORSHeaders(t *testing.T) {
	e := newEnv(t, app.Limits{CORSOrigins: []string{okOrigin}, CORSHeaders: []string{"traceparent", "X-Request-Id", "apollographql-client-name", "X-Team"}})
	for _, tc := range []struct {
		headers string
		allowed bool
	}{
		{"accept,authorization,content-type", true}, // sorted, as browsers send them
		{"traceparent, x-request-id", true},
		{"apollographql-client-name", true},
		{"x-team", true},
		{"x-other", false},
		{"authorization, x-other", false},
	} {
		t.Run(tc.headers, func(t *testing.T) {
			r := e.preflight(t, okOrigin, http.MethodPost, tc.headers)
			granted := r.Header.Get("Access-Control-Allow-Origin") == okOrigin
			if granted != tc.allowed {
				t.Errorf("preflight granted = %v, want %v (HTTP %d, headers %v)", granted, tc.allowed, r.StatusCode, r.Header)
			}
		})
	}
	t.Run("X-Request-Id is exposed", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"query": "{ me { subject } }"})
		req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", okOrigin)
		req.Header.Set("Authorization", "Bearer "+e.analyst)
		r, err := e.send(req)
		if err != nil {
			t.Fatal(err)
		}
		if !headerHas(r.Header, "Access-Control-Expose-Headers", "X-Request-Id") {
			t.Errorf("Access-Control-Expose-Headers = %q", r.Header.Values("Access-Control-Expose-Headers"))
		}
	})
}
