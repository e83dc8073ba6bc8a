package tests

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/demo"
)

// TestProblemDemoHasAKnownError: the demo data holds an open problem in
// KNOWN_ERROR, with its workaround, linked to two demo incidents.
func TestProblemDemoHasAKnownError(t *testing.T) {
	e := newEnv(t, app.Limits{})
	bin := filepath.Join(t.TempDir(), "itsm")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := startServer(t, bin, []string{"serve"}, "DEMO_DATA=true")
	served := e.at(p)
	m := adminLogin.FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("no admin login printed:\n%s", p.stdout.String())
	}
	var login struct {
		Login struct {
			Token string `json:"token"`
		} `json:"login"`
	}
	served.ok(t, "", loginMutation, map[string]any{"in": map[string]any{"username": demo.AdminUsername, "password": m[1]}}, &login)
	var out struct {
		KnownErrors struct {
			Edges []struct {
				Node struct {
					State      string  `json:"state"`
					Workaround *string `json:"workaround"`
					Incidents  []struct {
						ID         string   `json:"id"`
						ProblemIDs []string `json:"problemIds"`
					} `json:"incidents"`
					RootCauseConfigurationItem *named `json:"rootCauseConfigurationItem"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"knownErrors"`
	}
	served.ok(t, login.Login.Token, `{ knownErrors { edges { node { state workaround incidents { id problemIds } rootCauseConfigurationItem { id name } } } } }`, nil, &out)
	if len(out.KnownErrors.Edges) != 1 {
		t.Fatalf("demo known errors: %+v", out.KnownErrors)
	}
	ke := out.KnownErrors.Edges[0].Node
	if ke.State != "KNOWN_ERROR" || deref(ke.Workaround) == "<nil>" || len(ke.Incidents) != 2 || ke.RootCauseConfigurationItem == nil ||
		ke.RootCauseConfigurationItem.Name != "orders-db" || len(ke.Incidents[0].ProblemIDs) != 1 {
		t.Fatalf("demo known error: %+v", ke)
	}
}
