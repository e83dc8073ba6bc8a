package tests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/credentials"
)

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestInvalidBearerTokensRejected: a request with a bad token is refused
// whole with HTTP 401 and UNAUTHENTICATED, and writes nothing.
func TestInvalidBearerTokensRejected(t *testing.T) {
	e := newEnv(t, app.Limits{})
	now := time.Now()

	minter := func(cfg credentials.TokenConfig, clock func() time.Time) *credentials.Tokens {
		tk, err := credentials.NewTokens(cfg, clock)
		if err != nil {
			t.Fatalf("NewTokens: %v", err)
		}
		return tk
	}
	mint := func(tk *credentials.Tokens, subject string, roles ...auth.Role) string {
		s, _, err := tk.Mint(subject, roles, time.Hour)
		if err != nil {
			t.Fatalf("Mint: %v", err)
		}
		return s
	}
	past := minter(tokenConfig(), func() time.Time { return now.Add(-3 * time.Hour) })
	future := minter(tokenConfig(), func() time.Time { return now.Add(3 * time.Hour) })
	otherKeyCfg := tokenConfig()
	otherKeyCfg.Secret = []byte("another-secret-of-at-least-32-bytes-long!")
	otherAudCfg := tokenConfig()
	otherAudCfg.Audience = "another-api"
	otherIssCfg := tokenConfig()
	otherIssCfg.Issuer = "https://idp.evil.example"

	claims := map[string]any{
		"sub": subjAdmin, "roles": []string{"ADMIN"}, "iss": testIssuer, "aud": []string{testAudience},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	algNone := b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64(claims) + "."
	algNoneUpper := b64(map[string]string{"alg": "NONE", "typ": "JWT"}) + "." + b64(claims) + "."

	signed := func(method jwt.SigningMethod, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, c).SignedString(testSecret)
		if err != nil {
			t.Fatalf("signing: %v", err)
		}
		return s
	}
	noExp := signed(jwt.SigningMethodHS256, jwt.MapClaims{"sub": subjAdmin, "roles": []string{"ADMIN"}, "iss": testIssuer, "aud": testAudience, "iat": now.Unix()})
	hs384 := signed(jwt.SigningMethodHS384, jwt.MapClaims(claims))

	// A REQUESTER token whose payload is swapped for an ADMIN one keeps
	// the REQUESTER signature.
	parts := strings.Split(e.requester, ".")
	tampered := parts[0] + "." + b64(claims) + "." + parts[2]

	cases := []struct {
		name, header string
	}{
		{"expired", "Bearer " + mint(past, subjAdmin, auth.Admin)},
		{"issued in the future", "Bearer " + mint(future, subjAdmin, auth.Admin)},
		{"signed with another key", "Bearer " + mint(minter(otherKeyCfg, time.Now), subjAdmin, auth.Admin)},
		{"wrong audience", "Bearer " + mint(minter(otherAudCfg, time.Now), subjAdmin, auth.Admin)},
		{"wrong issuer", "Bearer " + mint(minter(otherIssCfg, time.Now), subjAdmin, auth.Admin)},
		{"alg none", "Bearer " + algNone},
		{"alg NONE", "Bearer " + algNoneUpper},
		{"HS384 with the right key", "Bearer " + hs384},
		{"no exp claim", "Bearer " + noExp},
		{"no subject", "Bearer " + mint(e.tokens, "", auth.Admin)},
		{"tampered payload", "Bearer " + tampered},
		{"not a JWT", "Bearer not-a-jwt"},
		{"three garbage parts", "Bearer aaa.bbb.ccc"},
		{"bearer without token", "Bearer"},
		{"bearer and spaces", "Bearer    "},
		{"basic credentials", "Basic dXNlcjpwYXNzd29yZA=="},
		{"token without scheme", e.admin},
	}
	send := func(t *testing.T, header, query string, vars map[string]any) *gqlResponse {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/graphql", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", header)
		r, err := e.send(req)
		if err != nil {
			t.Fatal(err)
		}
		checkErrors(t, r)
		return r
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, op := range []struct {
				query string
				vars  map[string]any
			}{
				{meQuery, nil},
				{createCIMutation, map[string]any{"in": map[string]any{"name": "forged-" + tc.name, "type": "SERVER"}}},
				{loginMutation, map[string]any{"in": map[string]any{"username": "nobody", "password": "whatever-password"}}},
			} {
				r := send(t, tc.header, op.query, op.vars)
				if r.Status != http.StatusUnauthorized {
					t.Errorf("HTTP %d, want 401 (body %s)", r.Status, truncate(r.Body))
				}
				if len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "UNAUTHENTICATED" {
					t.Errorf("errors %v, want one UNAUTHENTICATED (body %s)", r.codes(), truncate(r.Body))
				}
				if !r.dataIsNull() {
					t.Errorf("data = %s, want none", r.Data)
				}
			}
		})
	}
	if n := e.ciTotal(t); n != 0 {
		t.Errorf("requests with invalid tokens created %d CIs", n)
	}
	// The server still accepts its own tokens.
	var me meData
	e.ok(t, e.admin, meQuery, nil, &me)
	if me.Me.Subject != subjAdmin {
		t.Errorf("me.subject = %q", me.Me.Subject)
	}
}
