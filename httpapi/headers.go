package httpapi

import "net/http"

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
