// Command itsm serves the ITSM GraphQL API over Neo4j.
//
//	itsm [serve] [flags]   run the API (default)
//	itsm migrate [flags]   apply schema migrations and exit
//	itsm token --subject S --roles R1,R2 [--ttl D]   mint a bearer token
//	itsm import --source S --file F.jsonl [--report-not-seen]   bulk-load a discovery feed
//	itsm generate --size N [--seed S] > F.jsonl   write a synthetic discovery feed
//
// Settings come from environment variables, overridden by flags; run
// `itsm -help` to list them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/config"
	"github.com/itsm-graph/itsm/credentials"
	"github.com/itsm-graph/itsm/demo"
	"github.com/itsm-graph/itsm/feed"
	"github.com/itsm-graph/itsm/gen"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/impact"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/telemetry"
	"github.com/itsm-graph/itsm/webhooks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if len(args) > 0 && (args[0] == "-help" || args[0] == "--help" || args[0] == "-h") {
		fmt.Fprintln(out, "usage: itsm [serve|migrate|token|import|generate] [flags]\n\n"+
			"  serve      run the API (the default)\n"+
			"  migrate    apply the schema migrations and exit\n"+
			"  token      mint a bearer token\n"+
			"  import     load a discovery feed (JSON Lines) into the CMDB\n"+
			"  generate   write a synthetic CMDB as a feed\n\n"+
			"settings (environment variable, flag, default):")
		config.Usage(out)
		fmt.Fprintln(out, "\ntoken flags: -subject S -roles R1,R2 [-ttl D]")
		fmt.Fprintln(out, "import flags: -source S -file F.jsonl [-report-not-seen] [-missing-relationships keep|report|remove] [-batch N] [-workers N] [-actor NAME] (see package feed for the format)")
		fmt.Fprintln(out, "generate flags: -size N [-seed S] (writes the CIs and relationships of a synthetic CMDB as a feed)")
		return nil
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, out)
	case "migrate":
		return migrate(ctx, args, getenv)
	case "token":
		return token(args, getenv, out)
	case "import":
		return importFeed(ctx, args, getenv, out)
	case "generate":
		return generate(args, out)
	default:
		return fmt.Errorf("unknown command %q; use serve, migrate, token, import or generate", cmd)
	}
}

func loadConfig(args []string, getenv func(string) string, needTokens bool) (config.Config, []string, *slog.Logger, error) {
	cfg, rest, err := config.Load(args, getenv, needTokens)
	if err != nil {
		return cfg, nil, nil, fmt.Errorf("invalid settings:\n%w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	return cfg, rest, log, nil
}

// openStore connects to Neo4j and applies the migrations; the caller closes
// the store.
func openStore(ctx context.Context, cfg config.Config) (*neo4j.Store, error) {
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	store, err := neo4j.Open(openCtx, neo4j.Config{URI: cfg.Neo4jURI, User: cfg.Neo4jUser, Password: cfg.Neo4jPassword, Database: cfg.Neo4jDatabase})
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return store, nil
}

func newTokens(cfg config.Config) (*credentials.Tokens, error) {
	return credentials.NewTokens(credentials.TokenConfig{
		Algorithm: cfg.JWTAlgorithm, Secret: []byte(cfg.JWTSecret),
		PublicKeyPEM: cfg.JWTPublicKey, PrivateKeyPEM: cfg.JWTPrivateKey,
		Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, Leeway: cfg.JWTLeeway, TTL: cfg.JWTTTL, MaxAge: cfg.JWTMaxAge,
	}, time.Now)
}

func migrate(ctx context.Context, args []string, getenv func(string) string) error {
	cfg, _, log, err := loadConfig(args, getenv, false)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close(context.WithoutCancel(ctx)) }()
	log.Info("migrated", "schema_version", neo4j.SchemaVersion)
	return nil
}

// splitFlags separates a command's own flags from server settings, so that
// for example `token -subject x -jwt-secret …` works. Boolean own flags take
// no value unless written -flag=value.
func splitFlags(args []string, own map[string]bool) (mine, rest []string) {
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(strings.SplitN(args[i], "=", 2)[0], "-")
		isBool, ok := own[name]
		if !ok {
			rest = append(rest, args[i])
			continue
		}
		mine = append(mine, args[i])
		if !isBool && !strings.Contains(args[i], "=") && i+1 < len(args) {
			mine = append(mine, args[i+1])
			i++
		}
	}
	return mine, rest
}

