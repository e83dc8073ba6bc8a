package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const goodSecret = "0123456789abcdef0123456789abcdef"

func TestLoadDefaults(t *testing.T) {
	c, rest, err := Load(nil, env(map[string]string{"JWT_SECRET": goodSecret}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Neo4jURI != "bolt://127.0.0.1:7687" || c.Neo4jDatabase != "neo4j" ||
		c.JWTAlgorithm != "HS256" || c.JWTTTL != 8*time.Hour || c.Request.MaxDepth != 12 || len(c.CORSOrigins) != 0 ||
		!c.Introspection || c.Demo || len(rest) != 0 || c.SLAEvaluationInterval != time.Minute ||
		c.ReopenWindow != 120*time.Hour || c.AutoCloseAfter != 120*time.Hour || c.AutoCloseInterval != 10*time.Minute || c.RequestConfirmWindow != 120*time.Hour ||
		c.JWTMaxAge != 24*time.Hour || c.MetricsAddr != "" || c.LoginAccountBurst != 5 || c.LoginAccountInterval != 5*time.Minute ||
		c.LoginClientBurst != 30 || c.LoginClientInterval != 10*time.Second || c.LoginConcurrency != 0 || c.LoginQueue != 32 ||
		len(c.TrustedProxies) != 0 ||
		strings.Join(c.CORSHeaders, ",") != "traceparent,tracestate,X-Request-Id,apollographql-client-name,apollographql-client-version" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	c, _, err := Load([]string{"-addr", "127.0.0.1:9000", "-cors-origins", "https://a.example, https://b.example/"},
		env(map[string]string{"JWT_SECRET": goodSecret, "ADDR": "127.0.0.1:7000"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || strings.Join(c.CORSOrigins, " ") != "https://a.example https://b.example" {
		t.Fatalf("got %+v", c)
	}
}

func TestLoadRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing secret", map[string]string{}, "JWT_SECRET: must be at least 32 bytes"},
		{"short secret", map[string]string{"JWT_SECRET": "abc"}, "JWT_SECRET"},
		{"bad algorithm", map[string]string{"JWT_ALGORITHM": "none"}, "JWT_ALGORITHM"},
		{"RS256 without key", map[string]string{"JWT_ALGORITHM": "RS256"}, "JWT_PUBLIC_KEY_FILE: is required"},
		{"unreadable key", map[string]string{"JWT_ALGORITHM": "RS256", "JWT_PUBLIC_KEY_FILE": "/nonexistent.pem"}, "JWT_PUBLIC_KEY_FILE: cannot read"},
		{"bad addr", map[string]string{"JWT_SECRET": goodSecret, "ADDR": "8080"}, "ADDR"},
		{"bad uri", map[string]string{"JWT_SECRET": goodSecret, "NEO4J_URI": "localhost"}, "NEO4J_URI"},
		{"wildcard origin", map[string]string{"JWT_SECRET": goodSecret, "CORS_ORIGINS": "*"}, "CORS_ORIGINS"},
		{"origin with path", map[string]string{"JWT_SECRET": goodSecret, "CORS_ORIGINS": "https://a.example/app"}, "CORS_ORIGINS"},
		{"bad header name", map[string]string{"JWT_SECRET": goodSecret, "CORS_HEADERS": "X-Ok, X Bad"}, "CORS_HEADERS"},
		{"bad ttl", map[string]string{"JWT_SECRET": goodSecret, "JWT_TTL": "soon"}, "JWT_TTL"},
		{"bad depth", map[string]string{"JWT_SECRET": goodSecret, "MAX_QUERY_DEPTH": "0"}, "MAX_QUERY_DEPTH"},
		{"bad bool", map[string]string{"JWT_SECRET": goodSecret, "INTROSPECTION": "maybe"}, "INTROSPECTION"},
		{"bad evaluation interval", map[string]string{"JWT_SECRET": goodSecret, "SLA_EVALUATION_INTERVAL": "0s"}, "SLA_EVALUATION_INTERVAL"},
		{"bad reopen window", map[string]string{"JWT_SECRET": goodSecret, "INCIDENT_REOPEN_WINDOW": "five days"}, "INCIDENT_REOPEN_WINDOW"},
		{"bad auto-close period", map[string]string{"JWT_SECRET": goodSecret, "INCIDENT_AUTO_CLOSE_AFTER": "-1h"}, "INCIDENT_AUTO_CLOSE_AFTER"},
		{"bad auto-close interval", map[string]string{"JWT_SECRET": goodSecret, "INCIDENT_AUTO_CLOSE_INTERVAL": "10"}, "INCIDENT_AUTO_CLOSE_INTERVAL"},
		{"bad confirm window", map[string]string{"JWT_SECRET": goodSecret, "REQUEST_CONFIRM_WINDOW": "30s"}, "REQUEST_CONFIRM_WINDOW"},
		{"bad log level", map[string]string{"JWT_SECRET": goodSecret, "LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"bad login burst", map[string]string{"JWT_SECRET": goodSecret, "LOGIN_ACCOUNT_BURST": "0"}, "LOGIN_ACCOUNT_BURST"},
		{"bad login interval", map[string]string{"JWT_SECRET": goodSecret, "LOGIN_CLIENT_INTERVAL": "often"}, "LOGIN_CLIENT_INTERVAL"},
		{"bad login concurrency", map[string]string{"JWT_SECRET": goodSecret, "LOGIN_CONCURRENCY": "-1"}, "LOGIN_CONCURRENCY"},
		{"bad trusted proxy", map[string]string{"JWT_SECRET": goodSecret, "TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}, "TRUSTED_PROXIES"},
		{"max age shorter than the ttl", map[string]string{"JWT_SECRET": goodSecret, "JWT_MAX_AGE": "1h"}, "JWT_MAX_AGE: must be 0 (off) or at least JWT_TTL"},
		{"bad max age", map[string]string{"JWT_SECRET": goodSecret, "JWT_MAX_AGE": "a day"}, "JWT_MAX_AGE"},
		{"bad metrics addr", map[string]string{"JWT_SECRET": goodSecret, "METRICS_ADDR": "9090"}, "METRICS_ADDR"},
		{"metrics addr is the API's", map[string]string{"JWT_SECRET": goodSecret, "METRICS_ADDR": "127.0.0.1:8080"}, "METRICS_ADDR: must differ from ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(nil, env(tt.env), true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestStoreCommandsNeedNoTokenKey(t *testing.T) {
	if _, _, err := Load(nil, env(map[string]string{}), false); err != nil {
		t.Fatalf("without a JWT key: %v", err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, _, err := Load(nil, env(map[string]string{"JWT_SECRET": goodSecret, "TRUSTED_PROXIES": "10.1.2.3, 192.168.0.0/16,fd00::/8"}), true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.1.2.3/32 192.168.0.0/16 fd00::/8" {
		t.Errorf("TRUSTED_PROXIES parsed as %v", got)
	}
}
