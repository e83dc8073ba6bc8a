package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/credentials"
	"github.com/itsm-graph/itsm/gen"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/neo4j"
)

const database = "neo4j"

// loader is who the synthetic estate is recorded as written by.
var loader = auth.Principal{Subject: "bench"}

// bench holds what every size shares: the options and a bare driver for
// wiping, the raw baselines and the bare traversal.
type bench struct {
	o   options
	raw driver.DriverWithContext
}

func newBench(ctx context.Context, o options) (*bench, error) {
	a := driver.NoAuth()
	if o.password != "" {
		a = driver.BasicAuth(o.user, o.password, "")
	}
	d, err := driver.NewDriverWithContext(o.uri, a)
	if err != nil {
		return nil, fmt.Errorf("-uri %q: %w", o.uri, err)
	}
	if err := d.VerifyConnectivity(ctx); err != nil {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("cannot reach Neo4j at %s: %w", o.uri, err)
	}
	return &bench{o: o, raw: d}, nil
}

func (b *bench) close(ctx context.Context) { _ = b.raw.Close(ctx) }

func (b *bench) version(ctx context.Context) string {
	res, err := driver.ExecuteQuery(ctx, b.raw, `CALL dbms.components() YIELD versions, edition RETURN versions[0] + ' ' + edition AS v`,
		nil, driver.EagerResultTransformer, driver.ExecuteQueryWithDatabase(database))
	if err != nil || len(res.Records) == 0 {
		return "?"
	}
	v, _ := res.Records[0].Get("v")
	s, _ := v.(string)
	return s
}

// autocommit runs a statement in an implicit transaction, which
// CALL … IN TRANSACTIONS needs.
func (b *bench) autocommit(ctx context.Context, stmt string, params map[string]any) error {
	sess := b.raw.NewSession(ctx, driver.SessionConfig{DatabaseName: database, AccessMode: driver.AccessModeWrite})
	defer func() { _ = sess.Close(ctx) }()
	res, err := sess.Run(ctx, stmt, params)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	return err
}

// Relationships go first, in their own batches: detaching a hub (the DNS
// server has a few relationships per CI of the estate) together with
// thousands of other nodes in one transaction exceeds Neo4j's
// per-transaction memory limit.
const (
	wipeRels  = `MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS`
	wipeNodes = `MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`
)

func (b *bench) wipeData(ctx context.Context) error {
	for _, stmt := range []string{wipeRels, wipeNodes} {
		if err := b.autocommit(ctx, stmt, nil); err != nil {
			return fmt.Errorf("wiping %s: %w", b.o.uri, err)
		}
	}
	return nil
}

// wipe deletes everything and drops the raw baseline's index, leaving the
// product's schema (Migrate recreates whatever is missing).
func (b *bench) wipe(ctx context.Context) error {
	if err := b.wipeData(ctx); err != nil {
		return err
	}
	return b.autocommit(ctx, dropRawIndex, nil)
}

// phase times one step of a size's run.
type phases struct {
	list []Phase
}

func (p *phases) time(name string, f func() error) error {
	t0 := time.Now()
	err := f()
	d := time.Since(t0)
	p.list = append(p.list, Phase{Name: name, Seconds: secs(d)})
	fmt.Fprintf(os.Stderr, "  %-34s %8.1f s\n", name, d.Seconds())
	return err
}

