package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/limits"
)

// refusalWait bounds how long a refusal may take. Refusals answer in
// milliseconds; the attack shapes they stop took seconds to minutes, so a
// generous bound still tells them apart on a busy machine.
const refusalWait = 5 * time.Second

// refusedFast sends one operation and requires a single BAD_USER_INPUT error,
// no data, and an answer within refusalWait; it returns the message.
func (e *env) refusedFast(t *testing.T, token, query string, vars map[string]any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), refusalWait)
	defer cancel()
	r, err := e.post(ctx, token, query, vars)
	if err != nil {
		t.Fatalf("no answer within %s: %v", refusalWait, err)
	}
	checkErrors(t, r)
	if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
		t.Fatalf("want one BAD_USER_INPUT error, got HTTP %d, errors %v\nbody: %s", r.Status, r.codes(), truncate(r.Body))
	}
	if !r.dataIsNull() {
		t.Fatalf("data = %s, want none: the operation must not run", truncate(r.Data))
	}
	return r.Errors[0].Message
}

// doublingFragments returns a document whose fragment i spreads fragment
// i+1 twice, levels deep: 2^levels fields once expanded.
func doublingFragments(levels int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { me { subject } }\n", levels)
	return b.String()
}

// aliased returns a query selecting field n times under aliases a0….
func aliased(n int, field string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	b.WriteString("}")
	return b.String()
}

// TestDocumentLimits: the denial-of-service shapes of GraphQL documents are
// refused before validation, within milliseconds, with or without a token;
// what every limit leaves room for still runs.
func TestDocumentLimits(t *testing.T) {
	e := newEnv(t, app.Limits{})
	ci := e.createCI(t, map[string]any{"name": "dos-app", "type": "APPLICATION"})
	id := ci.ID

	many := func(n int, s string) string { return strings.Repeat(s+" ", n) }
	fragments := func(n int, body string) string {
		var b strings.Builder
		b.WriteString("query {")
		for i := range n {
			fmt.Fprintf(&b, " ...R%d", i)
		}
		b.WriteString(" }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment R%d on Query { %s }\n", i, body)
		}
		return b.String()
	}
	refused := []struct {
		name, token, query, want string
	}{
		{"fragment doubling, 40 levels, no token", "", doublingFragments(40), "fields"},
		{"fragment doubling, 20 levels", e.analyst, doublingFragments(20), "fields"},
		{"repeated __typename, 4,900 times", "", "{ " + many(4900, "__typename") + "}", `"__typename"`},
		{"repeated __typename, 14,000 times", "", "{ " + many(14000, "__typename") + "}", "tokens"},
		{"one field repeated through 25 fragments", e.analyst, fragments(25, "me { subject }"), `"me"`},
		{"200 aliases of a deep impact analysis", e.analyst, aliased(200, `impactAnalysis(input: {ciIds: ["`+id+`"], maxDepth: 20}) { counts { total } }`), "aliased"},
		{"1,000 aliases of an incident count", e.analyst, aliased(1000, "incidents { totalCount }"), "tokens"},
		{"31 aliases", e.analyst, aliased(31, "me { subject }"), "aliased"},
		{"aliases multiplied by fragments", e.analyst, "{ ...A ...B } fragment A on Query { ...C } fragment B on Query { ...C } fragment C on Query { " +
			strings.TrimSuffix(strings.TrimPrefix(aliased(16, "me { subject }"), "{ "), "}") + " }", "aliased"},
		{"60 directives", e.analyst, "{ me { " + many(60, "subject @include(if: true)") + "} }", "directives"},
		{"a fragment that spreads itself", "", "query { ...L } fragment L on Query { me { subject } ...L }", "itself"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			msg := e.refusedFast(t, tc.token, tc.query, nil)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not name %q", msg, tc.want)
			}
		})
	}

	t.Run("within the limits", func(t *testing.T) {
		e.ok(t, e.analyst, aliased(30, "me { subject }"), nil, nil)
		e.ok(t, e.analyst, doublingFragments(5), nil, nil)
		e.ok(t, e.analyst, "{ "+many(20, "__typename")+"}", nil, nil)
		e.ok(t, e.analyst, fragments(20, "me { subject }"), nil, nil)
		e.ok(t, e.analyst, "{ me { "+many(20, "subject @include(if: true) @skip(if: false)")+"} }", nil, nil)
	})

	t.Run("configured limits", func(t *testing.T) {
		tight := e.sibling(t, app.Limits{Request: limits.Request{MaxAliases: 2, MaxTokens: 100, MaxFieldRepeats: 2, MaxDirectives: 1, MaxFields: 5}})
		tight.ok(t, e.analyst, aliased(2, "me { subject }"), nil, nil)
		tight.refusedFast(t, e.analyst, aliased(3, "me { subject }"), nil)
		tight.refusedFast(t, e.analyst, "{ "+many(60, "__typename")+"}", nil)
		tight.refusedFast(t, e.analyst, "{ __typename __typename __typename }", nil)
		tight.refusedFast(t, e.analyst, "{ me { subject @include(if: true) roles @include(if: true) } }", nil)
		tight.refusedFast(t, e.analyst, doublingFragments(3), nil)
	})
}

