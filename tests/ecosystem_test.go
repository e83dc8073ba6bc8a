package tests

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	neo4jdriver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
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

// postWith sends one GraphQL request body with the token (none when
// empty) and the headers given (those with empty values left out), and
// checks its errors.
func (e *env) postWith(t *testing.T, token string, body map[string]any, headers map[string]string) *gqlResponse {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
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
			r := e.postWith(t, tc.token, map[string]any{"query": tc.query}, map[string]string{"Accept": tc.accept})
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
		return e.postWith(t, token, map[string]any{"query": query}, map[string]string{"X-Request-Id": id})
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
		r := e.postWith(t, e.analyst, map[string]any{"query": "{ me { subject } }"}, map[string]string{"Origin": okOrigin})
		if !headerHas(r.Header, "Access-Control-Expose-Headers", "X-Request-Id") {
			t.Errorf("Access-Control-Expose-Headers = %q", r.Header.Values("Access-Control-Expose-Headers"))
		}
	})
}

// holdLock write-locks the CI in a transaction of its own until release,
// so that a write to it is held in flight for as long as a test needs;
// blocked reports whether a transaction waits on it.
func holdLock(t *testing.T, ciID string) (blocked func() bool, release func()) {
	t.Helper()
	ctx := context.Background()
	drv, err := neo4jdriver.NewDriverWithContext(neo4jtest.Config(t).URI, neo4jdriver.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	sess := drv.NewSession(ctx, neo4jdriver.SessionConfig{})
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Run(ctx, "MATCH (c:CI {id: $id}) SET c.heldByTest = true", map[string]any{"id": ciID}); err != nil {
		t.Fatal(err)
	}
	blocked = func() bool {
		recs, err := neo4jdriver.ExecuteQuery(ctx, drv, "SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' RETURN count(*) AS n", nil, neo4jdriver.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := recs.Records[0].Get("n")
		return n.(int64) > 0
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			_ = sess.Close(ctx)
			_ = drv.Close(ctx)
		})
	}
	t.Cleanup(release)
	return blocked, release
}

