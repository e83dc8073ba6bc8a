// Package config reads the server's settings from environment variables,
// overridden by command-line flags, and checks them at start so that a bad
// setting fails fast with a message naming the variable to fix.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/limits"
)

// headerName is an HTTP field name (RFC 9110 token).
var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// Config is every setting of the server.
type Config struct {
	Addr          string
	Neo4jURI      string
	Neo4jUser     string
	Neo4jPassword string
	Neo4jDatabase string
	JWTAlgorithm  string
	JWTSecret     string
	JWTPublicKey  []byte
	JWTPrivateKey []byte
	JWTIssuer     string
	JWTAudience   string
	JWTTTL        time.Duration
	JWTLeeway     time.Duration
	CORSOrigins   []string
	CORSHeaders   []string
	// TrustedDocuments is the manifest of TRUSTED_DOCUMENTS_FILE, nil
	// when unset.
	TrustedDocuments []byte
	LogLevel         slog.Level
	// Request bounds the work of one request.
	Request       limits.Request
	Introspection bool
	// WebDir holds the built web pages.
	WebDir          string
	Demo            bool
	ShutdownTimeout time.Duration
	ImpactDepth     int
	ImpactMaxDepth  int
	// SLAEvaluationInterval is how often the SLA evaluator runs.
	SLAEvaluationInterval time.Duration
	// ReopenWindow is how long after resolution an incident may be reopened.
	ReopenWindow time.Duration
	// AutoCloseAfter is how long a resolved incident waits for its caller
	// before it is closed automatically.
	AutoCloseAfter time.Duration
	// AutoCloseInterval is how often due incidents are looked for.
	AutoCloseInterval time.Duration
	// EventPoll is how often the event log is read for writes made
	// through other instances; EventBuffer how far a subscriber may fall
	// behind; EventRetention how long events are kept.
	EventPoll      time.Duration
	EventBuffer    int
	EventRetention time.Duration
	// JobLease is how long an instance holds the lease of a background
	// job before another may take it over.
	JobLease time.Duration
	// WebhookInterval is how often due webhook deliveries are made;
	// WebhookAllowPrivate lets webhooks reach private addresses.
	WebhookInterval     time.Duration
	WebhookAllowPrivate bool
	// RequestConfirmWindow is how long a fulfilled request waits for its
	// requester's confirmation before it closes by itself.
	RequestConfirmWindow time.Duration
	// JWTMaxAge refuses tokens issued longer ago; zero turns it off.
	JWTMaxAge time.Duration
	// MetricsAddr, when set, is where /metrics is served instead of on
	// the API behind an ADMIN token.
	MetricsAddr string
	// Login throttling: failed logins per username and per client address
	// (burst, then one more per interval), and concurrent password checks
	// with the queue of logins waiting for one. LoginConcurrency 0 means
	// half the CPUs, at least one.
	LoginAccountBurst    int
	LoginAccountInterval time.Duration
	LoginClientBurst     int
	LoginClientInterval  time.Duration
	LoginConcurrency     int
	LoginQueue           int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client address.
	TrustedProxies []netip.Prefix
}

// Setting describes one variable, for the README and for -help.
type Setting struct {
	Env, Flag, Default, Help string
}