func (b *bench) runSize(ctx context.Context, size int) (SizeResult, error) {
	sr := SizeResult{Size: size}
	var ph phases
	fmt.Fprintf(os.Stderr, "== size %d\n", size)
	var c *gen.CMDB
	var picks map[string]string
	_ = ph.time("generate", func() error {
		c = gen.Generate(size, b.o.seed)
		picks = map[string]string{"leaf": c.Leaf(), "median": c.Median(), "hub": c.Hub()}
		return nil
	})
	sr.CIs, sr.Relationships, sr.CatalogueItems, sr.CatalogueLinks = len(c.Items), len(c.Relationships),
		len(c.BusinessUnits)+len(c.BusinessProcesses)+len(c.BusinessServices)+len(c.TechnicalServices), len(c.Links)

	var store *neo4j.Store
	if err := ph.time("wipe + migrate", func() error {
		if !b.o.reuse {
			if err := b.wipe(ctx); err != nil {
				return err
			}
		}
		var err error
		store, err = neo4j.Open(ctx, neo4j.Config{URI: b.o.uri, User: b.o.user, Password: b.o.password, Database: database, RetryTime: 30 * time.Second})
		if err != nil {
			return err
		}
		return store.Migrate(ctx)
	}); err != nil {
		return sr, err
	}
	defer func() { _ = store.Close(ctx) }()

	tokens, err := credentials.NewTokens(credentials.TokenConfig{Algorithm: "HS256", Secret: []byte("bench-secret-bench-secret-bench-secret!"), TTL: time.Hour}, time.Now)
	if err != nil {
		return sr, err
	}
	api, err := app.New(app.Deps{Store: store, Tokens: tokens, Now: time.Now, NewID: ids.New, Logger: slog.Default()}, app.Limits{WebDir: webDir})
	if err != nil {
		return sr, err
	}

	var idOf map[string]string
	if b.o.reuse {
		idOf, err = store.CMDB().SourceCIs(ctx, gen.Source)
		if err != nil {
			return sr, err
		}
		if len(idOf) != len(c.Items) {
			return sr, fmt.Errorf("-reuse: the database holds %d CIs of source %s, size %d has %d: load it first without -reuse", len(idOf), gen.Source, size, len(c.Items))
		}
	} else if idOf, err = b.load(ctx, api, store, c, &sr, &ph); err != nil {
		return sr, err
	}
	if b.o.importOnly {
		sr.Phases = ph.list
		return sr, nil
	}

	srv := httptest.NewServer(api.Handler)
	defer srv.Close()
	token, _, err := tokens.Mint("bench", []auth.Role{auth.Analyst}, 2*time.Hour)
	if err != nil {
		return sr, err
	}
	gql := &graphqlClient{url: srv.URL + "/graphql", token: token}
	// The benchmark's query shows no item field beyond the id, so the API
	// fetches names only (resolvers.ItemDetail); the in-process run does too.
	analyzer := impact.NewAnalyzer(store.Impact(), impact.DefaultLimits()).Showing(impact.Names)

	if err := ph.time("GraphQL floor", func() error {
		sr.Floor, err = b.sampleFloor(ctx, gql)
		return err
	}); err != nil {
		return sr, err
	}
	if err := ph.time("everyday reads", func() error {
		sr.Reads, err = b.sampleReads(ctx, gql, readCases())
		return err
	}); err != nil {
		return sr, err
	}
	if err := ph.time("problem management: incidents and modifications (untimed)", func() error {
		agent, _, err := tokens.Mint("bench-agent", []auth.Role{auth.Agent, auth.ConfigManager}, 2*time.Hour)
		if err != nil {
			return err
		}
		g := &graphqlClient{url: gql.url, token: agent}
		near, err := nearStartCIs(ctx, gql, idOf[picks["median"]])
		if err != nil {
			return err
		}
		if err := b.modifyCIs(ctx, g, near, len(near)); err != nil {
			return err
		}
		if err := b.modifyCIs(ctx, g, ciIDsOf(idOf), problemModifications); err != nil {
			return err
		}
		return b.openIncidents(ctx, g, ciIDsOf(idOf), problemIncidents)
	}); err != nil {
		return sr, err
	}
	if err := ph.time("problem management", func() error {
		sr.Problems, err = b.sampleReads(ctx, gql, problemCases(idOf[picks["median"]]))
		return err
	}); err != nil {
		return sr, err
	}
	var incident string
	var staff, requester *graphqlClient
	if err := ph.time("knowledge: articles (untimed)", func() error {
		author, _, err := tokens.Mint("bench-author", []auth.Role{auth.Agent}, 2*time.Hour)
		if err != nil {
			return err
		}
		manager, _, err := tokens.Mint("bench-knowledge-manager", []auth.Role{auth.KnowledgeManager}, 2*time.Hour)
		if err != nil {
			return err
		}
		req, _, err := tokens.Mint("bench-requester", []auth.Role{auth.Requester}, 2*time.Hour)
		if err != nil {
			return err
		}
		staff, requester = &graphqlClient{url: gql.url, token: author}, &graphqlClient{url: gql.url, token: req}
		if err := b.writeArticles(ctx, staff, &graphqlClient{url: gql.url, token: manager}, ciIDsOf(idOf), knowledgeArticles); err != nil {
			return err
		}
		incident, err = suggestionIncident(ctx, staff, idOf[picks["median"]])
		return err
	}); err != nil {
		return sr, err
	}
	if err := ph.time("knowledge", func() error {
		for _, k := range knowledgeCases(staff, requester, incident) {
			got, err := b.sampleReads(ctx, k.g, []readCase{k.c})
			if err != nil {
				return err
			}
			sr.Knowledge = append(sr.Knowledge, got...)
		}
		return nil
	}); err != nil {
		return sr, err
	}
	var world requestWorld
	if err := ph.time("requests: catalogue and orders (untimed)", func() error {
		admin, _, err := tokens.Mint("bench-admin", []auth.Role{auth.Admin}, 2*time.Hour)
		if err != nil {
			return err
		}
		mint := func(subject string, roles ...auth.Role) (*graphqlClient, error) {
			tok, _, err := tokens.Mint(subject, roles, 2*time.Hour)
			return &graphqlClient{url: gql.url, token: tok}, err
		}
		world, err = b.writeRequests(ctx, &graphqlClient{url: gql.url, token: admin}, api.Requests, mint)
		return err
	}); err != nil {
		return sr, err
	}
	if err := ph.time("requests", func() error {
		for _, k := range requestCases(world) {
			got, err := b.sampleReads(ctx, k.g, []readCase{k.c})
			if err != nil {
				return err
			}
			sr.Requests = append(sr.Requests, got...)
		}
		return nil
	}); err != nil {
		return sr, err
	}
	if err := ph.time("event log", func() error {
		sr.Events, err = b.measureEvents(ctx, api, ciIDsOf(idOf))
		return err
	}); err != nil {
		return sr, err
	}
	if err := ph.time("explorer", func() error {
		sr.Explorer, err = b.measureExplorer(ctx, srv.URL, token, idOf[picks["hub"]])
		return err
	}); err != nil {
		return sr, err
	}
	for _, name := range b.o.starts {
		ext := picks[name]
		st := StartResult{Start: name, ExternalID: ext, ID: idOf[ext], Expected: c.ImpactSize(ext, b.o.depth)}
		if st.ID == "" {
			return sr, fmt.Errorf("the %s CI %s was not imported", name, ext)
		}
		if err := ph.time("impact via GraphQL: "+name, func() error {
			if name == b.o.profileStart && b.o.cpuProfile != "" {
				stop, err := startCPUProfile(fmt.Sprintf("%s.%d", b.o.cpuProfile, size))
				if err != nil {
					return err
				}
				defer stop()
			}
			return b.sampleGraphQL(ctx, gql, store, &st)
		}); err != nil {
			return sr, err
		}
		if err := ph.time("impact first page via GraphQL: "+name, func() error {
			return b.sampleFirstPage(ctx, gql, &st)
		}); err != nil {
			return sr, err
		}
		if err := ph.time("impact raw answer: "+name, func() error {
			return b.sampleRaw(ctx, &st)
		}); err != nil {
			return sr, err
		}
		if err := ph.time("impact bare traversal: "+name, func() error {
			return b.sampleBare(ctx, &st)
		}); err != nil {
			return sr, err
		}
		if err := ph.time("impact in process: "+name, func() error {
			return b.sampleDomain(ctx, analyzer, &st)
		}); err != nil {
			return sr, err
		}
		if st.Domain.P50 > 0 {
			st.APIRatioP50 = st.GraphQL.P50 / st.Domain.P50
			st.APIRatioP95 = st.GraphQL.P95 / st.Domain.P95
		}
		if st.GraphQL.P50 > 0 && st.Raw.P50 > 0 {
			st.RatioP50 = st.GraphQL.P50 / st.Raw.P50
			st.RatioP95 = st.GraphQL.P95 / st.Raw.P95
		}
		if st.Bare.P50 > 0 {
			st.PageOverBare = st.FirstPage.P50 / st.Bare.P50
		}
		if st.GraphQL.P50 > 0 && st.Bare.P50 > 0 {
			st.BareRatioP50 = st.GraphQL.P50 / st.Bare.P50
			st.BareRatioP95 = st.GraphQL.P95 / st.Bare.P95
		}
		sr.Starts = append(sr.Starts, st)
	}
	if b.o.profile {
		_ = ph.time("profile raw traversal (hub)", func() error { return b.profileRaw(ctx, idOf[picks["hub"]]) })
	}
	sr.Phases = ph.list
	return sr, nil
}