// TestWebSocketShutdown: on shutdown the server lets a mutation in flight
// over a WebSocket finish and answer, then closes every connection with
// 1001 (going away), which clients take as "reconnect", instead of
// dropping them; new connections are refused meanwhile.
func TestWebSocketShutdown(t *testing.T) {
	e := newEnv(t, app.Limits{})
	ci := e.createCI(t, map[string]any{"name": "drain-me", "type": "SERVER"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.connectWS(t, ctx, "", map[string]any{"Authorization": "Bearer " + e.cm})
	c.expectAck(t)
	c.subscribe(t, "live", changedSubscription, map[string]any{"ids": []string{"ci_none"}})

	blocked, release := holdLock(t, ci.ID)
	c.subscribe(t, "m", updateCIMutation, map[string]any{"in": map[string]any{"id": ci.ID, "expectedVersion": 1, "name": "drained"}})
	for deadline := time.Now().Add(20 * time.Second); !blocked(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the mutation never reached the database")
		}
	}

	drained := make(chan struct{})
	go func() {
		defer close(drained)
		dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer dcancel()
		e.api.DrainWebSockets(dctx)
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case <-drained:
		t.Fatal("shutdown did not wait for the mutation in flight")
	case m := <-c.msgs:
		t.Fatalf("got %s %s while the mutation was in flight", m.Type, m.Payload)
	default:
	}
	if _, resp, err := e.dialWS(ctx, ""); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a new WebSocket during shutdown: %v; want HTTP 503", err)
	}
	release()

	var got []string
	for m := range c.msgs {
		got = append(got, m.Type+":"+m.ID)
		if m.Type == "next" && m.ID == "m" && !strings.Contains(string(m.Payload), `"drained"`) {
			t.Errorf("mutation answer: %s", m.Payload)
		}
	}
	err := <-c.done
	if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
		t.Errorf("connection ended with %v (close status %d), want 1001 going away", err, code)
	}
	if !slices.Equal(got, []string{"next:m", "complete:m"}) {
		t.Errorf("messages before the close: %v; want the mutation's answer and its complete", got)
	}
	select {
	case <-drained:
	case <-time.After(25 * time.Second):
		t.Fatal("DrainWebSockets did not return")
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func persisted(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// TestPersistedQueries: Apollo's automatic persisted queries round trip
// (a hash alone is unknown, hash and text register it, then the hash alone
// runs it, over POST and GET); in trusted-documents mode only the
// manifest's documents run and nothing can be registered.
func TestPersistedQueries(t *testing.T) {
	const doc = `query Me { me { subject } }`
	hash := sha256Hex(doc)

	t.Run("automatic", func(t *testing.T) {
		e := newEnv(t, app.Limits{})
		r := e.postWith(t, e.analyst, map[string]any{"extensions": persisted(hash)}, nil)
		if len(r.Errors) != 1 || r.Errors[0].Message != "PersistedQueryNotFound" {
			t.Fatalf("unknown hash: errors %v %s, want PersistedQueryNotFound", r.codes(), truncate(r.Body))
		}
		r = e.postWith(t, e.analyst, map[string]any{"query": doc, "extensions": persisted(sha256Hex("something else"))}, nil)
		if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
			t.Errorf("mismatched hash: errors %v, want BAD_USER_INPUT", r.codes())
		}
		r = e.postWith(t, e.analyst, map[string]any{"query": doc, "extensions": persisted(hash)}, nil)
		if len(r.Errors) != 0 || !strings.Contains(string(r.Data), subjAnalyst) {
			t.Fatalf("registering: %s", truncate(r.Body))
		}
		r = e.postWith(t, e.analyst, map[string]any{"extensions": persisted(hash)}, nil)
		if len(r.Errors) != 0 || !strings.Contains(string(r.Data), subjAnalyst) {
			t.Errorf("by hash: %s", truncate(r.Body))
		}
		ext, _ := json.Marshal(persisted(hash))
		req, _ := http.NewRequest(http.MethodGet, e.url+"/graphql?extensions="+url.QueryEscape(string(ext)), nil)
		req.Header.Set("Authorization", "Bearer "+e.analyst)
		g, err := e.send(req)
		if err != nil || g.Status != http.StatusOK || len(g.Errors) != 0 || !strings.Contains(string(g.Data), subjAnalyst) {
			t.Errorf("by hash over GET: %v %s", err, truncate(g.Body))
		}
	})

	t.Run("trusted documents", func(t *testing.T) {
		manifest, _ := json.Marshal(map[string]string{hash: doc})
		e := newEnv(t, app.Limits{TrustedDocuments: manifest})
		r := e.postWith(t, e.analyst, map[string]any{"extensions": persisted(hash)}, nil)
		if len(r.Errors) != 0 || !strings.Contains(string(r.Data), subjAnalyst) {
			t.Errorf("registered by hash: %s", truncate(r.Body))
		}
		r = e.postWith(t, e.analyst, map[string]any{"query": doc}, nil)
		if len(r.Errors) != 0 {
			t.Errorf("registered text: %s", truncate(r.Body))
		}
		other := `query Other { configurationItems { totalCount } }`
		for name, body := range map[string]map[string]any{
			"unregistered text":               {"query": other},
			"registering a document":          {"query": other, "extensions": persisted(sha256Hex(other))},
			"registered hash, other text":     {"query": other, "extensions": persisted(hash)},
			"introspection is not exempt":     {"query": `{ __schema { types { name } } }`},
			"a variation of a registered one": {"query": doc + " "},
		} {
			t.Run(name, func(t *testing.T) {
				r := e.postWith(t, e.analyst, body, nil)
				if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "FORBIDDEN" || !r.dataIsNull() {
					t.Errorf("errors %v, data %s; want FORBIDDEN and nothing run", r.codes(), r.Data)
				}
			})
		}
		r = e.postWith(t, e.analyst, map[string]any{"extensions": persisted(sha256Hex(other))}, nil)
		if len(r.Errors) != 1 || r.Errors[0].Message != "PersistedQueryNotFound" {
			t.Errorf("after an attempt to register, the hash alone: %v %s; want PersistedQueryNotFound", r.codes(), truncate(r.Body))
		}
	})

	t.Run("bad manifests are refused at start", func(t *testing.T) {
		e := newEnv(t, app.Limits{})
		for name, manifest := range map[string]string{
			"not JSON":         `nope`,
			"empty":            `{}`,
			"wrong hash":       `{"` + sha256Hex("x") + `": "query Me { me { subject } }"}`,
			"invalid document": `{"` + sha256Hex(`{ me { nope } }`) + `": "{ me { nope } }"}`,
		} {
			_, err := app.New(app.Deps{Store: e.store, Tokens: e.tokens, Now: time.Now, NewID: ids.New}, app.Limits{TrustedDocuments: []byte(manifest)})
			if err == nil || !strings.Contains(err.Error(), "TRUSTED_DOCUMENTS_FILE") {
				t.Errorf("%s: app.New error %v, want one naming TRUSTED_DOCUMENTS_FILE", name, err)
			}
		}
	})
}

// TestHelpListsEveryCommand: -help names every subcommand and its flags,
// and every setting.
func TestHelpListsEveryCommand(t *testing.T) {
	out, err := exec.Command(buildServer(t), "-help").CombinedOutput()
	if err != nil {
		t.Fatalf("-help: %v\n%s", err, out)
	}
	for _, want := range []string{"serve", "migrate", "token", "import", "generate", "import flags:", "generate flags:", "token flags:",
		"-missing-relationships", "CORS_HEADERS", "TRUSTED_DOCUMENTS_FILE"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("-help lacks %q:\n%s", want, out)
		}
	}
}

