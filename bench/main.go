// Command bench loads synthetic CMDBs (package gen) into a throwaway Neo4j
// and prints how fast the product imports them, how impact analysis through
// the GraphQL API compares with the bare traversal run through the driver,
// and how many database round trips one request costs.
//
//	go run ./bench -uri bolt://127.0.0.1:7687 -wipe
//	make bench    # starts a throwaway Neo4j and runs this against it
//
// The database it is pointed at is WIPED. It refuses to run unless -wipe is
// given or the URI comes from $NEO4J_BENCH_URI, a variable whose only
// purpose is to name a throwaway benchmark database.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/cmdb"
)

// EnvURI names the variable that points at a throwaway benchmark database.
const EnvURI = "NEO4J_BENCH_URI"

type options struct {
	uri, user, password string
	sizes               []int
	samples             int
	warmup              int
	seed                uint64
	depth               int
	batch               int
	budget              time.Duration
	linkWorkers         int
	jsonPath            string
	profile             bool
	cpuProfile          string
	profileStart        string
	starts              []string
	reuse               bool
	importOnly          bool
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	// The API runs in this process, tuned as the server tunes itself.
	app.TuneGC(os.Getenv)
	var o options
	var sizes string
	var wipe bool
	envURI := os.Getenv(EnvURI)
	flag.StringVar(&o.uri, "uri", envURI, "Bolt URI of a throwaway Neo4j 5 (default $"+EnvURI+"); its database \"neo4j\" is WIPED")
	flag.StringVar(&o.user, "user", os.Getenv("NEO4J_BENCH_USER"), "Neo4j user (default $NEO4J_BENCH_USER)")
	flag.StringVar(&o.password, "password", os.Getenv("NEO4J_BENCH_PASSWORD"), "Neo4j password (default $NEO4J_BENCH_PASSWORD)")
	flag.StringVar(&sizes, "sizes", "10000,100000", "comma-separated CMDB sizes (CIs); up to 1000000")
	flag.IntVar(&o.samples, "samples", 50, "timed requests per start item (fewer when -budget runs out first)")
	flag.IntVar(&o.warmup, "warmup", 3, "untimed requests per start item before sampling")
	flag.Uint64Var(&o.seed, "seed", 1, "generator seed")
	flag.IntVar(&o.depth, "depth", 10, "impact maxDepth")
	flag.IntVar(&o.batch, "batch", cmdb.DefaultImportBatch, "import batch size (rows per transaction)")
	flag.DurationVar(&o.budget, "budget", 60*time.Second, "time budget per start item and method; sampling stops early (after at least 5 samples) when it is spent")
	flag.IntVar(&o.linkWorkers, "link-workers", 4, "concurrent catalogue links during setup")
	flag.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	flag.BoolVar(&o.profile, "profile", false, "PROFILE the raw traversal from the hub and print its plan")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the API (client and server, in this process) while it serves the requests from -profile-start to FILE.<size>")
	flag.StringVar(&o.profileStart, "profile-start", "hub", "start item whose requests -cpuprofile records: leaf, median or hub")
	var starts string
	flag.StringVar(&starts, "starts", "leaf,median,hub", "comma-separated start items to time: leaf, median, hub")
	flag.BoolVar(&o.importOnly, "import-only", false, "time the imports and stop: no catalogue, no reads")
	flag.BoolVar(&o.reuse, "reuse", false, "time impact analysis on the estate an earlier run of the same size and seed left in the database: no wipe, no import, no catalogue (use with one size)")
	flag.BoolVar(&wipe, "wipe", false, "confirm that the database may be wiped")
	flag.Parse()

	if o.uri == "" {
		return fmt.Errorf("no database: give -uri or set %s (it will be wiped)", EnvURI)
	}
	if !wipe && o.uri != envURI {
		return fmt.Errorf("refusing to wipe %s: pass -wipe to confirm it is a throwaway database (or set %s, which names one)", o.uri, EnvURI)
	}
	for _, s := range strings.Split(starts, ",") {
		s = strings.TrimSpace(s)
		if s != "leaf" && s != "median" && s != "hub" {
			return fmt.Errorf("-starts: %q is not leaf, median or hub", s)
		}
		o.starts = append(o.starts, s)
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 || n > 1_000_000 {
			return fmt.Errorf("-sizes: %q is not a size between 100 and 1000000", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.reuse && len(o.sizes) != 1 {
		return fmt.Errorf("-reuse needs exactly one size: the one loaded by the earlier run")
	}
	if o.samples < 1 || o.depth < 1 || o.depth > 20 || o.batch < 1 {
		return fmt.Errorf("-samples and -batch must be positive and -depth between 1 and 20")
	}
	// The API logs every request; a benchmark wants none of it.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))

	ctx := context.Background()
	b, err := newBench(ctx, o)
	if err != nil {
		return err
	}
	defer b.close(ctx)

	start := time.Now()
	res := Results{Seed: o.seed, Samples: o.samples, Depth: o.depth, Batch: o.batch, Budget: o.budget.String(),
		GoMaxProcs: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), Neo4j: b.version(ctx), Started: start.UTC().Format(time.RFC3339)}
	fmt.Printf("bench: Neo4j %s at %s, %d CPU(s), seed %d, %d samples per start (budget %s), depth %d\n",
		res.Neo4j, o.uri, res.NumCPU, o.seed, o.samples, o.budget, o.depth)
	for _, size := range o.sizes {
		sr, err := b.runSize(ctx, size)
		if err != nil {
			return fmt.Errorf("size %d: %w", size, err)
		}
		res.Sizes = append(res.Sizes, sr)
		printSize(os.Stdout, sr)
		printReads(os.Stdout, "everyday reads", sr.Size, sr.Reads)
		printReads(os.Stdout, "problem management", sr.Size, sr.Problems)
		printReads(os.Stdout, "knowledge", sr.Size, sr.Knowledge)
		printReads(os.Stdout, "request fulfilment", sr.Size, sr.Requests)
		printEvents(os.Stdout, sr)
		printExplorer(os.Stdout, sr)
	}
	res.Total = secs(time.Since(start))
	printSummary(os.Stdout, res)
	if o.jsonPath != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonPath, append(data, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Printf("results written to %s\n", o.jsonPath)
	}
	return nil
}
