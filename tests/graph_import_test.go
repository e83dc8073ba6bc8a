package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/limits"
)

const importMutation = `
mutation($in: ImportConfigurationItemsInput!) {
  importConfigurationItems(input: $in) {
    created updated unchanged relationshipsCreated relationshipsUnchanged notSeenCount notSeen notSeenItems { id externalId name }
    errors { row kind field message }
  }
}`

type importReport struct {
	Created                int      `json:"created"`
	Updated                int      `json:"updated"`
	Unchanged              int      `json:"unchanged"`
	RelationshipsCreated   int      `json:"relationshipsCreated"`
	RelationshipsUnchanged int      `json:"relationshipsUnchanged"`
	NotSeenCount           int      `json:"notSeenCount"`
	NotSeen                []string `json:"notSeen"`
	NotSeenItems           []struct {
		ID, ExternalID, Name string
	} `json:"notSeenItems"`
	Errors []struct {
		Row     int     `json:"row"`
		Kind    string  `json:"kind"`
		Field   *string `json:"field"`
		Message string  `json:"message"`
	} `json:"errors"`
}

// counts renders the numbers of a report.
func (r importReport) counts() string {
	return fmt.Sprintf("created %d updated %d unchanged %d relationshipsCreated %d relationshipsUnchanged %d notSeenCount %d",
		r.Created, r.Updated, r.Unchanged, r.RelationshipsCreated, r.RelationshipsUnchanged, r.NotSeenCount)
}

// rowErrors renders the errors as "I5:externalId" / "R6:type".
func (r importReport) rowErrors(t testing.TB) []string {
	t.Helper()
	out := []string{}
	for _, e := range r.Errors {
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("row error %s %d has no message", e.Kind, e.Row)
		}
		out = append(out, fmt.Sprintf("%s%d:%s", e.Kind[:1], e.Row, deref(e.Field)))
	}
	return out
}

func (e *env) importFeed(t testing.TB, token string, in map[string]any) importReport {
	t.Helper()
	var out struct {
		ImportConfigurationItems importReport `json:"importConfigurationItems"`
	}
	e.ok(t, token, importMutation, map[string]any{"in": in}, &out)
	return out.ImportConfigurationItems
}

// sourceCIs reads the CIs of a discovery source by external id.
func (e *env) sourceCIs(t testing.TB, source string) map[string]ciData {
	t.Helper()
	var out struct {
		ConfigurationItems struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node ciData `json:"node"`
			} `json:"edges"`
		} `json:"configurationItems"`
	}
	e.ok(t, e.analyst, `query($s: String, $st: [CIStatus!]) { configurationItems(filter: {source: $s, statuses: $st}, first: 100) { totalCount edges { node { ...CIFields } } } }`+ciFields,
		map[string]any{"s": source, "st": allStatuses}, &out)
	m := map[string]ciData{}
	for _, ed := range out.ConfigurationItems.Edges {
		m[deref(ed.Node.ExternalID)] = ed.Node
	}
	if len(m) != out.ConfigurationItems.TotalCount {
		t.Fatalf("source %s: %d CIs read of %d", source, len(m), out.ConfigurationItems.TotalCount)
	}
	return m
}

