// Package httpapi assembles the HTTP surface: the GraphQL endpoint with its
// transports and limits, authentication of every request, CORS, the
// GraphiQL page and the health endpoints.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/limits"
)

// Verifier checks bearer tokens.
type Verifier interface {
	Verify(token string) (*auth.Principal, error)
}

// Options configure the handler. Zero limits take the defaults below.
type Options struct {
	Schema   graphql.ExecutableSchema
	Verifier Verifier
	// Ready reports whether the store is reachable and migrated.
	Ready func(ctx context.Context) error
	// PerResponse prepares a context for each GraphQL response (loaders).
	PerResponse func(ctx context.Context) context.Context
	// AroundFields, when set, wraps the resolution of every field (the
	// row-level visibility rules).
	AroundFields graphql.FieldMiddleware
	// Extensions are further handler extensions (the positions of
	// subscription messages).
	Extensions []graphql.HandlerExtension
	// Causality, when set, carries bookmarks between answers and requests
	// (see bookmarks).
	Causality Causality
	// CORSOrigins lists the browser origins allowed to call the API and
	// to open WebSockets; empty means no cross-origin access at all.
	CORSOrigins []string
	// CORSHeaders are the request headers allowed origins may send
	// besides Authorization, Content-Type and Accept.
	CORSHeaders []string
	// Limits bound the work of one request; zero fields take
	// limits.Default.
	Limits limits.Request
	// Introspection enables schema introspection (GraphiQL needs it).
	Introspection bool
	// TrustedDocuments, when set, are the only documents the API runs;
	// otherwise clients may persist queries automatically.
	TrustedDocuments TrustedDocuments
	Logger           *slog.Logger
	// StoreStats feeds the database counters of /metrics; optional.
	StoreStats StoreStats
	// SplitMetrics leaves /metrics off the API: NewWithMetrics returns
	// it as a handler of its own, for a private listen address. Otherwise
	// /metrics is on the API and answers ADMIN tokens only.
	SplitMetrics bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (for login throttling); empty trusts none.
	TrustedProxies []netip.Prefix
	// WebDir holds the built explorer and GraphiQL pages (make web);
	// empty or unbuilt, / says how to build them.
	WebDir string
}

const wsInitTimeout = 10 * time.Second

// Handlers are the HTTP surface of the API.
type Handlers struct {
	// API serves every path.
	API http.Handler
	// Metrics serves /metrics alone when Options.SplitMetrics is set; nil
	// otherwise.
	Metrics http.Handler
	// DrainWebSockets ends the WebSockets on shutdown (the HTTP server's
	// Shutdown does not see them): queries and mutations in flight finish,
	// then every connection is closed with 1001, within ctx.
	DrainWebSockets func(ctx context.Context)
}

// New returns the HTTP handlers of the whole API.
func New(o Options) Handlers {
	o.Limits = o.Limits.WithDefaults()
	if o.Logger == nil {
		o.Logger = slog.Default()
	}

	m := newMetrics(o.StoreStats)
	drain := newWSDrain()
	gql := handler.New(o.Schema)
	gql.AddTransport(transport.Websocket{
		Implementation: drain.implementation(transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
			// Origins were checked against the allowlist before the upgrade.
			InsecureSkipVerify: true,
		}}),
		InitFunc:              wsInit(o.Verifier),
		InitTimeout:           wsInitTimeout,
		KeepAlivePingInterval: 15 * time.Second,
		PayloadReadLimit:      &o.Limits.MaxBodyBytes,
	})
	gql.AddTransport(transport.Options{})
	gql.AddTransport(transport.GET{})
	gql.AddTransport(transport.POST{})
	gql.SetQueryCache(newSmallQueries[*ast.QueryDocument]())
	gql.SetParserTokenLimit(o.Limits.MaxTokens)
	gql.SetDisableSuggestion(true)
	gql.SetErrorPresenter(presentError(o.Logger))
	gql.SetRecoverFunc(recoverPanic(o.Logger))
	// Persisted queries first: the limits below measure the document a
	// hash stands for.
	if o.TrustedDocuments != nil {
		gql.Use(newTrustedOnly(o.TrustedDocuments))
	} else {
		gql.Use(extension.AutomaticPersistedQuery{Cache: newAPQCache()})
	}
	if o.Introspection {
		gql.Use(extension.Introspection{})
	} else {
		gql.Use(noIntrospection{})
	}
	gql.Use(signInFirst{})
	gql.Use(strictEnums{schema: o.Schema.Schema()})
	gql.Use(newDocumentLimits(o.Limits))
	gql.Use(&costLimit{max: o.Limits.MaxComplexity})
	gql.Use(operationLimits{maxPerConn: o.Limits.MaxSubscriptions})
	gql.Use(drain)
	gql.AroundOperations(describeOperation)
	gql.AroundOperations(traceOperation)
	gql.AroundRootFields(traceRootField)
	gql.AroundResponses(capErrors)
	gql.AroundResponses(withBudget(o.Limits))
	gql.AroundResponses(m.aroundResponses)
	if o.PerResponse != nil {
		gql.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
			return next(o.PerResponse(ctx))
		})
	}
	if o.AroundFields != nil {
		gql.AroundFields(o.AroundFields)
	}
	for _, x := range o.Extensions {
		gql.Use(x)
	}
	if o.Causality != nil {
		gql.Use(bookmarks{o.Causality})
	}

	mux := http.NewServeMux()
	mux.Handle("/graphql", answers(limitBody(o.Limits.MaxBodyBytes, authenticate(o.Verifier, checkWSOrigin(o.CORSOrigins, drain.serve(gql))))))
	webPages(mux, o.WebDir)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	var metrics http.Handler
	if o.SplitMetrics {
		metrics = m.metricsOnly()
	} else {
		mux.Handle("GET /metrics", authenticate(o.Verifier, requireAdmin(m.handler())))
	}
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := o.Ready(ctx); err != nil {
			o.Logger.Warn("not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": publicMessage(err)})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})

	var h http.Handler = mux
	if len(o.CORSOrigins) > 0 {
		h = cors.New(cors.Options{
			AllowedOrigins: o.CORSOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: append([]string{"Authorization", "Content-Type", "Accept"}, o.CORSHeaders...),
			ExposedHeaders: []string{requestIDHeader},
			MaxAge:         600,
		}).Handler(h)
	}
	return Handlers{API: accessLog(o.Logger, m, mux, noStore(clientAddress(o.TrustedProxies, h))), Metrics: metrics, DrainWebSockets: drain.Drain}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone; nothing to do
}

// writeGraphQLError answers a request that never reached the executor in
// the GraphQL response shape, so clients handle it like any other error.
func writeGraphQLError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{
		"message":    message,
		"extensions": map[string]string{"code": code},
	}}})
}
