// Package app wires the domain services, resolvers and HTTP surface onto a
// store. The server command and the end-to-end tests build the API the same
// way through it.
package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/itsm-graph/itsm/baseline"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/credentials"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/httpapi"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/jobs"
	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/limits"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/problem"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/resolvers"
	"github.com/itsm-graph/itsm/search"
	"github.com/itsm-graph/itsm/sla"
	"github.com/itsm-graph/itsm/tickets"
	"github.com/itsm-graph/itsm/webhooks"
)

// Deps are what the API is built from. Now and NewID are injected so that
// tests control time and identifiers.
type Deps struct {
	Store  *neo4j.Store
	Tokens *credentials.Tokens
	Now    func() time.Time
	NewID  func(prefix string) string
	Logger *slog.Logger
}

// Limits are the HTTP settings of httpapi.Options that come from config.
type Limits struct {
	CORSOrigins []string
	// CORSHeaders are the request headers allowed origins may send
	// besides Authorization, Content-Type and Accept.
	CORSHeaders []string
	// Request bounds the work of one request; zero fields take
	// limits.Default.
	Request       limits.Request
	Introspection bool
	// TrustedDocuments is a manifest of the only operations to run
	// (httpapi.ParseTrustedDocuments); nil runs any.
	TrustedDocuments []byte
	// WebDir holds the built web pages (httpapi.Options.WebDir).
	WebDir string
	// Impact bounds graph analyses.
	Impact impact.Limits
	// Login throttles logins; zero fields take people.DefaultLoginLimits.
	Login people.LoginLimits
	// Proxies are the trusted reverse proxies whose X-Forwarded-For names
	// the client address; empty trusts none.
	Proxies []netip.Prefix
	// SplitMetrics serves /metrics on App.Metrics (for its own listen
	// address) instead of on the API behind an ADMIN token.
	SplitMetrics bool
	// Incidents holds the reopen window and auto-close period; zero takes
	// incident.DefaultPolicy.
	Incidents incident.Policy
	// Requests holds the confirmation window of fulfilled requests; zero
	// takes request.DefaultPolicy.
	Requests request.Policy
	// LoaderWait is how long a loader collects keys before it queries; zero
	// takes resolvers.DefaultLoaderWait. Tests shorten it to show that a
	// request's transactions do not depend on how its fields interleave.
	LoaderWait time.Duration
	// Events says how this instance reads the event log.
	Events EventLimits
	// Webhooks bounds webhook deliveries; zero fields take
	// webhooks.DefaultPolicy's.
	Webhooks webhooks.Policy
}

// EventLimits say how an instance reads the event log.
type EventLimits struct {
	// Poll is how often the log is read for writes made through other
	// instances (this instance's own are read as they commit); zero takes
	// DefaultEventPoll.
	Poll time.Duration
	// Buffer is how many events a subscriber may fall behind by before
	// it is told to resume; zero takes events.DefaultBuffer.
	Buffer int
}

// DefaultEventPoll is how often an instance reads the log by default.
const DefaultEventPoll = 250 * time.Millisecond

// App is the assembled API.
type App struct {
	CMDB      *cmdb.Service
	Catalog   *catalog.Catalog
	Changes   *change.Service
	Incidents *incident.Service
	Problems  *problem.Service
	Knowledge *knowledge.Service
	SLAs      *sla.Service
	Requests  *request.Service
	Webhooks  *webhooks.Service
	People    *people.Directory
	Handler   http.Handler
	// Metrics serves /metrics alone when Limits.SplitMetrics is set;
	// nil otherwise.
	Metrics http.Handler
	// DrainWebSockets ends the WebSockets on shutdown, letting queries
	// and mutations in flight finish; call it beside the HTTP server's
	// Shutdown, with the same deadline.
	DrainWebSockets func(ctx context.Context)

	tickets  sla.Tickets
	logger   *slog.Logger
	leases   jobs.Leases
	events   *neo4j.Events
	instance string
	// stop ends the reading of the event log; done closes when it has.
	stop func()
	done chan struct{}
}

