package httpapi

import (
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// pageCSP lets the built pages run only their own bundled scripts and talk
// only to this origin ('self' covers its WebSocket too): nothing comes
// from a CDN, injected script cannot run, and the pages cannot be framed
// (clickjacking). GraphiQL and Cytoscape set style attributes from script,
// hence 'unsafe-inline' for styles only.
var pageCSP = strings.Join([]string{
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"font-src 'self' data:",
	"img-src 'self' data:",
	"connect-src 'self'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
	"form-action 'none'",
}, "; ")

// webPages serves the explorer (/) and GraphiQL (/graphiql) built into
// dir by `make web`, and their assets. The build is read from disk at each
// request, so a rebuild needs no restart; when dir holds no build, both
// pages say how to make one and the API runs regardless.
func webPages(mux *http.ServeMux, dir string) {
	page := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", pageCSP)
			h.Set("X-Frame-Options", "DENY")
			// The explorer's URL names items; it stays on this site.
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Content-Type", "text/html; charset=utf-8")
			b, err := os.ReadFile(filepath.Join(dir, name))
			if dir == "" || err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_ = notBuilt.Execute(w, dir) // the client may have gone
				return
			}
			_, _ = w.Write(b)
		})
	}
	mux.Handle("GET /{$}", page("index.html"))
	mux.Handle("GET /graphiql", page("graphiql.html"))
	if dir == "" {
		return
	}
	files := http.FileServer(http.Dir(filepath.Join(dir, "assets")))
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Asset names carry a hash of their content: a new build makes
		// new names, so browsers may keep these for good.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		files.ServeHTTP(w, r)
	})))
}

var notBuilt = template.Must(template.New("not built").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ITSM graph: pages not built</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>The explorer is not built</h1>
<p>The GraphQL API is running at <code>/graphql</code>; only the web pages are missing{{if .}} from <code>{{.}}</code>{{end}}.</p>
<p>To build them, install Node.js 18 or later with npm, then run <code>make web</code> in the repository
(or restart with <code>make run</code>, which builds them when Node.js is present), and reload this page.
Set <code>WEB_DIR</code> to serve a build kept elsewhere.</p>
</body></html>`))
