package credentials

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

const secret = "0123456789abcdef0123456789abcdef"

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func hsTokens(t *testing.T, cfg TokenConfig, now time.Time) *Tokens {
	t.Helper()
	if cfg.Algorithm == "" {
		cfg.Algorithm = "HS256"
	}
	if cfg.Secret == nil {
		cfg.Secret = []byte(secret)
	}
	if cfg.TTL == 0 {
		cfg.TTL = time.Hour
	}
	tk, err := NewTokens(cfg, fixedClock(now))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	base := TokenConfig{Issuer: "itsm", Audience: "api", Leeway: 30 * time.Second}
	server := hsTokens(t, base, now)
	mint := func(cfg TokenConfig, at time.Time, ttl time.Duration) string {
		tok, _, err := hsTokens(t, cfg, at).Mint("usr_1", []auth.Role{auth.Agent, "BOGUS"}, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := mint(base, now, time.Hour)
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	claims := strings.Split(good, ".")[1]

	tests := []struct {
		name   string
		token  string
		reason string
	}{
		{"valid", good, ""},
		{"within leeway after expiry", mint(base, now.Add(-time.Hour-20*time.Second), time.Hour), ""},
		{"expired", mint(base, now.Add(-2*time.Hour), time.Hour), "expired"},
		{"issued in the future", mint(base, now.Add(time.Hour), time.Hour), "not valid yet"},
		{"other key", mint(TokenConfig{Issuer: "itsm", Audience: "api", Secret: []byte(strings.Repeat("x", 32))}, now, time.Hour), "signature"},
		{"wrong audience", mint(TokenConfig{Issuer: "itsm", Audience: "other"}, now, time.Hour), "wrong audience"},
		{"no audience", mint(TokenConfig{Issuer: "itsm"}, now, time.Hour), "required claim"},
		{"wrong issuer", mint(TokenConfig{Issuer: "evil", Audience: "api"}, now, time.Hour), "wrong issuer"},
		{"alg none", header + "." + claims + ".", "signature or algorithm"},
		{"garbage", "not.a.token", "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := server.Verify(tt.token)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if p.Subject != "usr_1" || len(p.Roles) != 1 || p.Roles[0] != auth.Agent {
					t.Fatalf("principal %+v, want usr_1 with [AGENT] (unknown roles dropped)", p)
				}
				return
			}
			if !apperr.Is(err, apperr.Unauthenticated) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("got %v, want UNAUTHENTICATED (%s)", err, tt.reason)
			}
		})
	}
}

func TestExpirationIsRequired(t *testing.T) {
	now := time.Now()
	tk := hsTokens(t, TokenConfig{}, now)
	noExp, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "s", "iat": now.Unix()}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Verify(noExp); !apperr.Is(err, apperr.Unauthenticated) || !strings.Contains(err.Error(), "required claim") {
		t.Fatalf("token without exp: got %v", err)
	}
}

func TestNewTokensRefusesWeakSettings(t *testing.T) {
	tests := []struct {
		name string
		cfg  TokenConfig
		want string
	}{
		{"short secret", TokenConfig{Algorithm: "HS256", Secret: []byte("short")}, "at least 32 bytes"},
		{"empty secret", TokenConfig{Algorithm: "HS256"}, "at least 32 bytes"},
		{"unknown algorithm", TokenConfig{Algorithm: "none", Secret: []byte(secret)}, "must be HS256, RS256 or ES256"},
		{"RS256 without key", TokenConfig{Algorithm: "RS256"}, "JWT_PUBLIC_KEY_FILE is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTokens(tt.cfg, time.Now); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestES256RoundTripAndVerifyOnly(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(key)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	priv := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	signer, err := NewTokens(TokenConfig{Algorithm: "ES256", PublicKeyPEM: pub, PrivateKeyPEM: priv, TTL: time.Hour}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := signer.Mint("svc", []auth.Role{auth.ConfigManager}, 0)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := NewTokens(TokenConfig{Algorithm: "ES256", PublicKeyPEM: pub}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if verifier.CanSign() {
		t.Fatal("a verifier without a private key claims it can sign")
	}
	if _, _, err := verifier.Mint("x", nil, time.Hour); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("mint without key: got %v", err)
	}
	p, err := verifier.Verify(tok)
	if err != nil || p.Subject != "svc" || !p.Has(auth.ConfigManager) {
		t.Fatalf("verify: %+v, %v", p, err)
	}
	// An HS256 token made with the public key bytes as secret (the classic
	// algorithm-confusion attack) must be refused.
	confused, err := NewTokens(TokenConfig{Algorithm: "HS256", Secret: pub, TTL: time.Hour}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	bad, _, _ := confused.Mint("svc", []auth.Role{auth.Admin}, 0)
	if _, err := verifier.Verify(bad); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("algorithm confusion: got %v", err)
	}
}

func TestBearerToken(t *testing.T) {
	for header, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": ""} {
		got, ok := BearerToken(header)
		if got != want || ok != (want != "") {
			t.Errorf("%q: got %q %v", header, got, ok)
		}
	}
}
