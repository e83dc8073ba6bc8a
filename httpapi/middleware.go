package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
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
		if origin != "" && isWebSocket(r) && !slices.Contains(allowed, origin) {
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

// The two media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// responseType is the media type the client negotiated with Accept:
// application/graphql-response+json when it lists that before
// application/json, application/json otherwise (also when it sent no
// Accept, as clients older than the GraphQL-over-HTTP specification do).
func responseType(r *http.Request) string {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		media, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch media {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON:
			return mediaJSON
		}
	}
	return mediaJSON
}

// answers finishes every HTTP answer of /graphql the same way, whoever
// wrote it (gqlgen's transports, the body limit, authentication), following
// the GraphQL-over-HTTP specification: the content type the client
// negotiated; a code on every error; and for a request error (refused
// before execution: no data, no error path) the status it calls for, 401
// when the code is UNAUTHENTICATED, and a 4xx under
// application/graphql-response+json, where clients read the status. A
// missing token (for anything but login) and an invalid or expired one
// thus answer alike: 401, UNAUTHENTICATED, WWW-Authenticate: Bearer.
// WebSocket upgrades pass through untouched.
func answers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		rec := &answerWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		infoOf(r.Context()).addCodes(rec.finish(responseType(r)))
	})
}

// answerWriter holds an answer until the handler is done with it. gqlgen
// writes each answer in one piece, so nothing is delayed. It has no Unwrap
// on purpose: nothing may flush the underlying writer before the status
// is settled.
type answerWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (a *answerWriter) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *answerWriter) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.buf.Write(b)
}

// finish writes the answer and returns the codes of its errors.
func (a *answerWriter) finish(media string) (codes []string) {
	status, body := a.status, a.buf.Bytes()
	if status == 0 {
		status = http.StatusOK
	}
	if status >= 400 || bytes.HasPrefix(body, []byte(`{"errors"`)) {
		status, body, codes = settle(status, body, media)
	}
	h := a.Header()
	if bytes.HasPrefix(body, []byte("{")) {
		h.Set("Content-Type", media)
	}
	if status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", "Bearer")
	}
	h.Del("Content-Length")
	a.ResponseWriter.WriteHeader(status)
	_, _ = a.ResponseWriter.Write(body)
	return codes
}

// settle gives every error of an answer with errors a code, and a request
// error its status; it returns the codes too.
func settle(status int, body []byte, media string) (int, []byte, []string) {
	var resp struct {
		Errors []map[string]any `json:"errors"`
		Data   json.RawMessage  `json:"data"`
	}
	if json.Unmarshal(body, &resp) != nil || len(resp.Errors) == 0 {
		return status, body, nil
	}
	requestError := len(resp.Data) == 0 || string(resp.Data) == "null"
	codes := make([]string, len(resp.Errors))
	for i, er := range resp.Errors {
		if _, ok := er["path"]; ok {
			requestError = false
		}
		ext, _ := er["extensions"].(map[string]any)
		codes[i], _ = ext["code"].(string)
	}
	switch {
	case !requestError:
		return status, body, codes
	case codes[0] == string(apperr.Unauthenticated):
		status = http.StatusUnauthorized
	case status < 400 && media == mediaGraphQLResponse:
		status = http.StatusBadRequest
	}
	if status < 400 {
		return status, body, codes
	}
	for i, er := range resp.Errors {
		if codes[i] == "" {
			codes[i] = string(apperr.BadUserInput)
			ext, _ := er["extensions"].(map[string]any)
			if ext == nil {
				ext = map[string]any{}
				er["extensions"] = ext
			}
			ext["code"] = codes[i]
		}
	}
	if b, err := json.Marshal(map[string]any{"errors": resp.Errors}); err == nil {
		body = b
	}
	return status, body, codes
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
