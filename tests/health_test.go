package tests

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// getJSON fetches path and decodes its JSON object body.
func (e *env) getJSON(t *testing.T, path, authorization string) (int, map[string]string) {
	t.Helper()
	resp, b := e.get(t, e.url, path, authorization)
	var out map[string]string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("GET %s: body %q is not a JSON object of strings: %v", path, b, err)
	}
	return resp.StatusCode, out
}

// TestHealth: /healthz answers while the process lives; /readyz answers 200
// only when the database is reachable and migrated.
func TestHealth(t *testing.T) {
	e := newEnv(t, app.Limits{})

	for _, authz := range []string{"", "Bearer garbage"} {
		status, body := e.getJSON(t, "/healthz", authz)
		if status != http.StatusOK || body["status"] != "ok" {
			t.Errorf("/healthz (Authorization %q) = %d %v, want 200 ok", authz, status, body)
		}
	}
	status, body := e.getJSON(t, "/readyz", "")
	if status != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("/readyz after migration = %d %v, want 200 ready", status, body)
	}

	// Without the migration record the server is alive but not ready.
	neo4jtest.Wipe(t, neo4jtest.Config(t))
	status, body = e.getJSON(t, "/readyz", "")
	if status != http.StatusServiceUnavailable || body["status"] != "unavailable" || body["reason"] == "" {
		t.Errorf("/readyz of an unmigrated database = %d %v, want 503 unavailable with a reason", status, body)
	}
	if status, body := e.getJSON(t, "/healthz", ""); status != http.StatusOK || body["status"] != "ok" {
		t.Errorf("/healthz of an unmigrated database = %d %v, want 200 ok", status, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := e.store.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	status, body = e.getJSON(t, "/readyz", "")
	if status != http.StatusOK || body["status"] != "ready" {
		t.Errorf("/readyz after migrating again = %d %v, want 200 ready", status, body)
	}
}
