// Package resolvers adapts GraphQL to the domain: each resolver decodes its
// arguments, leaves authorisation to the @auth directive (or checks rows),
// calls one domain method and maps the result. No Cypher and no business
// rules live here.
package resolvers

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
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
}

// Schema returns the executable schema wired to r, with the directives.
func (r *Resolver) Schema() graph.Config {
	cfg := graph.Config{Resolvers: r}
	cfg.Directives.Auth = authDirective
	cfg.Directives.Public = func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
		return next(ctx)
	}
	connection := func(child int, first *int) int {
		n := 20
		if first != nil && *first > 0 {
			n = *first
		}
		return 1 + n*child
	}
	cfg.Complexity.Query.ConfigurationItems = func(child int, _ *model.ConfigurationItemFilter, _ *model.ConfigurationItemOrder, first *int, _ *string) int {
		return connection(child, first)
	}
	cfg.Complexity.Query.Users = func(child int, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.Groups = func(child int, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.ConfigurationItem.Relationships = func(child int, _ *model.RelationshipDirection, _ []string, first *int) int {
		n := 100
		if first != nil && *first > 0 {
			n = *first
		}
		return 1 + n*child
	}
	cfg.Complexity.ConfigurationItem.History = func(child int, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.Services = func(child int, _ *model.ServiceFilter, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.TechnicalCatalog = func(child int, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.BusinessUnits = func(child int, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.BusinessProcesses = func(child int, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.Incidents = func(child int, _ *model.IncidentFilter, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.Slas = func(child int, _ *string, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.Changes = func(child int, _ *model.ChangeFilter, first *int, _ *string) int { return connection(child, first) }
	cfg.Complexity.Query.UnauthorizedChanges = func(child int, _ time.Time, first *int, _ *string) int { return connection(child, first) }
	// A change's live impact and conflicts each run an impact analysis: a
	// list of changes asking for them costs one analysis per change, so
	// they weigh enough that the complexity limit bounds how many one
	// request may run (lists should read the stored assessment instead).
	cfg.Complexity.Change.Impact = func(child int, _ *int) int { return liveAnalysisCost + child }
	cfg.Complexity.Change.Conflicts = func(child int) int { return liveAnalysisCost + child }
	return cfg
}

// liveAnalysisCost is the complexity of a field that runs an impact
// analysis: with the default limit of 50000, about 40 per request.
const liveAnalysisCost = 1000