// TestNodes: nodes(ids:) answers each id's record in order, null where
// node(id:) would refuse (unknown, or out of the reader's reach), reads
// each kind at once rather than a statement per id, and takes at most 100
// ids.
func TestNodes(t *testing.T) {
	e, w, team, _ := newChangeEnv(t, app.Limits{})
	iteam := newIncidentTeam(t, e)
	start, end := nowWindow()
	own, _ := e.createIncident(t, iteam.caller, map[string]any{"shortDescription": "mine", "impact": "LOW", "urgency": "LOW"})
	other, _ := e.createIncident(t, iteam.agent, map[string]any{"shortDescription": "theirs", "callerId": subjOther, "impact": "LOW", "urgency": "LOW"})
	chg := e.createChange(t, team.requester, normalChange("nodes", w.idsOf(t, "cache"), start, end))
	ci := w.id(t, "cache")

	const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }`
	type out struct {
		Nodes []*struct{ ID string } `json:"nodes"`
	}
	ids := func(o out) []string {
		var s []string
		for _, n := range o.Nodes {
			if n == nil {
				s = append(s, "null")
			} else {
				s = append(s, n.ID)
			}
		}
		return s
	}
	var a out
	e.ok(t, e.analyst, q, map[string]any{"ids": []string{ci, own.ID, "ci_00000000000000000000000000000000", chg.ID, "bogus", ci}}, &a)
	if want := []string{ci, own.ID, "null", chg.ID, "null", ci}; !slices.Equal(ids(a), want) {
		t.Errorf("analyst: %v, want %v", ids(a), want)
	}
	var rq out
	e.ok(t, iteam.caller, q, map[string]any{"ids": []string{other.ID, own.ID, ci, chg.ID}}, &rq)
	if want := []string{"null", own.ID, "null", "null"}; !slices.Equal(ids(rq), want) {
		t.Errorf("requester: %v, want %v", ids(rq), want)
	}

	var many []string
	for i := range 20 {
		many = append(many, e.createCI(t, map[string]any{"name": fmt.Sprintf("nodes-%d", i), "type": "SERVER"}).ID)
	}
	before := metricValue(t, e.metrics(t), "itsm_neo4j_statements_total")
	var m out
	e.ok(t, e.analyst, q, map[string]any{"ids": many}, &m)
	if n := metricValue(t, e.metrics(t), "itsm_neo4j_statements_total") - before; n > 2 {
		t.Errorf("nodes of 20 CIs ran %v statements, want them read at once", n)
	}
	if !slices.Equal(ids(m), many) {
		t.Errorf("20 CIs: %v", ids(m))
	}

	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = ci
	}
	e.fail(t, e.analyst, q, map[string]any{"ids": tooMany}, "BAD_USER_INPUT")
}