// Settings lists every setting with its default.
func Settings() []Setting {
	return []Setting{
		{"ADDR", "addr", "127.0.0.1:8080", "host:port the HTTP server listens on"},
		{"NEO4J_URI", "neo4j-uri", "bolt://127.0.0.1:7687", "Neo4j 5 URI (bolt://, neo4j://, neo4j+s://, …)"},
		{"NEO4J_USER", "neo4j-user", "neo4j", "Neo4j user (used when NEO4J_PASSWORD is set)"},
		{"NEO4J_PASSWORD", "neo4j-password", "", "Neo4j password; empty connects without authentication"},
		{"NEO4J_DATABASE", "neo4j-database", "neo4j", "database name"},
		{"JWT_ALGORITHM", "jwt-algorithm", "HS256", "HS256, RS256 or ES256; only this algorithm is accepted"},
		{"JWT_SECRET", "jwt-secret", "", "HS256 secret, at least 32 bytes (required for HS256)"},
		{"JWT_PUBLIC_KEY_FILE", "jwt-public-key-file", "", "PEM public key that verifies RS256/ES256 tokens"},
		{"JWT_PRIVATE_KEY_FILE", "jwt-private-key-file", "", "PEM private key that signs RS256/ES256 tokens (optional)"},
		{"JWT_ISSUER", "jwt-issuer", "itsm-graph", "required iss claim; empty disables the check"},
		{"JWT_AUDIENCE", "jwt-audience", "itsm-graph", "required aud claim; empty disables the check"},
		{"JWT_TTL", "jwt-ttl", "8h", "lifetime of tokens issued by login"},
		{"JWT_LEEWAY", "jwt-leeway", "30s", "clock skew tolerated on exp/nbf/iat"},
		{"JWT_MAX_AGE", "jwt-max-age", "24h", "tokens issued (iat) longer ago are refused whatever their exp, and tokens without iat too; 0 turns the check off"},
		{"METRICS_ADDR", "metrics-addr", "", "host:port that serves /metrics without a token (keep it private); empty: /metrics is on ADDR and needs an ADMIN token"},
		{"CORS_ORIGINS", "cors-origins", "", "comma-separated browser origins allowed (empty: no cross-origin access)"},
		{"CORS_HEADERS", "cors-headers", "traceparent,tracestate,X-Request-Id,apollographql-client-name,apollographql-client-version", "request headers allowed origins may send besides Authorization, Content-Type and Accept (comma-separated)"},
		{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
		{"MAX_QUERY_DEPTH", "max-query-depth", "12", "deepest field nesting a query may have"},
		{"MAX_QUERY_COMPLEXITY", "max-query-complexity", "500000", "highest cost a query may have: about the number of objects it could return, graph analyses and counts weighing what they cost"},
		{"MAX_QUERY_TOKENS", "max-query-tokens", "5000", "most lexical tokens a query document may have"},
		{"MAX_QUERY_ALIASES", "max-query-aliases", "30", "most aliased fields a query may select (fragments counted where spread)"},
		{"MAX_QUERY_FIELDS", "max-query-fields", "2000", "most fields a query may select (fragments counted where spread)"},
		{"MAX_QUERY_FIELD_REPEATS", "max-query-field-repeats", "20", "most times one response name may be selected in one selection set"},
		{"MAX_QUERY_DIRECTIVES", "max-query-directives", "50", "most directives a query document may use"},
		{"MAX_REQUEST_TRANSACTIONS", "max-request-transactions", "100", "most database transactions one query, mutation or subscription event may run"},
		{"MAX_REQUEST_CONCURRENCY", "max-request-concurrency", "4", "most database transactions one request runs at once"},
		{"MAX_SUBSCRIPTIONS_PER_CONNECTION", "max-subscriptions-per-connection", "20", "most operations one WebSocket connection may have active at once"},
		{"MAX_BODY_BYTES", "max-body-bytes", "1048576", "largest request body accepted"},
		{"INTROSPECTION", "introspection", "true", "allow schema introspection (GraphiQL needs it)"},
		{"WEB_DIR", "web-dir", "web/dist", "directory of the built explorer and GraphiQL pages (make web builds it); without a build there, / says how to make one"},
		{"TRUSTED_DOCUMENTS_FILE", "trusted-documents-file", "", "JSON manifest of the only operations to run (GraphQL Code Generator persisted documents or Apollo persisted query manifest); empty: any operation, and automatic persisted queries"},
		{"IMPACT_DEFAULT_DEPTH", "impact-default-depth", "10", "hops an impact or dependency analysis follows when the query gives no depth"},
		{"IMPACT_MAX_DEPTH", "impact-max-depth", "20", "most hops a query may ask for (at most 20)"},
		{"SLA_EVALUATION_INTERVAL", "sla-evaluation-interval", "1m", "how often SLA clocks are checked for warnings and breaches (published on slaEvents)"},
		{"INCIDENT_REOPEN_WINDOW", "incident-reopen-window", "120h", "how long after resolution the caller or an agent may reopen an incident"},
		{"INCIDENT_AUTO_CLOSE_AFTER", "incident-auto-close-after", "120h", "how long a resolved incident waits for confirmation before it is closed automatically"},
		{"INCIDENT_AUTO_CLOSE_INTERVAL", "incident-auto-close-interval", "10m", "how often resolved incidents past that period are closed"},
		{"EVENTS_POLL_INTERVAL", "events-poll-interval", "250ms", "how often each instance reads the event log for writes made through other instances (its own are read as they commit)"},
		{"EVENTS_BUFFER", "events-buffer", "256", "events a subscriber may fall behind by before it is told to resume (UNAVAILABLE, reason SUBSCRIBER_TOO_SLOW)"},
		{"EVENTS_RETENTION", "events-retention", "168h", "how long events are kept in the log for subscribers and pollers to resume from"},
		{"JOB_LEASE", "job-lease", "15s", "how long an instance holds a background job (SLA evaluation, automatic closes, pruning) before another instance may take it over if it stops renewing"},
		{"WEBHOOK_INTERVAL", "webhook-interval", "1s", "how often webhooks are sent the events due to them"},
		{"WEBHOOK_ALLOW_PRIVATE", "webhook-allow-private", "false", "let webhooks target loopback, private and link-local addresses (refused by default, so that webhooks cannot reach internal services)"},
		{"REQUEST_CONFIRM_WINDOW", "request-confirm-window", "120h", "how long a fulfilled request waits for its requester to confirm (or say it is not done) before it closes by itself"},
		{"LOGIN_ACCOUNT_BURST", "login-account-burst", "5", "failed logins a username may have at once before logins for it are refused (UNAVAILABLE with extensions.retryAfter)"},
		{"LOGIN_ACCOUNT_INTERVAL", "login-account-interval", "5m", "after the burst, one more failed login per username per this interval"},
		{"LOGIN_CLIENT_BURST", "login-client-burst", "30", "failed logins one client address (an IPv6 /64) may have at once before its logins are refused"},
		{"LOGIN_CLIENT_INTERVAL", "login-client-interval", "10s", "after the burst, one more failed login per client address per this interval"},
		{"LOGIN_CONCURRENCY", "login-concurrency", "0", "password checks (bcrypt) run at once; 0 means half the CPUs, at least 1"},
		{"LOGIN_QUEUE", "login-queue", "32", "logins that may wait for a password check; more are refused at once (UNAVAILABLE)"},
		{"TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For gives the client address (empty: the peer address is the client)"},
		{"DEMO_DATA", "demo", "false", "load a small demo CMDB and accounts when the database is empty"},
		{"SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long in-flight requests may finish on shutdown"},
	}
}

// Load reads settings from getenv, then from flags in args. The returned
// error names the variable (and flag) at fault. Commands that neither issue
// nor check tokens (migrate, import) pass needTokens false, so they run
// without a JWT key.
func Load(args []string, getenv func(string) string, needTokens bool) (Config, []string, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	values := map[string]*string{}
	for _, s := range Settings() {
		v := getenv(s.Env)
		if v == "" {
			v = s.Default
		}
		values[s.Env] = fs.String(s.Flag, v, s.Help+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, fmt.Errorf("%w; run with -help to list the settings", err)
	}
	get := func(env string) string { return strings.TrimSpace(*values[env]) }

	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, a...)))
	}
	c := Config{
		Addr:          get("ADDR"),
		Neo4jURI:      get("NEO4J_URI"),
		Neo4jUser:     get("NEO4J_USER"),
		Neo4jPassword: *values["NEO4J_PASSWORD"],
		Neo4jDatabase: get("NEO4J_DATABASE"),
		JWTAlgorithm:  strings.ToUpper(get("JWT_ALGORITHM")),
		JWTSecret:     *values["JWT_SECRET"],
		JWTIssuer:     get("JWT_ISSUER"),
		JWTAudience:   get("JWT_AUDIENCE"),
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("ADDR", "want host:port, got %q", c.Addr)
	}
	c.MetricsAddr = get("METRICS_ADDR")
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("METRICS_ADDR", "want host:port or empty, got %q", c.MetricsAddr)
		} else if c.MetricsAddr == c.Addr {
			bad("METRICS_ADDR", "must differ from ADDR (%s)", c.Addr)
		}
	}
	if u, err := url.Parse(c.Neo4jURI); err != nil || u.Host == "" {
		bad("NEO4J_URI", "want a URI like bolt://127.0.0.1:7687, got %q", c.Neo4jURI)
	}
	if c.Neo4jDatabase == "" {
		bad("NEO4J_DATABASE", "must not be empty")
	}
	readFile := func(env string) []byte {
		path := get(env)
		if path == "" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			bad(env, "cannot read %q: %v", path, err)
		}
		return b
	}
	c.JWTPublicKey = readFile("JWT_PUBLIC_KEY_FILE")
	c.JWTPrivateKey = readFile("JWT_PRIVATE_KEY_FILE")
	c.TrustedDocuments = readFile("TRUSTED_DOCUMENTS_FILE")
	switch {
	case !needTokens:
	case c.JWTAlgorithm == "HS256":
		if len(c.JWTSecret) < 32 {
			bad("JWT_SECRET", "must be at least 32 bytes for HS256 (got %d); generate one with: openssl rand -hex 32", len(c.JWTSecret))
		}
	case c.JWTAlgorithm == "RS256" || c.JWTAlgorithm == "ES256":
		if c.JWTPublicKey == nil {
			bad("JWT_PUBLIC_KEY_FILE", "is required for %s", c.JWTAlgorithm)
		}
	default:
		bad("JWT_ALGORITHM", "must be HS256, RS256 or ES256, got %q", c.JWTAlgorithm)
	}
	duration := func(env string, dst *time.Duration, min time.Duration) {
		d, err := time.ParseDuration(get(env))
		if err != nil || d < min {
			bad(env, "want a duration of at least %s like 8h or 30s, got %q", min, get(env))
		}
		*dst = d
	}
	duration("JWT_TTL", &c.JWTTTL, time.Minute)
	duration("JWT_LEEWAY", &c.JWTLeeway, 0)
	duration("JWT_MAX_AGE", &c.JWTMaxAge, 0)
	if c.JWTMaxAge > 0 && c.JWTMaxAge < c.JWTTTL {
		bad("JWT_MAX_AGE", "must be 0 (off) or at least JWT_TTL (%s), got %s", c.JWTTTL, c.JWTMaxAge)
	}
	duration("SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, 0)
	duration("SLA_EVALUATION_INTERVAL", &c.SLAEvaluationInterval, time.Second)
	duration("INCIDENT_REOPEN_WINDOW", &c.ReopenWindow, time.Minute)
	duration("INCIDENT_AUTO_CLOSE_AFTER", &c.AutoCloseAfter, time.Minute)
	duration("INCIDENT_AUTO_CLOSE_INTERVAL", &c.AutoCloseInterval, time.Second)
	duration("REQUEST_CONFIRM_WINDOW", &c.RequestConfirmWindow, time.Minute)
	duration("EVENTS_POLL_INTERVAL", &c.EventPoll, 10*time.Millisecond)
	duration("EVENTS_RETENTION", &c.EventRetention, time.Minute)
	duration("JOB_LEASE", &c.JobLease, time.Second)
	duration("WEBHOOK_INTERVAL", &c.WebhookInterval, 100*time.Millisecond)
	duration("LOGIN_ACCOUNT_INTERVAL", &c.LoginAccountInterval, time.Second)
	duration("LOGIN_CLIENT_INTERVAL", &c.LoginClientInterval, time.Millisecond)
	integer := func(env string, min, max int) int {
		n, err := strconv.Atoi(get(env))
		if err != nil || n < min || n > max {
			bad(env, "want a whole number from %d to %d, got %q", min, max, get(env))
		}
		return n
	}
	c.Request = limits.Request{
		MaxBodyBytes:              int64(integer("MAX_BODY_BYTES", 1024, 1<<30)),
		MaxTokens:                 integer("MAX_QUERY_TOKENS", 100, 1_000_000),
		MaxAliases:                integer("MAX_QUERY_ALIASES", 1, 10_000),
		MaxFields:                 integer("MAX_QUERY_FIELDS", 10, 1_000_000),
		MaxFieldRepeats:           integer("MAX_QUERY_FIELD_REPEATS", 1, 10_000),
		MaxDirectives:             integer("MAX_QUERY_DIRECTIVES", 1, 10_000),
		MaxDepth:                  integer("MAX_QUERY_DEPTH", 2, 100),
		MaxComplexity:             integer("MAX_QUERY_COMPLEXITY", 10, 10_000_000),
		MaxTransactions:           integer("MAX_REQUEST_TRANSACTIONS", 1, 1_000_000),
		MaxConcurrentTransactions: integer("MAX_REQUEST_CONCURRENCY", 1, 1000),
		MaxSubscriptions:          integer("MAX_SUBSCRIPTIONS_PER_CONNECTION", 1, 10_000),
	}
	c.EventBuffer = integer("EVENTS_BUFFER", 16, 100_000)
	c.LoginAccountBurst = integer("LOGIN_ACCOUNT_BURST", 1, 1000)
	c.LoginClientBurst = integer("LOGIN_CLIENT_BURST", 1, 100_000)
	c.LoginConcurrency = integer("LOGIN_CONCURRENCY", 0, 1024)
	c.LoginQueue = integer("LOGIN_QUEUE", 0, 100_000)
	c.ImpactMaxDepth = integer("IMPACT_MAX_DEPTH", 1, 20)
	c.ImpactDepth = integer("IMPACT_DEFAULT_DEPTH", 1, 20)
	if c.ImpactDepth > c.ImpactMaxDepth {
		bad("IMPACT_DEFAULT_DEPTH", "must not exceed IMPACT_MAX_DEPTH (%d), got %d", c.ImpactMaxDepth, c.ImpactDepth)
	}
	boolean := func(env string) bool {
		b, err := strconv.ParseBool(get(env))
		if err != nil {
			bad(env, "want true or false, got %q", get(env))
		}
		return b
	}
	c.Introspection = boolean("INTROSPECTION")
	c.WebDir = get("WEB_DIR")
	c.Demo = boolean("DEMO_DATA")
	c.WebhookAllowPrivate = boolean("WEBHOOK_ALLOW_PRIVATE")
	for _, o := range strings.Split(get("CORS_ORIGINS"), ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("CORS_ORIGINS", "each origin must look like https://app.example.com (no wildcard, no path), got %q", o)
			continue
		}
		c.CORSOrigins = append(c.CORSOrigins, strings.TrimSuffix(o, "/"))
	}
	for _, h := range strings.Split(get("CORS_HEADERS"), ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if !headerName.MatchString(h) {
			bad("CORS_HEADERS", "each entry must be a header name such as X-Request-Id, got %q", h)
			continue
		}
		c.CORSHeaders = append(c.CORSHeaders, h)
	}
	for _, p := range strings.Split(get("TRUSTED_PROXIES"), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				bad("TRUSTED_PROXIES", "each entry must be an IP address or a CIDR like 10.0.0.0/8, got %q", p)
				continue
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL"))); err != nil {
		bad("LOG_LEVEL", "want debug, info, warn or error, got %q", get("LOG_LEVEL"))
	}
	return c, fs.Args(), errors.Join(errs...)
}

// Usage writes every setting with its default.
func Usage(w io.Writer) {
	for _, s := range Settings() {
		fmt.Fprintf(w, "  %-22s -%-22s default %q\n      %s\n", s.Env, s.Flag, s.Default, s.Help)
	}
}