// load imports the estate through the product and through the raw
// baseline (timing both), then creates the catalogue; it returns external
// id or catalogue key → product id.
func (b *bench) load(ctx context.Context, api *app.App, store *neo4j.Store, c *gen.CMDB, sr *SizeResult, ph *phases) (map[string]string, error) {
	// Neo4j's JIT needs a few hundred thousand rows before the import
	// statements run at their steady speed (a fresh JVM starts at a fifth
	// of it). Both imports are warmed the same way, on estates of their own
	// that stay until both timed imports are done: wiping them first would
	// have the timed product import, and not the raw one after it, reuse
	// the record ids the wipe freed.
	if err := ph.time("warm-up imports", func() error {
		rates, err := b.warmUp(ctx, api.CMDB, store)
		sr.Import.WarmUpCIsPerSec = rates
		return err
	}); err != nil {
		return nil, err
	}

	if err := ph.time("import (product)", func() error {
		imp, err := importProduct(ctx, api.CMDB, store, gen.Source, c, b.o.batch)
		sr.Import.CIsPerSec, sr.Import.RelsPerSec = imp.cisPerSec, imp.relsPerSec
		sr.Import.Statements, sr.Import.Transactions = imp.statements, imp.transactions
		sr.Import.CISeconds, sr.Import.RelSeconds = secs(imp.ciTime), secs(imp.relTime)
		sr.Import.CIRateFirstTenth, sr.Import.CIRateLastTenth = imp.ciRateFirst, imp.ciRateLast
		sr.Import.RelRateFirstTenth, sr.Import.RelRateLastTenth = imp.relRateFirst, imp.relRateLast
		return err
	}); err != nil {
		return nil, err
	}
	if err := ph.time("import (second source, identified)", func() error {
		return importSecondSource(ctx, api.CMDB, c, b.o.batch, &sr.Import)
	}); err != nil {
		return nil, err
	}
	if err := ph.time("import (raw driver baseline)", func() error {
		ciTime, relTime, err := b.importRaw(ctx, c, b.o.batch)
		sr.Import.RawCISeconds, sr.Import.RawRelSeconds = secs(ciTime), secs(relTime)
		sr.Import.RawCIsPerSec = float64(len(c.Items)) / ciTime.Seconds()
		sr.Import.RawRelsPerSec = float64(len(c.Relationships)) / relTime.Seconds()
		return err
	}); err != nil {
		return nil, err
	}
	if err := ph.time("delete raw + warm-up estates", func() error {
		if err := b.deleteRaw(ctx); err != nil {
			return err
		}
		return b.deleteWarmUp(ctx)
	}); err != nil {
		return nil, err
	}
	sr.Import.RatioCIs = sr.Import.CIsPerSec / sr.Import.RawCIsPerSec
	sr.Import.RatioRels = sr.Import.RelsPerSec / sr.Import.RawRelsPerSec
	if b.o.importOnly {
		return nil, nil
	}

	var idOf map[string]string
	err := ph.time("catalogue (setup, untimed)", func() error {
		var err error
		idOf, err = loadCatalogue(ctx, api.Catalog, store, c, b.o.linkWorkers)
		return err
	})
	return idOf, err

}