// New assembles the API. Zero impact limits take impact.DefaultLimits.
// The error names the setting at fault (an invalid incident policy).
func New(d Deps, l Limits) (*App, error) {
	if l.Impact == (impact.Limits{}) {
		l.Impact = impact.DefaultLimits()
	}
	if l.Incidents == (incident.Policy{}) {
		l.Incidents = incident.DefaultPolicy()
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	hub := events.NewHub(d.Store.Events(), cmp.Or(l.Events.Poll, DefaultEventPoll), l.Events.Buffer)
	started, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hub.Start(started); err != nil {
		return nil, fmt.Errorf("reading the event log: %w", err)
	}
	d.Store.OnAppend(hub.Wake)
	ciEvents, changeEvents := events.NewTopic[cmdb.CI](hub, events.KindCI), events.NewTopic[change.Change](hub, events.KindChange)
	incidentEvents, slaEvents := events.NewTopic[incident.Incident](hub, events.KindIncident), events.NewTopic[sla.Event](hub, events.KindSLAEvent)
	an := impact.NewAnalyzer(d.Store.Impact(), l.Impact)
	chg := change.NewService(d.Store.Changes(), an, change.DefaultPolicy(), d.Now, d.NewID)
	ci := cmdb.NewService(d.Store.CMDB(), d.Now, d.NewID).WithChangeGate(chg)
	cat := catalog.New(d.Store.Catalog(), d.Now, d.NewID)
	dir := people.NewDirectory(d.Store.People(), d.Tokens, credentials.Bcrypt{}, d.Now, d.NewID).WithLoginLimits(l.Login)
	inc, err := incident.NewService(d.Store.Incidents(), incident.GraphImpact{Analyzer: an}, l.Incidents, d.Now, d.NewID)
	if err != nil {
		return nil, err
	}
	slas := sla.NewService(d.Store.SLAs(), d.Now, d.NewID)
	problemEvents := events.NewTopic[problem.Problem](hub, events.KindProblem)
	knowledgeEvents := events.NewTopic[knowledge.Article](hub, events.KindArticle)
	kb := knowledge.NewService(d.Store.Knowledge(), d.Now, d.NewID)
	prb := problem.NewService(d.Store.Problems(), inc, d.Now, d.NewID)
	requestEvents, approvalEvents := events.NewTopic[request.Record](hub, events.KindRequest), events.NewTopic[request.Approval](hub, events.KindApproval)
	req := request.NewService(d.Store.Requests(), l.Requests, d.Now, d.NewID).WithCIs(ci)
	slaTickets := sla.Several{inc, req}
	hooks := webhooks.NewService(d.Store.Webhooks(), d.Store.Events(), l.Webhooks, d.Now, d.NewID)
	root := &resolvers.Resolver{RequestMgmt: req, Tickets: slaTickets, RequestFeed: requestEvents, ApprovalFeed: approvalEvents,
		CMDB: ci, Catalog: cat, BaselineMgmt: baseline.New(d.Store.Baselines(), d.Now, d.NewID), Numbers: tickets.NewLookup(d.Store.Tickets()), SearchBox: search.New(d.Store.Searches()), ChangeMgmt: chg, IncidentMgmt: inc, ProblemMgmt: prb, Knowledge: kb, Suggester: knowledge.NewSuggester(kb, an), SLAMgmt: slas, Analyzer: an, People: dir,
		Hints: problem.NewHints(an, d.Store.Near(), d.Now), Candidates: problem.NewCandidates(d.Store.Near(), d.Now),
		CIFeed: ciEvents, ChangeFeed: changeEvents, IncidentFeed: incidentEvents, ProblemFeed: problemEvents, KnowledgeFeed: knowledgeEvents, SLAEventFeed: slaEvents, Events: d.Store.Events(), Hooks: hooks,
		LoaderWait: cmp.Or(l.LoaderWait, resolvers.DefaultLoaderWait)}
	schema := graph.NewExecutableSchema(root.Schema())
	var trusted httpapi.TrustedDocuments
	if l.TrustedDocuments != nil {
		if trusted, err = httpapi.ParseTrustedDocuments(l.TrustedDocuments, schema.Schema()); err != nil {
			return nil, fmt.Errorf("TRUSTED_DOCUMENTS_FILE: %w", err)
		}
	}
	h := httpapi.New(httpapi.Options{
		Schema:           schema,
		TrustedDocuments: trusted,
		Verifier:         d.Tokens,
		Ready:            d.Store.Ready,
		PerResponse:      root.WithLoaders,
		AroundFields:     root.Guard,
		Extensions:       []graphql.HandlerExtension{resolvers.Positions{}},
		Causality:        d.Store,
		CORSOrigins:      l.CORSOrigins,
		CORSHeaders:      l.CORSHeaders,
		Limits:           l.Request,
		Introspection:    l.Introspection,
		Logger:           d.Logger,
		StoreStats: func() (int64, int64) {
			st := d.Store.Stats()
			return st.Transactions, st.Statements
		},
		SplitMetrics:   l.SplitMetrics,
		TrustedProxies: l.Proxies,
		WebDir:         l.WebDir,
	})
	a := &App{CMDB: ci, Catalog: cat, Changes: chg, Incidents: inc, Problems: prb, Knowledge: kb, SLAs: slas, Requests: req, Webhooks: hooks, People: dir, Handler: h.API, Metrics: h.Metrics, DrainWebSockets: h.DrainWebSockets,
		tickets: slaTickets, logger: d.Logger, done: make(chan struct{}),
		leases: d.Store.Leases(), events: d.Store.Events(), instance: d.NewID("ins")}
	tail, stop := context.WithCancel(context.Background())
	a.stop = stop
	go func() {
		defer close(a.done)
		hub.Run(tail, func(err error) { a.logger.Error("reading the event log failed", "err", err) })
	}()
	return a, nil
}

// Close stops reading the event log (subscriptions hear nothing more) and
// returns once it has stopped.
func (a *App) Close() {
	a.stop()
	<-a.done
}

// Background holds the periods of the API's own periodic work.
type Background struct {
	// EvaluateSLAs is how often the SLA evaluator looks for warnings and
	// breaches; zero takes DefaultSLAEvaluation.
	EvaluateSLAs time.Duration
	// AutoClose is how often resolved incidents past their confirmation
	// period are closed, and fulfilled requests past theirs, with request
	// approvals past their time-out decided; zero takes DefaultAutoClose.
	AutoClose time.Duration
	// Lease is how long an instance holds a job before another may take
	// it over; zero takes DefaultLease.
	Lease time.Duration
	// Retention is how long events stay in the log; zero takes
	// DefaultRetention.
	Retention time.Duration
	// Webhooks is how often due webhook deliveries are made; zero takes
	// DefaultWebhookInterval.
	Webhooks time.Duration
}

// Defaults of Background.
const (
	DefaultSLAEvaluation = time.Minute
	DefaultAutoClose     = 10 * time.Minute
	DefaultLease         = 15 * time.Second
	DefaultRetention     = 7 * 24 * time.Hour
	// DefaultWebhookInterval is how often webhooks are sent what is due.
	DefaultWebhookInterval = time.Second
)

// pruneEvery is how often events past their retention are deleted.
const pruneEvery = time.Minute

// Run does the periodic work until ctx ends and returns once it has
// stopped: the SLA evaluator (its warnings and breaches reach subscribers
// through the event log), the automatic closes of incidents and requests,
// and the pruning of the event log. Each runs on one instance at a time,
// the one holding its lease (see jobs); a failed round is logged and
// retried at the next tick.
func (a *App) Run(ctx context.Context, b Background) {
	r := jobs.Runner{Leases: a.leases, Holder: a.instance, TTL: cmp.Or(b.Lease, DefaultLease), OnError: func(err error) {
		a.logger.Error("taking a job lease failed", "err", err)
	}}
	retention := cmp.Or(b.Retention, DefaultRetention)
	var wg sync.WaitGroup
	for _, j := range []jobs.Job{
		{Name: "sla-evaluation", Every: cmp.Or(b.EvaluateSLAs, DefaultSLAEvaluation), Round: a.evaluateSLAs},
		{Name: "auto-close", Every: cmp.Or(b.AutoClose, DefaultAutoClose), Round: a.autoClose},
		{Name: "event-pruning", Every: pruneEvery, Round: func(ctx context.Context) { a.pruneEvents(ctx, retention) }},
		{Name: "webhook-delivery", Every: cmp.Or(b.Webhooks, DefaultWebhookInterval), Round: a.deliverWebhooks},
	} {
		wg.Go(func() { r.Run(ctx, j) })
	}
	wg.Wait()
}

// evaluateSLAs records the warnings and breaches due, and escalates the
// breaches.
func (a *App) evaluateSLAs(ctx context.Context) {
	evs, err := a.SLAs.Evaluate(ctx, a.tickets)
	if err != nil && ctx.Err() == nil {
		a.logger.Error("SLA evaluation failed", "err", err)
	}
	a.escalate(ctx, evs)
}

// autoClose closes due incidents and sweeps requests.
func (a *App) autoClose(ctx context.Context) {
	// A full batch means more may be due: go on without waiting.
	for {
		closed, err := a.Incidents.AutoClose(ctx)
		if err != nil && ctx.Err() == nil {
			a.logger.Error("closing resolved incidents failed", "err", err)
		}
		if len(closed) > 0 {
			a.logger.Info("closed resolved incidents automatically", "count", len(closed))
		}
		if err != nil || len(closed) < incident.AutoCloseBatch {
			break
		}
	}
	a.sweepRequests(ctx)
}

// deliverWebhooks sends the webhooks what is due.
func (a *App) deliverWebhooks(ctx context.Context) {
	if err := a.Webhooks.DeliverDue(ctx); err != nil && ctx.Err() == nil {
		a.logger.Error("delivering webhooks failed", "err", err)
	}
}

// pruneBatch bounds the events one transaction deletes.
const pruneBatch = 1000

// pruneEvents deletes the events older than retention.
func (a *App) pruneEvents(ctx context.Context, retention time.Duration) {
	for {
		n, err := a.events.Prune(ctx, time.Now().Add(-retention), pruneBatch)
		if err != nil && ctx.Err() == nil {
			a.logger.Error("pruning the event log failed", "err", err)
		}
		if err != nil || n < pruneBatch {
			return
		}
	}
}

// sweepRequests applies request time-outs and closes fulfilled requests
// past their window, batch after batch while batches come back full.
func (a *App) sweepRequests(ctx context.Context) {
	for {
		moved, err := a.Requests.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			a.logger.Error("sweeping requests failed", "err", err)
		}
		if moved > 0 {
			a.logger.Info("moved requests by time-out or window", "count", moved)
		}
		if err != nil || moved < request.SweepBatch {
			return
		}
	}
}

// escalate hands the breaches of incident clocks among evs to incident
// management (a work note, and a priority raise where the SLA asks for
// one). A failure is logged: the breach itself is recorded and published
// all the same.
func (a *App) escalate(ctx context.Context, evs []sla.Event) {
	var breaches []sla.Event
	var slaIDs []string
	for _, e := range evs {
		if e.Kind == sla.Breach && ids.Kind(e.TicketID) == incident.IncidentPrefix {
			breaches, slaIDs = append(breaches, e), append(slaIDs, e.SLAID)
		}
	}
	if len(breaches) == 0 {
		return
	}
	slas, err := a.SLAs.GetMany(ctx, slaIDs)
	if err != nil {
		a.logger.Error("SLA breach escalation failed", "err", err)
		return
	}
	for _, e := range breaches {
		s, ok := slas[e.SLAID]
		if !ok {
			continue
		}
		if _, err := a.Incidents.Breached(ctx, e.TicketID, s.Name, e, s.RaiseOnBreach); err != nil && ctx.Err() == nil {
			a.logger.Error("SLA breach escalation failed", "incident", e.TicketID, "err", err)
		}
	}
}
