package tests

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/demo"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// serverProcess is the server run as its own process, the way a person
// runs it, against the test database.
type serverProcess struct {
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
}

var graphQLURL = regexp.MustCompile(`GraphQL:\s+(http://\S+)/graphql`)

// startServer runs name with args in the repository root, with the test
// database and the tests' token settings, waits until it serves, and stops
// it (with Ctrl-C, as a person would) when the test ends. extra adds to
// or overrides the environment.
func startServer(t *testing.T, name string, args []string, extra ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = ".."
	cmd.Env = serverEnv(t, extra...)
	// Its own process group, so that Ctrl-C reaches the script and the
	// server it starts, and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &serverProcess{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	outR, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		_, _ = io.Copy(p.stdout, bufio.NewReader(outR))
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s stdout:\n%s\nstderr:\n%s", name, p.stdout.String(), p.stderr.String())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(p.stderr.String(), `"msg":"serving"`) {
		select {
		case <-exited:
			t.Fatalf("%s exited before serving", name)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start serving within 3 minutes", name)
		}
	}
	m := graphQLURL.FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("%s printed no GraphQL URL", name)
	}
	p.url = m[1]
	return p
}

// at returns a copy of e that sends its requests to the server process.
func (e *env) at(p *serverProcess) *env {
	c := *e
	c.url = p.url
	return &c
}

var adminLogin = regexp.MustCompile(`Admin login: admin / (\S+)`)

// TestRunAgainstExistingNeo4jLoadsNoDemo: `make run` (scripts/run) with
// NEO4J_URI set serves that database as it is: no demo CMDB, no accounts,
// and no admin with the well-known demo password.
func TestRunAgainstExistingNeo4jLoadsNoDemo(t *testing.T) {
	e := newEnv(t, app.Limits{})
	p := startServer(t, "scripts/run", nil)
	served := e.at(p)
	if out := p.stdout.String(); strings.Contains(out, "Admin login") || strings.Contains(out, "demo") {
		t.Errorf("scripts/run printed demo credentials or data against an existing Neo4j:\n%s", out)
	}
	if n := served.ciTotal(t); n != 0 {
		t.Errorf("%d CIs in the database after scripts/run, want 0", n)
	}
	if n := served.userTotal(t); n != 0 {
		t.Errorf("%d user accounts in the database after scripts/run, want 0", n)
	}
	served.fail(t, "", loginMutation, map[string]any{"in": map[string]any{"username": "admin", "password": "demo-admin-password"}}, "UNAUTHENTICATED")
}

// TestDemoAdminPasswordIsFreshAndRandom: where demo data is loaded (the
// local database), the admin password is random, printed at start, and a
// new one at every start; the old well-known password never works.
func TestDemoAdminPasswordIsFreshAndRandom(t *testing.T) {
	e := newEnv(t, app.Limits{})
	bin := buildServer(t)
	var previous string
	for start := range 2 {
		p := startServer(t, bin, []string{"serve"}, "DEMO_DATA=true")
		served := e.at(p)
		m := adminLogin.FindStringSubmatch(p.stdout.String())
		if m == nil {
			t.Fatalf("start %d printed no admin login:\n%s", start+1, p.stdout.String())
		}
		password := m[1]
		if password == "demo-admin-password" || len(password) < 16 || password == previous {
			t.Errorf("start %d printed admin password %q; want a fresh random one of at least 16 characters", start+1, password)
		}
		if start == 0 && served.ciTotal(t) == 0 {
			t.Error("the demo CMDB was not loaded into the empty database")
		}
		served.ok(t, "", loginMutation, map[string]any{"in": map[string]any{"username": demo.AdminUsername, "password": password}}, nil)
		for _, stale := range []string{"demo-admin-password", previous} {
			if stale != "" {
				served.fail(t, "", loginMutation, map[string]any{"in": map[string]any{"username": demo.AdminUsername, "password": stale}}, "UNAUTHENTICATED")
			}
		}
		previous = password
	}
}

// serverEnv is the environment the binary runs with in tests: the test
// database, the tests' token secret, any free port, and extra.
func serverEnv(t *testing.T, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "DEMO_DATA" && !strings.HasPrefix(k, "NEO4J_") && !strings.HasPrefix(k, "JWT_") && k != "ADDR" {
			env = append(env, kv)
		}
	}
	return append(env, append([]string{
		"NEO4J_URI=" + neo4jtest.Config(t).URI, "JWT_SECRET=" + string(testSecret), "ADDR=127.0.0.1:0",
	}, extra...)...)
}

// buildServer builds the server binary into a temporary directory and
// returns its path.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "itsm")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
