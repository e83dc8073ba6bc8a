package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/people"
)

// loginResult is one login answer with the time it took.
type loginResult struct {
	*gqlResponse
	took       time.Duration
	retryAfter int
}

func (l loginResult) code() string {
	if len(l.Errors) == 0 {
		return "OK"
	}
	return l.Errors[0].Extensions.Code
}

// login sends the login mutation, with an X-Forwarded-For header when
// forwardedFor is not empty; it is safe to call from goroutines.
func (e *env) login(username, password, forwardedFor string) (loginResult, error) {
	body, err := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"in": map[string]any{"username": username, "password": password}}})
	if err != nil {
		return loginResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return loginResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	start := time.Now()
	r, err := e.send(req)
	if err != nil {
		return loginResult{}, err
	}
	out := loginResult{gqlResponse: r, took: time.Since(start)}
	var ext struct {
		Errors []struct {
			Extensions struct {
				RetryAfter int `json:"retryAfter"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(r.Body, &ext) == nil && len(ext.Errors) > 0 {
		out.retryAfter = ext.Errors[0].Extensions.RetryAfter
	}
	return out, nil
}

// mustLogin is login that fails the test on transport errors and checks
// the error shape.
func (e *env) mustLogin(t *testing.T, username, password, forwardedFor string) loginResult {
	t.Helper()
	r, err := e.login(username, password, forwardedFor)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	checkErrors(t, r.gqlResponse)
	return r
}

// wantThrottled sends a login three times and checks each refusal:
// UNAVAILABLE with a retry delay in extensions.retryAfter and in the
// message, answered without a password check: the quickest of the three
// takes well under the quickest checked login (three, so that a busy test
// machine does not make one slow answer look like a check).
func wantThrottled(t *testing.T, send func() loginResult, checked time.Duration, mention string, maxRetry int) {
	t.Helper()
	quickest := time.Hour
	for range 3 {
		r := send()
		if r.code() != "UNAVAILABLE" {
			t.Fatalf("got %s, want UNAVAILABLE (body %s)", r.code(), truncate(r.Body))
		}
		msg := r.Errors[0].Message
		if !strings.Contains(msg, mention) || !strings.Contains(msg, fmt.Sprintf("try again in %d seconds", r.retryAfter)) {
			t.Errorf("message %q does not say %q and when to try again", msg, mention)
		}
		if r.retryAfter < 1 || r.retryAfter > maxRetry {
			t.Errorf("extensions.retryAfter = %d, want 1..%d", r.retryAfter, maxRetry)
		}
		if !r.dataIsNull() {
			t.Errorf("data = %s, want none", r.Data)
		}
		quickest = min(quickest, r.took)
	}
	if quickest > checked/2 {
		t.Errorf("the quickest refusal took %s, a checked login %s: the password was checked", quickest, checked)
	}
}

// TestLoginThrottledPerAccount: with the default limits a username gets 5
// failed logins; the next attempt, even with the right password, is
// refused at once with UNAVAILABLE and a retry delay, while other accounts
// from the same client still log in. Successful logins do not count.
func TestLoginThrottledPerAccount(t *testing.T) {
	e := newEnv(t, app.Limits{})
	for _, u := range []string{"bob", "carol", "dora"} {
		e.createUser(t, map[string]any{"username": u, "displayName": u, "roles": []string{"AGENT"}, "password": u + "-secret-password"})
	}
	for i := range 8 {
		if r := e.mustLogin(t, "dora", "dora-secret-password", ""); r.code() != "OK" {
			t.Fatalf("successful login %d of dora: %s (body %s)", i+1, r.code(), truncate(r.Body))
		}
	}
	checked := time.Hour
	for i := range 5 {
		r := e.mustLogin(t, "bob", fmt.Sprintf("wrong-password-%d", i), "")
		if r.code() != "UNAUTHENTICATED" {
			t.Fatalf("failed login %d: %s, want UNAUTHENTICATED (body %s)", i+1, r.code(), truncate(r.Body))
		}
		checked = min(checked, r.took)
	}
	wantThrottled(t, func() loginResult { return e.mustLogin(t, "bob", "bob-secret-password", "") }, checked, "too many failed logins for this username", 300)
	wantThrottled(t, func() loginResult { return e.mustLogin(t, "bob", "another-guess", "198.51.100.9") }, checked, "too many failed logins for this username", 300)
	if r := e.mustLogin(t, "carol", "carol-secret-password", ""); r.code() != "OK" {
		t.Errorf("carol from the same client: %s, want a token (body %s)", r.code(), truncate(r.Body))
	}
	// An unknown username is throttled the same way, so throttling does
	// not tell which usernames exist.
	for range 5 {
		e.mustLogin(t, "nobody-here", "some-password", "")
	}
	wantThrottled(t, func() loginResult { return e.mustLogin(t, "nobody-here", "some-password", "") }, checked, "too many failed logins for this username", 300)
}

// TestLoginThrottledPerClient: a client address gets LOGIN_CLIENT_BURST
// failed logins (5 here), whatever usernames it tries; then even a right
// password is refused from it. X-Forwarded-For is ignored unless the peer
// is a trusted proxy; behind one, each forwarded client counts on its own.
func TestLoginThrottledPerClient(t *testing.T) {
	e := newEnv(t, app.Limits{})
	e.createUser(t, map[string]any{"username": "erin", "displayName": "Erin", "roles": []string{"AGENT"}, "password": "erin-secret-password"})
	perClient := people.LoginLimits{ClientBurst: 5, ClientInterval: time.Hour, Queue: 32}
	spray := func(t *testing.T, srv *env, forwardedFor func(i int) string) time.Duration {
		t.Helper()
		checked := time.Hour
		for i := range 5 {
			r := srv.mustLogin(t, fmt.Sprintf("sprayed-%d", i), "password-123456", forwardedFor(i))
			if r.code() != "UNAUTHENTICATED" {
				t.Fatalf("failed login %d: %s, want UNAUTHENTICATED (body %s)", i+1, r.code(), truncate(r.Body))
			}
			checked = min(checked, r.took)
		}
		return checked
	}
	const fromClient = "too many failed logins from your network address"
	const hour = 3600

	t.Run("X-Forwarded-For from a client is ignored", func(t *testing.T) {
		direct := e.sibling(t, app.Limits{Login: perClient})
		checked := spray(t, direct, func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) })
		wantThrottled(t, func() loginResult { return direct.mustLogin(t, "erin", "erin-secret-password", "203.0.113.200") }, checked, fromClient, hour)
		wantThrottled(t, func() loginResult { return direct.mustLogin(t, "erin", "erin-secret-password", "") }, checked, fromClient, hour)
	})

	t.Run("behind a trusted proxy", func(t *testing.T) {
		proxied := e.sibling(t, app.Limits{Login: perClient, Proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
		checked := spray(t, proxied, func(int) string { return "198.51.100.7" })
		wantThrottled(t, func() loginResult { return proxied.mustLogin(t, "erin", "erin-secret-password", "198.51.100.7") }, checked, fromClient, hour)
		// The client is the rightmost address not of a trusted proxy; what
		// the client itself wrote further left does not matter.
		wantThrottled(t, func() loginResult {
			return proxied.mustLogin(t, "erin", "erin-secret-password", "192.0.2.1, 198.51.100.7")
		}, checked, fromClient, hour)
		wantThrottled(t, func() loginResult {
			return proxied.mustLogin(t, "erin", "erin-secret-password", "198.51.100.7, 127.0.0.5")
		}, checked, fromClient, hour)
		if r := proxied.mustLogin(t, "erin", "erin-secret-password", "198.51.100.8"); r.code() != "OK" {
			t.Errorf("another client behind the proxy: %s, want a token (body %s)", r.code(), truncate(r.Body))
		}
	})
}

// TestLoginPasswordChecksBounded: password checks (bcrypt) run at most
// LOGIN_CONCURRENCY at once with at most LOGIN_QUEUE logins waiting; a
// burst of parallel logins beyond that is refused at once with UNAVAILABLE
// instead of taking every CPU. With the default limits 16 parallel logins
// all succeed.
func TestLoginPasswordChecksBounded(t *testing.T) {
	e := newEnv(t, app.Limits{})
	parallel := func(t *testing.T, srv *env, n int, user func(i int) (string, string)) []loginResult {
		t.Helper()
		out := make([]loginResult, n)
		errs := make([]error, n)
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				u, p := user(i)
				out[i], errs[i] = srv.login(u, p, "")
			}()
		}
		close(gate)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("login %d: %v", i, err)
			}
			checkErrors(t, out[i].gqlResponse)
		}
		return out
	}

	t.Run("one check at a time, one waiting", func(t *testing.T) {
		narrow := e.sibling(t, app.Limits{Login: people.LoginLimits{Concurrent: 1, Queue: 1}})
		results := parallel(t, narrow, 16, func(i int) (string, string) { return fmt.Sprintf("guess-%d", i), "password-123456" })
		counts := map[string]int{}
		for _, r := range results {
			counts[r.code()]++
			if r.code() == "UNAVAILABLE" && (r.retryAfter != 1 || !strings.Contains(r.Errors[0].Message, "busy")) {
				t.Errorf("refusal %q, retryAfter %d; want a busy message and retryAfter 1", r.Errors[0].Message, r.retryAfter)
			}
		}
		if counts["UNAUTHENTICATED"] < 1 || counts["UNAUTHENTICATED"] > 4 || counts["UNAVAILABLE"] < 12 {
			t.Errorf("answers %v; want 1 to 4 checked (UNAUTHENTICATED), the rest refused (UNAVAILABLE)", counts)
		}
	})

	t.Run("defaults let 16 parallel logins through", func(t *testing.T) {
		for i := range 16 {
			e.createUser(t, map[string]any{"username": fmt.Sprintf("user-%d", i), "displayName": "User", "roles": []string{"AGENT"}, "password": fmt.Sprintf("password-of-user-%d", i)})
		}
		results := parallel(t, e, 16, func(i int) (string, string) { return fmt.Sprintf("user-%d", i), fmt.Sprintf("password-of-user-%d", i) })
		for i, r := range results {
			if r.code() != "OK" {
				t.Errorf("login %d: %s (body %s)", i, r.code(), truncate(r.Body))
			}
		}
	})
}
