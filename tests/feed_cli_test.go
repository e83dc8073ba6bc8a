package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

// TestFeedCommandNamesFileLines: the import command refuses a misspelt
// field on its line alone, reports refused rows by the file line a person
// opens, removes an attribute sent as null, and names what it did not see.
func TestFeedCommandNamesFileLines(t *testing.T) {
	e := newEnv(t, app.Limits{})
	bin := buildServer(t)
	run := func(lines ...string) string {
		t.Helper()
		file := filepath.Join(t.TempDir(), "feed.jsonl")
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "import", "-source", "disc", "-file", file, "-report-not-seen")
		cmd.Env = serverEnv(t)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run(
		`{"externalId":"a","name":"A","type":"SERVER","attributes":{"os":"linux","rack":"r1"}}`,
		``,
		`{"externalId":"b","name":"B","type":"SERVER","enviroment":"TEST"}`,
		`{"sourceExternalId":"a","type":"HOSTED_ON","targetExternalId":"c"}`,
		`{"externalId":"c","name":"C","type":"SERVER"}`,
		`{"externalId":"d","name":"D","type":"SERVR"}`,
		`{"sourceExternalId":"a","type":"HOSTED_ON","targetExternalId":"zz"}`,
	)
	for _, want := range []string{"created 2,", "relationships created 1,", "refused lines 3",
		`line 3: json: unknown field "enviroment"`, "line 6 (item 3): ", "line 7 (relationship 2): "} {
		if !strings.Contains(out, want) {
			t.Errorf("first import: no %q in\n%s", want, out)
		}
	}
	out = run(`{"externalId":"a","name":"A","type":"SERVER","attributes":{"os":null}}`)
	var a struct {
		ConfigurationItems struct {
			Edges []struct {
				Node struct {
					ID         string
					Attributes []struct{ Key, Value string }
				}
			}
		} `json:"configurationItems"`
	}
	e.ok(t, e.analyst, `{ configurationItems(filter: {source: "disc", nameContains: "C"}) { edges { node { id } } } }`, nil, &a)
	if len(a.ConfigurationItems.Edges) != 1 || !strings.Contains(out, "not seen: c "+a.ConfigurationItems.Edges[0].Node.ID+" (C)") {
		t.Errorf("second import does not name c as not seen:\n%s", out)
	}
	e.ok(t, e.analyst, `{ configurationItems(filter: {source: "disc", nameContains: "A"}) { edges { node { id attributes { key value } } } } }`, nil, &a)
	var keys []string
	for _, at := range a.ConfigurationItems.Edges[0].Node.Attributes {
		keys = append(keys, at.Key+"="+at.Value)
	}
	if !slices.Equal(keys, []string{"rack=r1"}) {
		t.Errorf("after os: null, attributes %v", keys)
	}
}