// loadCatalogue creates the catalogue through catalog.Catalog and returns
// external id or catalogue key → product id, for CIs and catalogue items.
func loadCatalogue(ctx context.Context, cat *catalog.Catalog, store *neo4j.Store, c *gen.CMDB, workers int) (map[string]string, error) {
	idOf, err := store.CMDB().SourceCIs(ctx, gen.Source)
	if err != nil {
		return nil, err
	}
	live := catalog.StatusLive
	for _, u := range c.BusinessUnits {
		x, err := cat.CreateUnit(ctx, loader, catalog.CreateUnitInput{Name: u.Name, Description: u.Description})
		if err != nil {
			return nil, fmt.Errorf("business unit %s: %w", u.Key, err)
		}
		idOf[u.Key] = x.ID
	}
	for _, p := range c.BusinessProcesses {
		x, err := cat.CreateProcess(ctx, loader, catalog.CreateProcessInput{Name: p.Name, Criticality: &p.Criticality})
		if err != nil {
			return nil, fmt.Errorf("business process %s: %w", p.Key, err)
		}
		idOf[p.Key] = x.ID
	}
	for kind, list := range map[catalog.Kind][]gen.Service{catalog.KindBusinessService: c.BusinessServices, catalog.KindTechnicalService: c.TechnicalServices} {
		for _, s := range list {
			x, err := cat.CreateService(ctx, loader, catalog.CreateServiceInput{Kind: kind, Name: s.Name, Status: &live, Criticality: &s.Criticality})
			if err != nil {
				return nil, fmt.Errorf("service %s: %w", s.Key, err)
			}
			idOf[s.Key] = x.ID
		}
	}
	// Links are one transaction each; a few workers keep both cores busy.
	work := make(chan gen.Link)
	errs := make(chan error, max(1, workers))
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range work {
				if _, err := cat.Link(ctx, loader, catalog.LinkInput{SourceID: idOf[l.Source], Type: l.Type, TargetID: idOf[l.Target]}); err != nil {
					errs <- fmt.Errorf("link %s %s %s: %w", l.Source, l.Type, l.Target, err)
					for range work {
					}
					return
				}
			}
		}()
	}
	for _, l := range c.Links {
		work <- l
	}
	close(work)
	wg.Wait()
	close(errs)
	return idOf, <-errs
}