func token(args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	subject := fs.String("subject", "", "token subject (a user id for local accounts)")
	roles := fs.String("roles", "", "comma-separated roles, for example CONFIG_MANAGER,ANALYST")
	ttl := fs.Duration("ttl", 0, "lifetime (default JWT_TTL)")
	own, rest := splitFlags(args, map[string]bool{"subject": false, "roles": false, "ttl": false})
	if err := fs.Parse(own); err != nil {
		return err
	}
	if *subject == "" || *roles == "" {
		return errors.New("token needs -subject and -roles, for example: token -subject ci-feed -roles CONFIG_MANAGER")
	}
	var rs []auth.Role
	for _, r := range strings.Split(*roles, ",") {
		role, err := auth.ParseRole(strings.TrimSpace(r))
		if err != nil {
			return err
		}
		rs = append(rs, role)
	}
	cfg, _, _, err := loadConfig(rest, getenv, true)
	if err != nil {
		return err
	}
	if cfg.JWTMaxAge > 0 && *ttl > cfg.JWTMaxAge {
		return fmt.Errorf("-ttl %s is longer than JWT_MAX_AGE (%s): the server would refuse the token after %s; raise JWT_MAX_AGE or mint a shorter token", *ttl, cfg.JWTMaxAge, cfg.JWTMaxAge)
	}
	tokens, err := newTokens(cfg)
	if err != nil {
		return err
	}
	tok, _, err := tokens.Mint(*subject, rs, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, tok)
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	cfg, _, log, err := loadConfig(args, getenv, true)
	if err != nil {
		return err
	}
	app.TuneGC(getenv)
	stopTracing, err := telemetry.Setup(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	tokens, err := newTokens(cfg)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close(context.WithoutCancel(ctx)) }()

	api, err := app.New(app.Deps{Store: store, Tokens: tokens, Now: time.Now, NewID: ids.New, Logger: log}, app.Limits{
		CORSOrigins:      cfg.CORSOrigins,
		CORSHeaders:      cfg.CORSHeaders,
		Request:          cfg.Request,
		Introspection:    cfg.Introspection,
		TrustedDocuments: cfg.TrustedDocuments,
		WebDir:           cfg.WebDir,
		SplitMetrics:     cfg.MetricsAddr != "",
		Proxies:          cfg.TrustedProxies,
		Impact:           impact.Limits{DefaultDepth: cfg.ImpactDepth, MaxDepth: cfg.ImpactMaxDepth, MaxStarts: 100},
		Incidents:        incident.Policy{ReopenWindow: cfg.ReopenWindow, AutoCloseAfter: cfg.AutoCloseAfter},
		Requests:         request.Policy{ConfirmWindow: cfg.RequestConfirmWindow},
		Events:           app.EventLimits{Poll: cfg.EventPoll, Buffer: cfg.EventBuffer},
		Webhooks:         webhooks.Policy{AllowPrivate: cfg.WebhookAllowPrivate},
		Login: people.LoginLimits{
			AccountBurst: cfg.LoginAccountBurst, AccountInterval: cfg.LoginAccountInterval,
			ClientBurst: cfg.LoginClientBurst, ClientInterval: cfg.LoginClientInterval,
			Concurrent: cfg.LoginConcurrency, Queue: cfg.LoginQueue,
		},
	})
	if err != nil {
		return fmt.Errorf("invalid settings: %w", err)
	}
	defer api.Close()
	// The periodic work stops with the server: bgCtx is cancelled after
	// the HTTP server has shut down, and serve waits for it to finish.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var background sync.WaitGroup
	background.Add(1)
	go func() {
		defer background.Done()
		api.Run(bgCtx, app.Background{EvaluateSLAs: cfg.SLAEvaluationInterval, AutoClose: cfg.AutoCloseInterval,
			Lease: cfg.JobLease, Retention: cfg.EventRetention, Webhooks: cfg.WebhookInterval})
	}()
	defer func() {
		stopBackground()
		background.Wait()
	}()
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           api.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR %s: %w", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "GraphQL:  %s/graphql\nExplorer: %s/\nGraphiQL: %s/graphiql\n", base, base, base)

	if cfg.Demo {
		admin, password, loaded, err := demo.Load(ctx, api.CMDB, api.Catalog, api.Changes, api.People, store.People(), api.Incidents, api.Problems, api.Knowledge)
		if err == nil && loaded {
			err = demo.LoadRequests(ctx, api.Catalog, api.People, api.Requests, admin)
		}
		if err == nil && loaded {
			err = demo.LoadAgreements(ctx, api.Catalog, api.People, api.SLAs)
		}
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			log.Warn("demo data not loaded", "err", err)
		case err == nil && password != "":
			tok, _, err := tokens.Mint(admin.ID, admin.Roles, 0)
			if err != nil {
				return err
			}
			if loaded {
				fmt.Fprintln(out, "Loaded the demo CMDB.")
			}
			fmt.Fprintf(out, "Admin login: %s / %s (a new password at every start)\nAdmin token (send as 'Authorization: Bearer <token>'):\n%s\n", demo.AdminUsername, password, tok)
		case err == nil:
			log.Warn("demo data not loaded: the database holds data and its admin account is not the demo's")
		}
	}

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	var metricsSrv *http.Server
	if api.Metrics != nil {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		metricsSrv = &http.Server{Handler: api.Metrics, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() { errc <- metricsSrv.Serve(mln) }()
		fmt.Fprintf(out, "Metrics:  http://%s/metrics\n", mln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx) // the API's shutdown below is the one that matters
	}
	var drained sync.WaitGroup
	drained.Go(func() { api.DrainWebSockets(shutdownCtx) })
	err = srv.Shutdown(shutdownCtx)
	drained.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func importFeed(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	source := fs.String("source", "", "discovery source the feed comes from")
	file := fs.String("file", "", "JSON Lines feed (- for standard input)")
	notSeen := fs.Bool("report-not-seen", false, "list live CIs of the source that the feed does not mention")
	missing := fs.String("missing-relationships", "keep", "what to do with relationships the source's feeds made that this one does not report: keep, report or remove")
	batch := fs.Int("batch", cmdb.DefaultImportBatch, "rows per transaction")
	workers := fs.Int("workers", cmdb.DefaultImportWorkers, "CI batches written at once")
	actorName := fs.String("actor", "import-command", "who the history records as the author")
	own, rest := splitFlags(args, map[string]bool{"source": false, "file": false, "report-not-seen": true, "missing-relationships": false, "batch": false, "workers": false, "actor": false})
	if err := fs.Parse(own); err != nil {
		return err
	}
	if *source == "" || *file == "" {
		return errors.New("import needs -source and -file, for example: import -source vcenter -file feed.jsonl")
	}
	in := os.Stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		in = f
	}
	fd, err := feed.Read(in)
	if err != nil {
		return err
	}
	cfg, _, log, err := loadConfig(rest, getenv, false)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close(context.WithoutCancel(ctx)) }()
	svc := cmdb.NewService(store.CMDB(), time.Now, ids.New)
	start := time.Now()
	rep, err := svc.Import(ctx, auth.Principal{Subject: *actorName}, cmdb.ImportInput{Source: *source, Items: fd.Items, Relationships: fd.Relationships, Options: cmdb.ImportOptions{
		BatchSize: *batch, Workers: *workers, ReportNotSeen: *notSeen, MissingRelationships: cmdb.MissingPolicy(strings.ToUpper(*missing)),
		Progress: func(stage string, done, total int) {
			rate := float64(done) / time.Since(start).Seconds()
			fmt.Fprintf(os.Stderr, "\r%-13s %d/%d (%.0f/s)   ", stage, done, total, rate)
			if done == total {
				fmt.Fprintln(os.Stderr)
				start = time.Now()
			}
		},
	}})
	if err != nil {
		return err
	}
	log.Info("imported", "source", *source, "created", rep.Created, "updated", rep.Updated, "unchanged", rep.Unchanged,
		"relationships_created", rep.RelationshipsCreated, "relationships_unchanged", rep.RelationshipsUnchanged,
		"not_seen", len(rep.NotSeen), "errors", len(rep.Errors)+len(fd.Refused))
	fmt.Fprintf(out, "created %d, updated %d, unchanged %d; relationships created %d, unchanged %d; not seen %d; refused lines %d\n",
		rep.Created, rep.Updated, rep.Unchanged, rep.RelationshipsCreated, rep.RelationshipsUnchanged, len(rep.NotSeen), len(rep.Errors)+len(fd.Refused))
	for _, r := range rep.RelationshipsNotSeen {
		fmt.Fprintf(out, "relationship not seen: %s -%s-> %s\n", r.Source.Name, r.Type, r.Target.Name)
	}
	if rep.RelationshipsRemoved > 0 {
		fmt.Fprintf(out, "relationships removed %d\n", rep.RelationshipsRemoved)
	}
	if rep.Identified > 0 {
		fmt.Fprintf(out, "identified as CIs of other sources %d\n", rep.Identified)
	}
	for _, h := range rep.Held {
		fmt.Fprintf(out, "line %d: %s kept by source %s, which has precedence\n", fd.Line(cmdb.ImportError{Row: h.Row, Kind: "ITEM"}), h.Field, h.HeldBy)
	}
	for _, c := range rep.NotSeen {
		fmt.Fprintf(out, "not seen: %s %s (%s)\n", c.ExternalID, c.ID, c.Name)
	}
	for _, r := range fd.Refused {
		fmt.Fprintf(out, "line %d: %s\n", r.Line, r.Message)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(out, "line %d (%s %d): %s\n", fd.Line(e), strings.ToLower(e.Kind), e.Row, e.Message)
	}
	return nil
}

func generate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	size := fs.Int("size", 10000, "number of CIs")
	seed := fs.Uint64("seed", 1, "random seed; the same size and seed give the same feed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *size < 1 || *size > 10_000_000 {
		return fmt.Errorf("-size must be between 1 and 10000000 (got %d)", *size)
	}
	c := gen.Generate(*size, *seed)
	return feed.Write(out, c.Items, c.Relationships)
}
