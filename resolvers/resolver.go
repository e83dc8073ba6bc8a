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

	"github.com/itsm-graph/itsm/baseline"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/problem"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/search"
	"github.com/itsm-graph/itsm/sla"
	"github.com/itsm-graph/itsm/tickets"
	"github.com/itsm-graph/itsm/webhooks"
)

// Resolver is the root resolver; it holds the domain services.
type Resolver struct {
	CMDB         *cmdb.Service
	Catalog      *catalog.Catalog
	BaselineMgmt *baseline.Service
	// Numbers reads tickets by their human-readable numbers.
	Numbers tickets.Lookup
	// SearchBox answers search(text:).
	SearchBox    *search.Searcher
	ChangeMgmt   *change.Service
	IncidentMgmt *incident.Service
	ProblemMgmt  *problem.Service
	Knowledge    *knowledge.Service
	Suggester    *knowledge.Suggester
	SLAMgmt      *sla.Service
	RequestMgmt  *request.Service
	Analyzer     *impact.Analyzer
	Hints        *problem.Hints
	Candidates   *problem.Candidates
	People       *people.Directory

	// Tickets are what SLA clocks run on: incidents and requests.
	Tickets sla.Tickets
	// The subscription feeds, one per process that publishes.
	CIFeed        *events.Topic[cmdb.CI]
	ChangeFeed    *events.Topic[change.Change]
	IncidentFeed  *events.Topic[incident.Incident]
	ProblemFeed   *events.Topic[problem.Problem]
	KnowledgeFeed *events.Topic[knowledge.Article]
	SLAEventFeed  *events.Topic[sla.Event]
	// Events is the event log, for eventLog.
	Events events.Log
	// Hooks registers webhooks.
	Hooks        *webhooks.Service
	RequestFeed  *events.Topic[request.Record]
	ApprovalFeed *events.Topic[request.Approval]
	// LoaderWait is how long a loader collects keys before it queries.
	LoaderWait time.Duration

	// shapes remembers, per Go type of a field's result, whether it holds
	// objects the visibility rules screen (see Guard).
	shapes sync.Map
}

// process is what one ITIL process registers with the API layer; its
// loaders it builds itself, on first use in a response (see loaderSet).
type process struct {
	// kinds are the records its ids name: who reads them, how node(id:)
	// fetches them.
	kinds []kind
	// snapshots are its types that show records by reference.
	snapshots []snapshot
	// costs prices its expensive fields (see cost.go).
	costs func(r *Resolver, c *graph.ComplexityRoot)
}

// processes lists every process. Adding one is a line here, beside its
// schema/<process>.graphqls and resolvers/<process>*.go.
func processes() []process {
	return []process{peopleProcess(), cmdbProcess(), catalogProcess(), impactProcess(),
		changeProcess(), incidentProcess(), slaProcess(), problemProcess(), knowledgeProcess(),
		requestProcess(), searchProcess(), eventsProcess()}
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
