package httpapi

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

// authenticate puts the principal of a bearer token in the request context.
// A request without a token stays anonymous (only @public fields answer it);
// a request with a bad token is refused whole, so that a client never gets
// anonymous answers it did not ask for.
func authenticate(v Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		tok, ok := auth.BearerToken(header)
		if !ok {
			writeGraphQLError(w, http.StatusUnauthorized, string(apperr.Unauthenticated), "the Authorization header must be 'Bearer <token>'")
			return
		}
		p, err := v.Verify(tok)
		if err != nil {
			writeGraphQLError(w, http.StatusUnauthorized, string(apperr.Unauthenticated), publicMessage(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// wsInit authenticates a WebSocket from its connection_init payload
// ({"Authorization": "Bearer <token>"}), since browsers cannot set headers
// on WebSocket requests.
func wsInit(v Verifier) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		header := payload.Authorization()
		if header == "" {
			header = payload.GetString("authorization")
		}
		if header == "" {
			return ctx, nil, nil
		}
		tok, ok := auth.BearerToken(header)
		if !ok {
			tok = header
		}
		p, err := v.Verify(tok)
		if err != nil {
			return ctx, nil, errors.New(publicMessage(err))
		}
		return auth.WithPrincipal(ctx, p), nil, nil
	}
}

// checkWSOrigin refuses WebSocket upgrades from origins outside the CORS
// allowlist (same-origin pages are always allowed), because browsers do not
// apply CORS to WebSockets.
func checkWSOrigin(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") && !slices.Contains(allowed, origin) {
			u, err := url.Parse(origin)
			if err != nil || !strings.EqualFold(u.Host, r.Host) {
				http.Error(w, "origin not allowed", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over max bytes: gqlgen reads the whole body.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeGraphQLError(w, http.StatusRequestEntityTooLarge, string(apperr.BadUserInput), "the request body is larger than the limit of "+strconv.FormatInt(max, 10)+" bytes")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack hands the connection to the WebSocket transport.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.status = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// Flush passes flushes through for streaming transports.
func (s *statusRecorder) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration_ms", time.Since(start).Milliseconds())
	})
}