// TestCostModel: graph analyses and lists weigh what they cost the
// database, so a request cannot run more than a few deep analyses or
// hundreds of lists, however it spells them.
func TestCostModel(t *testing.T) {
	e := newEnv(t, app.Limits{})
	a := e.createCI(t, map[string]any{"name": "cost-a", "type": "APPLICATION"})
	b := e.createCI(t, map[string]any{"name": "cost-b", "type": "SERVER"})
	e.relate(t, a.ID, "RUNS_ON", b.ID)
	impactQ := `impactAnalysis(input: {ciIds: ["` + b.ID + `"], maxDepth: 20}) { counts { total } }`
	manyAliases := e.sibling(t, app.Limits{Request: limits.Request{MaxAliases: 1000}})
	dependentsQ := `dependents(id: "` + b.ID + `", depth: 20) { items { distance item { id } } }`

	for _, tc := range []struct {
		name  string
		query string
	}{
		{"10 impact analyses of 20 hops", aliased(10, impactQ)},
		{"30 dependents of 20 hops", aliased(30, dependentsQ)},
		{"600 incident counts", aliased(600, "incidents { totalCount }")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Aliases are capped too; lift that cap to see the cost model alone.
			msg := manyAliases.refusedFast(t, e.analyst, tc.query, nil)
			if !strings.Contains(msg, "complexity") {
				t.Errorf("message %q does not say the query is too complex", msg)
			}
		})
	}

	t.Run("what a screen asks for runs", func(t *testing.T) {
		var out map[string]struct {
			Counts struct{ Total int } `json:"counts"`
		}
		e.ok(t, e.analyst, aliased(3, impactQ), nil, &out)
		if len(out) != 3 || out["a0"].Counts.Total == 0 || out["a1"] != out["a0"] || out["a2"] != out["a0"] {
			t.Errorf("three analyses answered %+v, want the same impact three times", out)
		}
		e.ok(t, e.analyst, `{ configurationItems(first: 100) { totalCount edges { node { id name relationships(first: 12) { type target { id name } } } } } }`, nil, nil)
	})
}

// TestRequestDatabaseBudget: one request runs at most MAX_REQUEST_TRANSACTIONS
// transactions; past that its fields fail with BAD_USER_INPUT saying why,
// and the next request has a budget of its own.
func TestRequestDatabaseBudget(t *testing.T) {
	e := newEnv(t, app.Limits{})
	ci := e.createCI(t, map[string]any{"name": "budget-ci", "type": "SERVER"})
	small := e.sibling(t, app.Limits{Request: limits.Request{MaxTransactions: 3, MaxConcurrentTransactions: 1}})
	query := aliased(6, `node(id: "`+ci.ID+`") { ... on ConfigurationItem { name } }`)

	for round := range 2 {
		r := small.gql(t, e.analyst, query, nil)
		var data map[string]*struct{ Name string }
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatalf("round %d: data %s: %v", round, r.Data, err)
		}
		answered := 0
		for _, v := range data {
			if v != nil && v.Name == "budget-ci" {
				answered++
			}
		}
		if answered != 3 || len(r.Errors) != 3 {
			t.Fatalf("round %d: %d fields answered and errors %v, want 3 and 3 BAD_USER_INPUT\nbody: %s", round, answered, r.codes(), truncate(r.Body))
		}
		for _, er := range r.Errors {
			if er.Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(er.Message, "database transactions") {
				t.Errorf("round %d: error %q (%s), want BAD_USER_INPUT about the transaction budget", round, er.Message, er.Extensions.Code)
			}
		}
	}
	// The default budget leaves room for the same request.
	e.ok(t, e.analyst, query, nil, nil)
}

