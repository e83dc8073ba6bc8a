package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
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
	"github.com/itsm-graph/itsm/credentials"
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
		tok, ok := credentials.BearerToken(header)
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
		ctx = withWSConn(ctx)
		header := payload.Authorization()
		if header == "" {
			header = payload.GetString("authorization")
		}
		if header == "" {
			return ctx, nil, nil
		}
		tok, ok := credentials.BearerToken(header)
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

// limitBody refuses bodies over max bytes with 413, whether or not the
// client announced a length. gqlgen reads the whole body into memory anyway,
// so reading it here first costs nothing more.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tooLarge := func() {
			writeGraphQLError(w, http.StatusRequestEntityTooLarge, string(apperr.BadUserInput), "the request body is larger than the limit of "+strconv.FormatInt(max, 10)+" bytes")
		}
		if r.ContentLength > max {
			tooLarge()
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
			if err != nil {
				writeGraphQLError(w, http.StatusBadRequest, string(apperr.BadUserInput), "could not read the request body")
				return
			}
			if int64(len(body)) > max {
				tooLarge()
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// codedErrors gives a code to the errors gqlgen's transports write on their
// own (an unsupported method or content type, a mutation over GET), which
// never reach the error presenter. Only error statuses are rewritten.
func codedErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &errorRewriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		rec.finish()
	})
}

type errorRewriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (e *errorRewriter) WriteHeader(code int) {
	e.status = code
	if code < 400 {
		e.ResponseWriter.WriteHeader(code)
	}
}

func (e *errorRewriter) Write(b []byte) (int, error) {
	if e.status == 0 {
		e.WriteHeader(http.StatusOK)
	}
	if e.status >= 400 {
		return e.buf.Write(b)
	}
	return e.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (e *errorRewriter) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// Hijack hands the connection to the WebSocket transport.
func (e *errorRewriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(e.ResponseWriter).Hijack()
}

// Flush passes flushes through for streaming transports.
func (e *errorRewriter) Flush() { _ = http.NewResponseController(e.ResponseWriter).Flush() }

func (e *errorRewriter) finish() {
	if e.status < 400 {
		return
	}
	body := e.buf.Bytes()
	var resp struct {
		Errors []map[string]any `json:"errors"`
	}
	if json.Unmarshal(body, &resp) == nil && len(resp.Errors) > 0 {
		for _, er := range resp.Errors {
			ext, _ := er["extensions"].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				er["extensions"] = ext
			}
			if _, ok := ext["code"]; !ok {
				ext["code"] = string(apperr.BadUserInput)
			}
		}
		if b, err := json.Marshal(map[string]any{"errors": resp.Errors}); err == nil {
			body = b
			e.Header().Set("Content-Type", "application/json")
		}
	}
	e.Header().Del("Content-Length")
	e.ResponseWriter.WriteHeader(e.status)
	_, _ = e.ResponseWriter.Write(body)
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

// accessLog logs and counts every request, labelled by the mux pattern it
// matched (unmatched paths share one label).
func accessLog(log *slog.Logger, m *metrics, mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		took := time.Since(start)
		route := "unmatched"
		if _, pattern := mux.Handler(r); pattern != "" {
			route = pattern
		}
		m.observe(route, rec.status, took)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration_ms", took.Milliseconds())
	})
}