// TestImportOverHTTP imports a discovery feed with valid and invalid rows,
// re-imports it, changes it, and checks what landed, the history, and that
// imported relationships carry impact; then the limits and roles.
func TestImportOverHTTP(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	const source = "scanner-e2e"
	type m = map[string]any
	attr := func(k string, v any) []m { return []m{{"key": k, "value": v}} }
	items := []m{
		{"externalId": "sw", "name": "switch", "type": "NETWORK_DEVICE"},                                             // 1
		{"externalId": "h1", "name": "host-1", "type": "SERVER", "attributes": attr("ram", "64")},                    // 2
		{"externalId": "h2", "name": "host-2", "type": "SERVER", "location": "rack 2"},                               // 3
		{"externalId": "pool", "name": "pool", "type": "CLUSTER", "redundancyMinimumUp": 1},                          // 4
		{"externalId": "", "name": "no id", "type": "SERVER"},                                                        // 5: externalId
		{"externalId": "h1", "name": "dup", "type": "SERVER"},                                                        // 6: externalId
		{"externalId": "app", "name": "app", "type": "APPLICATION", "criticality": "HIGH", "environment": "STAGING"}, // 7
		{"externalId": "long", "name": strings.Repeat("x", 201), "type": "APPLICATION"},                              // 8: name
		{"externalId": "gone", "name": "gone", "type": "SERVER", "status": "RETIRED"},                                // 9: status
		{"externalId": "grp0", "name": "grp0", "type": "CLUSTER", "redundancyMinimumUp": 0},                          // 10: redundancyMinimumUp
		{"externalId": "badattr", "name": "badattr", "type": "SERVER", "attributes": attr("1bad", "x")},              // 11: attributes
		{"externalId": "badkey", "name": "badkey", "type": "SERVER", "attributes": attr("bad key", "x")},             // 12: attributes
		{"externalId": "desc", "name": "desc", "type": "SERVER", "description": strings.Repeat("d", 4001)},           // 13: description
		// Values the schema's enums would refuse for the whole call are
		// refused by row.
		{"externalId": "t", "name": "t", "type": "SERVR"},                           // 14: type
		{"externalId": "e", "name": "e", "type": "SERVER", "environment": "PROD"},   // 15: environment
		{"externalId": "c", "name": "c", "type": "SERVER", "criticality": "SEVERE"}, // 16: criticality
		{"externalId": "s", "name": "s", "type": "SERVER", "status": "UP"},          // 17: status
	}
	rels := []m{
		{"sourceExternalId": "h1", "type": "CONNECTS_TO", "targetExternalId": "sw"},    // 1
		{"sourceExternalId": "h2", "type": "CONNECTS_TO", "targetExternalId": "sw"},    // 2
		{"sourceExternalId": "h1", "type": "MEMBER_OF", "targetExternalId": "pool"},    // 3
		{"sourceExternalId": "h2", "type": "MEMBER_OF", "targetExternalId": "pool"},    // 4
		{"sourceExternalId": "app", "type": "RUNS_ON", "targetExternalId": "pool"},     // 5
		{"sourceExternalId": "app", "type": "LIKES", "targetExternalId": "pool"},       // 6: type
		{"sourceExternalId": "app", "type": "RUNS_ON", "targetExternalId": "ghost"},    // 7: unknown target
		{"sourceExternalId": "app", "type": "MEMBER_OF", "targetExternalId": "sw"},     // 8: not a group
		{"sourceExternalId": "app", "type": "RUNS_ON", "targetExternalId": "app"},      // 9: itself
		{"sourceExternalId": "h1", "type": "CONNECTS_TO", "targetExternalId": "sw"},    // 10: repeated
		{"sourceExternalId": "ghost", "type": "DEPENDS_ON", "targetExternalId": "app"}, // 11: unknown source
		{"sourceExternalId": "app", "type": "CONSUMES", "targetExternalId": "sw"},      // 12: catalogue type
		{"sourceExternalId": "app", "type": "DEPENDS_ON", "targetExternalId": "long"},  // 13: a refused row
		{"sourceExternalId": "app", "type": "IMPACTS", "targetExternalId": "sw"},       // 14: internal type
	}
	wantErrors := []string{
		"I5:externalId", "I6:externalId", "I8:name", "I9:status", "I10:redundancyMinimumUp", "I11:attributes", "I12:attributes", "I13:description",
		"I14:type", "I15:environment", "I16:criticality", "I17:status",
		"R6:type", "R7:targetExternalId", "R8:targetExternalId", "R9:targetExternalId", "R11:sourceExternalId", "R12:type", "R13:targetExternalId", "R14:type",
	}
	feed := m{"source": source, "items": items, "relationships": rels}

	rep := e.importFeed(t, e.cm, feed)
	if got, want := rep.counts(), "created 5 updated 0 unchanged 0 relationshipsCreated 5 relationshipsUnchanged 1 notSeenCount 0"; got != want {
		t.Errorf("first import: %s, want %s", got, want)
	}
	equalStrings(t, "first import errors", rep.rowErrors(t), wantErrors)
	equalStrings(t, "first import notSeen", rep.NotSeen, []string{})

	cis := e.sourceCIs(t, source)
	if len(cis) != 5 {
		t.Fatalf("source has %d CIs, want 5: %v", len(cis), cis)
	}
	for ext, c := range cis {
		w.remember(c.Name, c.ID, "CONFIGURATION_ITEM")
		if deref(c.Source) != source || c.Version != 1 || c.Status != "ACTIVE" || deref(c.CreatedBy) != subjCM {
			t.Errorf("%s: source %s version %d status %s createdBy %s", ext, deref(c.Source), c.Version, c.Status, deref(c.CreatedBy))
		}
	}
	if c := cis["app"]; c.Name != "app" || c.Type != "APPLICATION" || c.Criticality != "HIGH" || c.Environment != "STAGING" {
		t.Errorf("app = %+v", c)
	}
	if c := cis["sw"]; c.Type != "NETWORK_DEVICE" || c.Criticality != "MEDIUM" || c.Environment != "PRODUCTION" {
		t.Errorf("switch = %+v", c)
	}
	if c := cis["h1"]; len(c.Attributes) != 1 || c.Attributes[0] != (attribute{"ram", "64"}) {
		t.Errorf("host-1 attributes = %+v", c.Attributes)
	}
	if c := cis["h2"]; deref(c.Location) != "rack 2" {
		t.Errorf("host-2 location = %s", deref(c.Location))
	}
	if r := cis["pool"].Redundancy; r == nil || r.MinimumUp != 1 || len(r.Members) != 2 {
		t.Errorf("pool redundancy = %+v", r)
	}
	// History: each CI was created, and each new relationship recorded on both ends.
	wantHistory := map[string][]string{
		"sw":   {"RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "CREATED"},
		"h1":   {"RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "CREATED"},
		"h2":   {"RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "CREATED"},
		"pool": {"RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "RELATIONSHIP_ADDED", "CREATED"},
		"app":  {"RELATIONSHIP_ADDED", "CREATED"},
	}
	wantRels := map[string]int{"sw": 2, "h1": 2, "h2": 2, "pool": 3, "app": 1}
	snaps := map[string]ciSnapshot{}
	for ext, c := range cis {
		s := e.snapshot(t, c.ID)
		snaps[ext] = s
		var actions []string
		for _, h := range s.history {
			actions = append(actions, h.Action)
			if h.Actor != subjCM {
				t.Errorf("%s: history by %q, want %q", ext, h.Actor, subjCM)
			}
		}
		equalStrings(t, ext+" history", actions, wantHistory[ext])
		if s.rels != wantRels[ext] {
			t.Errorf("%s has %d relationships, want %d", ext, s.rels, wantRels[ext])
		}
	}
	// A feed's entries (derived from what it created) are nodes like any.
	for _, h := range snaps["pool"].history {
		var out struct {
			Node historyEntry `json:"node"`
		}
		e.ok(t, e.analyst, `query($id: ID!) { node(id: $id) { ... on CIHistoryEntry { id actor action at changes { field before after } } } }`,
			map[string]any{"id": h.ID}, &out)
		if !equalJSON(t, out.Node, h) {
			t.Errorf("node(id: %s) = %+v, in the history %+v", h.ID, out.Node, h)
		}
	}

	t.Run("re-import is idempotent", func(t *testing.T) {
		again := e.importFeed(t, e.cm, feed)
		if got, want := again.counts(), "created 0 updated 0 unchanged 5 relationshipsCreated 0 relationshipsUnchanged 6 notSeenCount 0"; got != want {
			t.Errorf("second import: %s, want %s", got, want)
		}
		equalStrings(t, "second import errors", again.rowErrors(t), wantErrors)
		for _, s := range snaps {
			e.assertUnchanged(t, s)
		}
		if n := len(e.sourceCIs(t, source)); n != 5 {
			t.Errorf("source has %d CIs after re-import, want 5", n)
		}
	})

	t.Run("a changed row updates with history; reportNotSeen", func(t *testing.T) {
		changed := m{"source": source, "reportNotSeen": true, "items": []m{
			{"externalId": "sw", "name": "switch", "type": "NETWORK_DEVICE"},
			{"externalId": "h1", "name": "host-1", "type": "SERVER", "attributes": attr("ram", "128")},
			{"externalId": "h2", "name": "host-2", "type": "SERVER"},
			{"externalId": "pool", "name": "pool", "type": "CLUSTER"},
		}}
		rep := e.importFeed(t, e.cm, changed)
		if got, want := rep.counts(), "created 0 updated 1 unchanged 3 relationshipsCreated 0 relationshipsUnchanged 0 notSeenCount 1"; got != want {
			t.Errorf("changed import: %s, want %s", got, want)
		}
		equalStrings(t, "changed import errors", rep.rowErrors(t), []string{})
		equalStrings(t, "notSeen", rep.NotSeen, []string{cis["app"].ID})
		if n := rep.NotSeenItems; len(n) != 1 || n[0].ID != cis["app"].ID || n[0].ExternalID != "app" || n[0].Name == "" {
			t.Errorf("notSeenItems %+v", n)
		}

		h1 := e.snapshot(t, cis["h1"].ID)
		if h1.ci.Version != 2 || len(h1.ci.Attributes) != 1 || h1.ci.Attributes[0].Value != "128" {
			t.Errorf("host-1 after the change: %+v", h1.ci)
		}
		if len(h1.history) != 4 {
			t.Fatalf("host-1 has %d history entries, want 4", len(h1.history))
		}
		top := h1.history[0]
		if top.Action != "UPDATED" || top.Actor != subjCM || changesString(top.Changes) != changesString([]fieldChange{{Field: "attributes.ram", Before: jsonText("64"), After: jsonText("128")}}) {
			t.Errorf("host-1 newest history entry = %+v (%s)", top, changesString(top.Changes))
		}
		for _, ext := range []string{"sw", "h2", "pool", "app"} {
			e.assertUnchanged(t, snaps[ext])
		}
		// Without reportNotSeen nothing is reported.
		rep = e.importFeed(t, e.cm, m{"source": source, "items": []m{{"externalId": "sw", "name": "switch", "type": "NETWORK_DEVICE"}}})
		if got, want := rep.counts(), "created 0 updated 0 unchanged 1 relationshipsCreated 0 relationshipsUnchanged 0 notSeenCount 0"; got != want || len(rep.NotSeen) != 0 {
			t.Errorf("import without reportNotSeen: %s %v, want %s", got, rep.NotSeen, want)
		}
	})

	t.Run("imported relationships carry impact", func(t *testing.T) {
		res := w.runImpact(t, impactCase{starts: []string{"switch"},
			want:  []string{"host-1:1:DOWN", "host-2:1:DOWN", "pool:2:DOWN", "app:3:DOWN"},
			edges: []string{"host-1-CONNECTS_TO->switch", "host-2-CONNECTS_TO->switch", "host-1-MEMBER_OF->pool", "host-2-MEMBER_OF->pool", "app-RUNS_ON->pool"}})
		// app is reached through either host: both paths are shortest.
		if len(res.Impacted) != 4 {
			return
		}
		if p := w.path(res.Impacted[3].Path); p != "host-1-CONNECTS_TO->switch host-1-MEMBER_OF->pool app-RUNS_ON->pool" &&
			p != "host-2-CONNECTS_TO->switch host-2-MEMBER_OF->pool app-RUNS_ON->pool" {
			t.Errorf("path to app = %s", p)
		}
		w.runImpact(t, impactCase{starts: []string{"host-1"}, want: []string{"pool:1:DEGRADED", "app:2:DEGRADED"}})
		w.runImpact(t, impactCase{starts: []string{"host-1", "host-2"}, want: []string{"pool:1:DOWN", "app:2:DOWN"}})
	})

	t.Run("a feed cannot bring back a retired CI", func(t *testing.T) {
		a := e.snapshot(t, cis["app"].ID)
		e.retireCI(t, a.ci.ID, a.ci.Version, "gone from the feed")
		retired := e.snapshot(t, a.ci.ID)
		rep := e.importFeed(t, e.cm, m{"source": source,
			"items":         []m{{"externalId": "app", "name": "app", "type": "APPLICATION"}},
			"relationships": []m{{"sourceExternalId": "app", "type": "RUNS_ON", "targetExternalId": "pool"}, {"sourceExternalId": "app", "type": "USES", "targetExternalId": "sw"}}})
		if got, want := rep.counts(), "created 0 updated 0 unchanged 0 relationshipsCreated 0 relationshipsUnchanged 0 notSeenCount 0"; got != want {
			t.Errorf("import of a retired CI: %s, want %s", got, want)
		}
		equalStrings(t, "errors", rep.rowErrors(t), []string{"I1:externalId", "R1:sourceExternalId", "R2:sourceExternalId"})
		e.assertUnchanged(t, retired)
	})

	t.Run("limits and roles write nothing", func(t *testing.T) {
		before := e.ciTotal(t)
		beforeSnaps := map[string]ciSnapshot{}
		for ext, c := range cis {
			beforeSnaps[ext] = e.snapshot(t, c.ID)
		}
		tooMany := make([]m, 5001)
		for i := range tooMany {
			tooMany[i] = m{"externalId": fmt.Sprintf("bulk-%d", i), "name": fmt.Sprintf("bulk-%d", i), "type": "SERVER"}
		}
		r := e.fail(t, e.cm, importMutation, m{"in": m{"source": "bulk", "items": tooMany}}, "BAD_USER_INPUT")
		if !r.fieldIsNull("importConfigurationItems") {
			t.Errorf("data = %s", r.Data)
		}
		if f := r.Errors[0].Extensions.Field; f != "items" {
			t.Errorf("field = %q, want items", f)
		}

		// 20001 relationships need a bigger body than the default limit.
		big := e.sibling(t, app.Limits{Request: limits.Request{MaxBodyBytes: 8 << 20}})
		manyRels := make([]m, 20001)
		for i := range manyRels {
			manyRels[i] = m{"sourceExternalId": "a", "type": "USES", "targetExternalId": fmt.Sprintf("b%d", i)}
		}
		big.fail(t, e.cm, importMutation, m{"in": m{"source": "bulk", "items": []m{{"externalId": "a", "name": "a", "type": "SERVER"}}, "relationships": manyRels}}, "BAD_USER_INPUT")

		one := m{"in": m{"source": "bulk", "items": []m{{"externalId": "a", "name": "a", "type": "SERVER"}}}}
		e.fail(t, e.cm, importMutation, m{"in": m{"source": "", "items": []m{{"externalId": "a", "name": "a", "type": "SERVER"}}}}, "BAD_USER_INPUT")
		e.fail(t, e.cm, importMutation, m{"in": m{"source": strings.Repeat("s", 101), "items": []m{{"externalId": "a", "name": "a", "type": "SERVER"}}}}, "BAD_USER_INPUT")
		// An unknown class refuses its row, not the call.
		if rep := e.importFeed(t, e.cm, m{"source": "bulk", "items": []m{{"externalId": "a", "name": "a", "type": "TOASTER"}}}); rep.Created != 0 {
			t.Errorf("a TOASTER was imported: %s", rep.counts())
		} else {
			equalStrings(t, "unknown class", rep.rowErrors(t), []string{"I1:type"})
		}
		for _, tok := range []string{e.analyst, e.agent, e.requester, w.owner} {
			r := e.fail(t, tok, importMutation, one, "FORBIDDEN")
			if p := r.Errors[0].Path; len(p) != 1 || p[0] != "importConfigurationItems" {
				t.Errorf("error path = %v", p)
			}
		}
		e.fail(t, "", importMutation, one, "UNAUTHENTICATED")
		// The same feed by the admin lands (the refusals were not about the feed).
		if n := e.ciTotal(t); n != before {
			t.Errorf("CI count changed from %d to %d", before, n)
		}
		for _, s := range beforeSnaps {
			e.assertUnchanged(t, s)
		}
		if got := e.importFeed(t, e.admin, one["in"].(m)); got.Created != 1 {
			t.Errorf("ADMIN import: %s", got.counts())
		}
		if n := e.ciTotal(t); n != before+1 {
			t.Errorf("CI count %d after the ADMIN import, want %d", n, before+1)
		}
	})
}