// TestSubscriptionLimits: a subscription outside a WebSocket is refused at
// once instead of holding the request open, and one connection runs at most
// MAX_SUBSCRIPTIONS_PER_CONNECTION operations at once.
func TestSubscriptionLimits(t *testing.T) {
	e := newEnv(t, app.Limits{Request: limits.Request{MaxSubscriptions: 3}})

	t.Run("over POST", func(t *testing.T) {
		msg := e.refusedFast(t, e.analyst, changedSubscription, nil)
		if !strings.Contains(msg, "WebSocket") {
			t.Errorf("message %q does not point to the WebSocket", msg)
		}
	})

	t.Run("per connection", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := e.connectWS(t, ctx, "", map[string]any{"Authorization": "Bearer " + e.analyst})
		c.expectAck(t)
		// Operations start concurrently: any one of the four may be the
		// one over the limit. It is answered with an error, then complete.
		live := map[string]bool{"s0": true, "s1": true, "s2": true, "s3": true}
		for id := range live {
			c.subscribe(t, id, changedSubscription, nil)
		}
		m := c.next(t, refusalWait)
		errs := subscriptionErrors(t, m, m.ID)
		if len(errs) != 1 || errs[0].Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(errs[0].Message, "3 operations") {
			t.Fatalf("errors %+v, want one BAD_USER_INPUT naming the limit of 3", errs)
		}
		delete(live, m.ID)
		if done := c.next(t, refusalWait); done.Type != "complete" || done.ID != m.ID {
			t.Fatalf("got %s %q, want complete for the refused %s", done.Type, done.ID, m.ID)
		}
		if extra, ok := c.tryNext(t, 300*time.Millisecond); ok {
			t.Fatalf("only one subscription may be refused; got %s %s for %q", extra.Type, extra.Payload, extra.ID)
		}

		// Completing one frees its place (at once or a moment after the
		// server confirms; a refused try answers complete at once).
		var gone string
		for id := range live {
			gone = id
			break
		}
		delete(live, gone)
		c.send(t, wsMsg{ID: gone, Type: "complete"})
		deadline := time.Now().Add(refusalWait)
		accepted := ""
		for attempt := 0; accepted == ""; attempt++ {
			if time.Now().After(deadline) {
				t.Fatalf("no subscription accepted within %s of completing one", refusalWait)
			}
			id := fmt.Sprint("again", attempt)
			c.subscribe(t, id, changedSubscription, nil)
			refused := false
			for !refused {
				m, ok := c.tryNext(t, 300*time.Millisecond)
				if !ok {
					break
				}
				refused = m.ID == id && m.Type == "complete"
			}
			if !refused {
				accepted = id
			}
		}
		live[accepted] = true

		updated := e.createCI(t, map[string]any{"name": "after-limit", "type": "SERVER"})
		seen := map[string]bool{}
		for len(seen) < len(live) {
			m := c.next(t, 10*time.Second)
			if m.Type == "next" && event(t, m, m.ID).ID == updated.ID {
				seen[m.ID] = true
			}
		}
		for id := range live {
			if !seen[id] {
				t.Errorf("live subscription %s got no event (events reached %v)", id, seen)
			}
		}
		if seen[gone] {
			t.Errorf("the completed subscription %s still delivered events", gone)
		}
	})
}
