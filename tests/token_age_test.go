package tests

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/credentials"
)

// TestMaximumTokenAge: a token issued longer ago than the maximum age (24h
// in these tests) is refused even though it has not expired, and so is a
// token that does not say when it was issued; younger tokens work.
func TestMaximumTokenAge(t *testing.T) {
	e := newEnv(t, app.Limits{})
	now := time.Now()
	issuedAgo := func(age time.Duration) string {
		t.Helper()
		past, err := credentials.NewTokens(tokenConfig(), func() time.Time { return now.Add(-age) })
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := past.Mint(subjAnalyst, []auth.Role{auth.Analyst}, age+time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	noIAT, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": subjAnalyst, "roles": []string{"ANALYST"}, "iss": testIssuer, "aud": testAudience, "exp": now.Add(time.Hour).Unix(),
	}).SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		token string
		ok    bool
	}{
		{"issued 23 hours ago", issuedAgo(23 * time.Hour), true},
		{"issued 25 hours ago", issuedAgo(25 * time.Hour), false},
		{"issued 30 days ago, valid for a year", issuedAgo(30 * 24 * time.Hour), false},
		{"without iat", noIAT, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ok {
				e.ok(t, tc.token, `{ me { subject } }`, nil, nil)
				return
			}
			r := e.fail(t, tc.token, `{ me { subject } }`, nil, "UNAUTHENTICATED")
			if r.Status != http.StatusUnauthorized {
				t.Errorf("HTTP %d, want 401", r.Status)
			}
			if !strings.Contains(r.Errors[0].Message, "log in again") {
				t.Errorf("message %q does not say to log in again", r.Errors[0].Message)
			}
		})
	}
}