type importResult struct {
	ciTime, relTime          time.Duration
	cisPerSec, relsPerSec    float64
	statements, transactions int64
	// Rates over the first and the last tenth of the batches, to show
	// whether the import slows down as the graph grows.
	ciRateFirst, ciRateLast, relRateFirst, relRateLast float64
}

type mark struct {
	done int
	at   time.Time
}

// tenths returns the rows/s over the first and the last tenth (at least
// one batch) of a stage's progress marks; start is when the stage began.
func tenths(start time.Time, marks []mark) (first, last float64) {
	if len(marks) == 0 {
		return 0, 0
	}
	k := max(1, len(marks)/10)
	f := marks[k-1]
	first = float64(f.done) / f.at.Sub(start).Seconds()
	from := mark{0, start}
	if len(marks) > k {
		from = marks[len(marks)-k-1]
	}
	l := marks[len(marks)-1]
	last = float64(l.done-from.done) / l.at.Sub(from.at).Seconds()
	return first, last
}

// importProduct imports the estate through cmdb.Service.Import and times
// the CI stage and the relationship stage apart.
func importProduct(ctx context.Context, svc *cmdb.Service, store *neo4j.Store, source string, c *gen.CMDB, batch int) (importResult, error) {
	var r importResult
	before := store.Stats()
	t0 := time.Now()
	itemsDone := t0
	var ciMarks, relMarks []mark
	// A full feed: relationships the source made before and no longer
	// reports would be removed (on an empty source, none are).
	rep, err := svc.Import(ctx, loader, cmdb.ImportInput{Source: source, Items: c.Items, Relationships: c.Relationships, Options: cmdb.ImportOptions{
		BatchSize: batch, MissingRelationships: cmdb.MissingRemove,
		Progress: func(stage string, done, total int) {
			now := time.Now()
			if stage == "items" {
				ciMarks = append(ciMarks, mark{done, now})
				if done == total {
					itemsDone = now
				}
			} else {
				relMarks = append(relMarks, mark{done, now})
			}
		},
	}})
	end := time.Now()
	after := store.Stats()
	if err != nil {
		return r, err
	}
	if len(rep.Errors) > 0 {
		e := rep.Errors[0]
		return r, fmt.Errorf("import refused %d rows; first: %s row %d %s: %s", len(rep.Errors), e.Kind, e.Row, e.Field, e.Message)
	}
	if rep.Created != len(c.Items) || rep.RelationshipsCreated != len(c.Relationships) {
		return r, fmt.Errorf("import created %d CIs and %d relationships, want %d and %d (is the database really empty?)",
			rep.Created, rep.RelationshipsCreated, len(c.Items), len(c.Relationships))
	}
	r.ciTime, r.relTime = itemsDone.Sub(t0), end.Sub(itemsDone)
	r.cisPerSec = float64(len(c.Items)) / r.ciTime.Seconds()
	r.relsPerSec = float64(len(c.Relationships)) / r.relTime.Seconds()
	r.statements, r.transactions = after.Statements-before.Statements, after.Transactions-before.Transactions
	r.ciRateFirst, r.ciRateLast = tenths(t0, ciMarks)
	r.relRateFirst, r.relRateLast = tenths(itemsDone, relMarks)
	return r, nil
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// importSecondSource imports the asset register's view of the estate after
// the estate itself: every row is identified by serial number or hostname
// as a CI of the first source, and its fields merge under rules that give
// the register the location and the discovery source the hostname.
func importSecondSource(ctx context.Context, svc *cmdb.Service, c *gen.CMDB, batch int, res *ImportResult) error {
	if _, err := svc.SetReconciliationRules(ctx, loader, cmdb.Rules{Precedence: []cmdb.Precedence{
		{Field: "location", Sources: []string{gen.AssetSource, gen.Source}},
		{Field: "attributes.hostname", Sources: []string{gen.Source, gen.AssetSource}},
		{Field: cmdb.DefaultPrecedence, Sources: []string{gen.Source, gen.AssetSource}},
	}}); err != nil {
		return err
	}
	assets := gen.AssetFeed(c)
	t0 := time.Now()
	rep, err := svc.Import(ctx, loader, cmdb.ImportInput{Source: gen.AssetSource, Items: assets, Options: cmdb.ImportOptions{BatchSize: batch}})
	took := time.Since(t0)
	if err != nil {
		return err
	}
	if len(rep.Errors) > 0 || rep.Identified != len(assets) {
		return fmt.Errorf("the asset register identified %d of %d rows (%d refused, %d created)", rep.Identified, len(assets), len(rep.Errors), rep.Created)
	}
	res.IdentifiedRows, res.IdentifiedSeconds = len(assets), secs(took)
	res.IdentifiedCIsPerSec = float64(len(assets)) / took.Seconds()
	res.IdentifiedHeld = len(rep.Held)
	return nil
}
