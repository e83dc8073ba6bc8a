package tests

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// TestUpdateWithExpectedVersion: a current expectedVersion updates and
// records exactly what changed; a stale one is CONFLICT and writes nothing.
func TestUpdateWithExpectedVersion(t *testing.T) {
	e := newEnv(t, app.Limits{})
	ops := e.createGroup(t, "Ops")
	c := e.createCI(t, map[string]any{
		"name": "billing", "type": "APPLICATION", "status": "ACTIVE", "description": "old text", "location": "dc-1",
		"attributes": []map[string]any{{"key": "os", "value": "linux"}, {"key": "owner", "value": "team-a"}},
	})

	u := e.updateCI(t, map[string]any{
		"id": c.ID, "expectedVersion": 1,
		"name": "billing-v2", "status": "MAINTENANCE", "description": "", "ownerGroupId": ops,
		"attributes": []map[string]any{{"key": "os", "value": nil}, {"key": "env", "value": "prod"}, {"key": "owner", "value": "team-a"}},
	})
	if u.Version != 2 || u.Name != "billing-v2" || u.Status != "MAINTENANCE" || u.Description != nil || deref(u.Location) != "dc-1" ||
		u.OwnerGroup == nil || u.OwnerGroup.Name != "Ops" || !reflect.DeepEqual(u.Attributes, []attribute{{"env", "prod"}, {"owner", "team-a"}}) {
		t.Fatalf("updated CI = %+v", u)
	}
	if u.CreatedAt != c.CreatedAt || !parseTime(t, u.UpdatedAt).After(parseTime(t, c.UpdatedAt)) {
		t.Errorf("createdAt %s → %s, updatedAt %s → %s; want createdAt kept and updatedAt later", c.CreatedAt, u.CreatedAt, c.UpdatedAt, u.UpdatedAt)
	}
	s := e.snapshot(t, c.ID)
	if len(s.history) != 2 {
		t.Fatalf("history has %d entries, want 2", len(s.history))
	}
	h := s.history[0]
	want := []fieldChange{
		{"name", jsonText("billing"), jsonText("billing-v2")},
		{"status", jsonText("ACTIVE"), jsonText("MAINTENANCE")},
		{"description", jsonText("old text"), nil},
		{"ownerGroupId", nil, jsonText(ops)},
		{"attributes.env", nil, jsonText("prod")},
		{"attributes.os", jsonText("linux"), nil},
	}
	if h.Action != "UPDATED" || h.Actor != subjCM || !reflect.DeepEqual(h.Changes, want) {
		t.Errorf("newest entry %s by %s %s\nwant UPDATED by %s %s", h.Action, h.Actor, changesString(h.Changes), subjCM, changesString(want))
	}

	t.Run("stale expectedVersion", func(t *testing.T) {
		before := e.snapshot(t, c.ID)
		r := e.fail(t, e.cm, updateCIMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": 1, "name": "lost-update"}}, "CONFLICT")
		if !r.fieldIsNull("updateConfigurationItem") {
			t.Errorf("data = %s", r.Data)
		}
		e.assertUnchanged(t, before)
		e.fail(t, e.cm, updateCIMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": 3, "name": "future"}}, "CONFLICT")
		e.fail(t, e.cm, retireCIMutation, map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": 1}}, "CONFLICT")
		e.assertUnchanged(t, before)
		if got := e.snapshot(t, c.ID).ci.Name; got != "billing-v2" {
			t.Errorf("name = %q after stale writes, want billing-v2", got)
		}
	})

	t.Run("update that changes nothing", func(t *testing.T) {
		before := e.snapshot(t, c.ID)
		same := e.updateCI(t, map[string]any{"id": c.ID, "expectedVersion": 2, "name": "billing-v2", "location": "dc-1"})
		if same.Version != 2 {
			t.Errorf("version = %d after a no-op update, want 2", same.Version)
		}
		e.assertUnchanged(t, before)
	})

	t.Run("status back to ACTIVE", func(t *testing.T) {
		v := e.updateCI(t, map[string]any{"id": c.ID, "expectedVersion": 2, "status": "ACTIVE"})
		if v.Version != 3 || v.Status != "ACTIVE" {
			t.Errorf("after MAINTENANCE → ACTIVE: %+v", v)
		}
	})
}

// TestConcurrentUpdatesOneWins: eight updates with the same expectedVersion
// race through HTTP; exactly one wins, the others get CONFLICT, and nothing
// of the losers is written.
func TestConcurrentUpdatesOneWins(t *testing.T) {
	e := newEnv(t, app.Limits{})
	for round := 0; round < 3; round++ {
		c := e.createCI(t, map[string]any{"name": fmt.Sprintf("contended-%d", round), "type": "SERVER", "status": "ACTIVE"})
		const writers = 8
		resps := e.concurrently(t, writers, e.cm, updateCIMutation, func(i int) map[string]any {
			return map[string]any{"in": map[string]any{"id": c.ID, "expectedVersion": 1, "description": fmt.Sprintf("writer-%d", i)}}
		})

		winner := -1
		conflicts := 0
		for writer, r := range resps {
			switch {
			case len(r.Errors) == 0:
				if winner >= 0 {
					t.Errorf("round %d: writers %d and %d both succeeded with expectedVersion 1", round, winner, writer)
				}
				winner = writer
				var out struct {
					UpdateConfigurationItem struct {
						ConfigurationItem ciData `json:"configurationItem"`
					} `json:"updateConfigurationItem"`
				}
				if err := json.Unmarshal(r.Data, &out); err != nil {
					t.Fatal(err)
				}
				if v := out.UpdateConfigurationItem.ConfigurationItem.Version; v != 2 {
					t.Errorf("round %d: winner got version %d, want 2", round, v)
				}
			case len(r.Errors) == 1 && r.Errors[0].Extensions.Code == "CONFLICT":
				conflicts++
			default:
				t.Errorf("round %d: writer %d got errors %v, want success or CONFLICT", round, writer, r.codes())
			}
		}
		if winner < 0 || conflicts != writers-1 {
			t.Fatalf("round %d: winner %d, %d conflicts; want exactly one winner and %d conflicts", round, winner, conflicts, writers-1)
		}
		s := e.snapshot(t, c.ID)
		if s.ci.Version != 2 || deref(s.ci.Description) != fmt.Sprintf("writer-%d", winner) {
			t.Errorf("round %d: final version %d description %q; want 2 and writer-%d", round, s.ci.Version, deref(s.ci.Description), winner)
		}
		if len(s.history) != 2 || s.history[0].Action != "UPDATED" ||
			!reflect.DeepEqual(s.history[0].Changes, []fieldChange{{"description", nil, jsonText(fmt.Sprintf("writer-%d", winner))}}) {
			t.Errorf("round %d: history %d entries, newest %s %s; want exactly one UPDATED by the winner", round, len(s.history), s.history[0].Action, changesString(s.history[0].Changes))
		}
	}
}

// TestIdempotentCreate: a retried create with the same idempotencyKey
// returns the first CI and creates nothing; reusing the key for another
// input is CONFLICT.
func TestIdempotentCreate(t *testing.T) {
	e := newEnv(t, app.Limits{})
	in := map[string]any{
		"name": "retry-me", "type": "VIRTUAL_MACHINE", "idempotencyKey": "req-0001",
		"attributes": []map[string]any{{"key": "cpu", "value": "4"}},
	}
	first := e.createCI(t, in)
	second := e.createCI(t, in)
	if second.ID != first.ID || second.Version != 1 || second.CreatedAt != first.CreatedAt {
		t.Fatalf("retry returned %s (v%d, %s), want the first CI %s (v1, %s)", second.ID, second.Version, second.CreatedAt, first.ID, first.CreatedAt)
	}
	if n := e.ciTotal(t); n != 1 {
		t.Fatalf("%d CIs after a retried create, want 1", n)
	}
	if s := e.snapshot(t, first.ID); len(s.history) != 1 {
		t.Errorf("history has %d entries after a retried create, want 1", len(s.history))
	}

	t.Run("same key, other input", func(t *testing.T) {
		before := e.snapshot(t, first.ID)
		other := map[string]any{"name": "retry-me-too", "type": "VIRTUAL_MACHINE", "idempotencyKey": "req-0001",
			"attributes": []map[string]any{{"key": "cpu", "value": "4"}}}
		e.fail(t, e.cm, createCIMutation, map[string]any{"in": other}, "CONFLICT")
		changedAttr := map[string]any{"name": "retry-me", "type": "VIRTUAL_MACHINE", "idempotencyKey": "req-0001",
			"attributes": []map[string]any{{"key": "cpu", "value": "8"}}}
		e.fail(t, e.cm, createCIMutation, map[string]any{"in": changedAttr}, "CONFLICT")
		if n := e.ciTotal(t); n != 1 {
			t.Errorf("%d CIs after reusing a key, want 1", n)
		}
		e.assertUnchanged(t, before)
	})

	t.Run("concurrent retries", func(t *testing.T) {
		in := map[string]any{"name": "burst", "type": "CONTAINER", "idempotencyKey": "req-burst"}
		const n = 5
		results := e.concurrently(t, n, e.cm, createCIMutation, func(int) map[string]any { return map[string]any{"in": in} })
		ids := map[string]int{}
		for i := range results {
			if len(results[i].Errors) > 0 {
				t.Errorf("request %d failed: %v (%s)", i, results[i].codes(), results[i].Errors[0].Message)
				continue
			}
			var out struct {
				CreateConfigurationItem struct {
					ConfigurationItem ciData `json:"configurationItem"`
				} `json:"createConfigurationItem"`
			}
			if err := json.Unmarshal(results[i].Data, &out); err != nil {
				t.Fatal(err)
			}
			ids[out.CreateConfigurationItem.ConfigurationItem.ID]++
		}
		if len(ids) != 1 {
			t.Errorf("concurrent retries returned ids %v, want one id for all %d", ids, n)
		}
		var list struct {
			ConfigurationItems struct {
				TotalCount int `json:"totalCount"`
			} `json:"configurationItems"`
		}
		e.ok(t, e.analyst, `{ configurationItems(filter: {nameContains: "burst"}) { totalCount } }`, nil, &list)
		if list.ConfigurationItems.TotalCount != 1 {
			t.Errorf("%d CIs named burst, want 1", list.ConfigurationItems.TotalCount)
		}
	})

	t.Run("a failed create does not use up its key", func(t *testing.T) {
		e.createCI(t, map[string]any{"name": "taken-source", "type": "SERVER", "source": "cmdbuild", "externalId": "e-1"})
		before := e.ciTotal(t)
		clash := map[string]any{"name": "clash", "type": "SERVER", "source": "cmdbuild", "externalId": "e-1", "idempotencyKey": "req-clash"}
		e.fail(t, e.cm, createCIMutation, map[string]any{"in": clash}, "CONFLICT")
		if n := e.ciTotal(t); n != before {
			t.Fatalf("CI count %d → %d after a refused create", before, n)
		}
		// Had the refused request kept the key, this other input would be
		// a key reuse (CONFLICT).
		fixed := map[string]any{"name": "clash", "type": "SERVER", "source": "cmdbuild", "externalId": "e-2", "idempotencyKey": "req-clash"}
		c := e.createCI(t, fixed)
		if again := e.createCI(t, fixed); again.ID != c.ID {
			t.Errorf("retry of the fixed request returned %s, want %s", again.ID, c.ID)
		}
		if n := e.ciTotal(t); n != before+1 {
			t.Errorf("CI count %d → %d, want one more", before, n)
		}
	})

	t.Run("keys belong to their caller", func(t *testing.T) {
		other := e.mint(t, "e2e-other-config-manager", "CONFIG_MANAGER")
		var out struct {
			CreateConfigurationItem struct {
				ConfigurationItem ciData `json:"configurationItem"`
			} `json:"createConfigurationItem"`
		}
		e.ok(t, other, createCIMutation, map[string]any{"in": in}, &out)
		if out.CreateConfigurationItem.ConfigurationItem.ID == first.ID {
			t.Errorf("another caller's request with the same key returned the first caller's CI")
		}
	})
}

func parseTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%q is not an RFC 3339 time: %v", s, err)
	}
	if v.Location() != time.UTC {
		t.Errorf("%q is not in UTC", s)
	}
	return v
}
