package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql/playground"
)

// noStore marks every answer as not to be sniffed into another content
// type nor kept in a cache: they carry data read with a bearer token, and
// a shared or browser cache must not hand them to someone else.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// graphiQLHost serves the scripts and styles of gqlgen's GraphiQL page.
const graphiQLHost = "https://cdn.jsdelivr.net"

// graphiQL serves gqlgen's GraphiQL page under a content security policy
// that lets it load only its own scripts and styles from the CDN and talk
// only to this origin, and forbids framing (clickjacking) and referrers
// (the page's URL may carry a query). The page's inline script is allowed
// by its hash rather than by 'unsafe-inline', so injected script cannot
// run; the page is the same for every request, so the hash is computed
// once here.
func graphiQL(title, endpoint string) http.Handler {
	page := playground.Handler(title, endpoint)
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	scripts := []string{graphiQLHost}
	// The page's own script is the one without src.
	inlineScript := regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	for _, m := range inlineScript.FindAllStringSubmatch(rec.Body.String(), -1) {
		sum := sha256.Sum256([]byte(m[1]))
		scripts = append(scripts, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(scripts, " "),
		// GraphiQL sets style attributes from script.
		"style-src " + graphiQLHost + " 'unsafe-inline'",
		"font-src " + graphiQLHost + " data:",
		"img-src 'self' data: " + graphiQLHost,
		"connect-src 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"form-action 'none'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		page.ServeHTTP(w, r)
	})
}
