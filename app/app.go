// Package app wires the domain services, resolvers and HTTP surface onto a
// store. The server command and the end-to-end tests build the API the same
// way through it.
package app

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/httpapi"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/resolvers"
)

// Deps are what the API is built from. Now and NewID are injected so that
// tests control time and identifiers.
type Deps struct {
	Store  *neo4j.Store
	Tokens *auth.Tokens
	Now    func() time.Time
	NewID  func(prefix string) string
	Logger *slog.Logger
}

// Limits are the HTTP settings of httpapi.Options that come from config.
type Limits struct {
	CORSOrigins   []string
	MaxBodyBytes  int64
	MaxDepth      int
	MaxComplexity int
	Introspection bool
	// Impact bounds graph analyses.
	Impact impact.Limits
}

// App is the assembled API.
type App struct {
	CMDB    *cmdb.Service
	Catalog *catalog.Catalog
	People  *people.Directory
	Handler http.Handler
}

// New assembles the API. Zero impact limits take impact.DefaultLimits.
func New(d Deps, l Limits) *App {
	if l.Impact == (impact.Limits{}) {
		l.Impact = impact.DefaultLimits()
	}
	broker := events.NewBroker()
	ci := cmdb.NewService(d.Store.CMDB(), d.Now, d.NewID, broker)
	cat := catalog.New(d.Store.Catalog(), d.Now, d.NewID)
	an := impact.NewAnalyzer(d.Store.Impact(), l.Impact)
	// Answers that show only names and kinds skip reading whole records.
	an.SetDetail(resolvers.ItemDetail)
	dir := people.NewDirectory(d.Store.People(), d.Tokens, d.Now, d.NewID)
	root := &resolvers.Resolver{CMDB: ci, Catalog: cat, Analyzer: an, People: dir, Events: broker, LoaderWait: resolvers.DefaultLoaderWait}
	h := httpapi.New(httpapi.Options{
		Schema:        graph.NewExecutableSchema(root.Schema()),
		Verifier:      d.Tokens,
		Ready:         d.Store.Ready,
		PerResponse:   root.WithLoaders,
		CORSOrigins:   l.CORSOrigins,
		MaxBodyBytes:  l.MaxBodyBytes,
		MaxDepth:      l.MaxDepth,
		MaxComplexity: l.MaxComplexity,
		Introspection: l.Introspection,
		Logger:        d.Logger,
		StoreStats: func() (int64, int64) {
			st := d.Store.Stats()
			return st.Transactions, st.Statements
		},
	})
	return &App{CMDB: ci, Catalog: cat, People: dir, Handler: h}
}
