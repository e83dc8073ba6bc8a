// Package resolvers adapts GraphQL to the domain: each resolver decodes its
// arguments, leaves authorisation to the @auth directive (or checks rows),
// calls one domain method and maps the result. No Cypher and no business
// rules live here.
package resolvers

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/sla"
)

// Resolver is the root resolver; it holds the domain services.
type Resolver struct {
	CMDB         *cmdb.Service
	Catalog      *catalog.Catalog
	ChangeMgmt   *change.Service
	IncidentMgmt *incident.Service
	SLAMgmt      *sla.Service
	Analyzer     *impact.Analyzer
	People       *people.Directory
	Events       *events.Broker
	// LoaderWait is how long a loader collects keys before it queries.
	LoaderWait time.Duration

	// shapes remembers, per Go type of a field's result, whether it holds
	// objects the visibility rules screen (see Guard).
	shapes sync.Map
}

// Schema returns the executable schema wired to r, with the directives.
func (r *Resolver) Schema() graph.Config {
	cfg := graph.Config{Resolvers: r}
	cfg.Directives.Auth = authDirective
	cfg.Directives.Public = func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
		return next(ctx)
	}
	r.setCosts(&cfg.Complexity)
	return cfg
}
