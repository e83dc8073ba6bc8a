package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Results is everything a run measured; -json writes it.
type Results struct {
	Started    string       `json:"started"`
	Neo4j      string       `json:"neo4j"`
	NumCPU     int          `json:"numCpu"`
	GoMaxProcs int          `json:"goMaxProcs"`
	Seed       uint64       `json:"seed"`
	Samples    int          `json:"samples"`
	Budget     string       `json:"budgetPerStart"`
	Depth      int          `json:"depth"`
	Batch      int          `json:"batch"`
	Sizes      []SizeResult `json:"sizes"`
	Total      float64      `json:"totalSeconds"`
}

// SizeResult is one CMDB size.
type SizeResult struct {
	Size           int          `json:"size"`
	CIs            int          `json:"cis"`
	Relationships  int          `json:"relationships"`
	CatalogueItems int          `json:"catalogueItems"`
	CatalogueLinks int          `json:"catalogueLinks"`
	Import         ImportResult `json:"import"`
	// Floor is the latency of a request that reads nothing (floorQuery).
	Floor  Latency       `json:"graphqlFloor"`
	Starts []StartResult `json:"starts"`
	Reads  []ReadResult  `json:"reads"`
	// Problems are the problem-management reads, over problemIncidents
	// incidents opened in the window.
	Problems []ReadResult `json:"problems"`
	// Knowledge are the knowledge reads over knowledgeArticles articles.
	Knowledge []ReadResult `json:"knowledge"`
	// Requests are the request lists over serviceRequests requests.
	Requests []ReadResult `json:"requests"`
	// Events measures the event log.
	Events EventResult `json:"events"`
	// Explorer measures the explorer page's first render.
	Explorer ExplorerResult `json:"explorer"`
	Phases   []Phase        `json:"phases"`
}

// ImportResult compares the product's import with the raw UNWIND baseline.
type ImportResult struct {
	CIsPerSec     float64 `json:"cisPerSec"`
	RelsPerSec    float64 `json:"relsPerSec"`
	CISeconds     float64 `json:"ciSeconds"`
	RelSeconds    float64 `json:"relSeconds"`
	Statements    int64   `json:"statements"`
	Transactions  int64   `json:"transactions"`
	RawCIsPerSec  float64 `json:"rawCisPerSec"`
	RawRelsPerSec float64 `json:"rawRelsPerSec"`
	RawCISeconds  float64 `json:"rawCiSeconds"`
	RawRelSeconds float64 `json:"rawRelSeconds"`
	// Ours / raw: below 1 means the product is slower.
	RatioCIs  float64 `json:"ratioCis"`
	RatioRels float64 `json:"ratioRels"`
	// The product's rates over the first and last tenth of its batches.
	CIRateFirstTenth  float64 `json:"ciRateFirstTenth"`
	CIRateLastTenth   float64 `json:"ciRateLastTenth"`
	RelRateFirstTenth float64 `json:"relRateFirstTenth"`
	RelRateLastTenth  float64 `json:"relRateLastTenth"`
	// The product's CI rate in each untimed warm-up round.
	WarmUpCIsPerSec []float64 `json:"warmUpCisPerSec"`
	// A second source's feed of the estate's hardware and machines, each
	// row identified as a CI of the first and merged under precedence
	// rules.
	IdentifiedRows      int     `json:"identifiedRows"`
	IdentifiedCIsPerSec float64 `json:"identifiedCisPerSec"`
	IdentifiedSeconds   float64 `json:"identifiedSeconds"`
	IdentifiedHeld      int     `json:"identifiedHeld"`
}

// StartResult is impact analysis from one start CI.
type StartResult struct {
	Start      string `json:"start"`
	ExternalID string `json:"externalId"`
	ID         string `json:"id"`
	// Impacted is counts.total of the API's answer, Expected what the
	// generator computes for the same depth, RawRows what the bare
	// traversal returned and RawAnswerRows what the raw answer statement
	// returned (the start included).
	Impacted      int     `json:"impacted"`
	Expected      int     `json:"expected"`
	RawRows       int     `json:"rawRows"`
	RawAnswerRows int     `json:"rawAnswerRows"`
	Down          int     `json:"down"`
	Degraded      int     `json:"degraded"`
	MaxDistance   int     `json:"maxDistance"`
	ResponseBytes int     `json:"responseBytes"`
	GraphQL       Latency `json:"graphql"`
	// Raw is the raw Cypher returning the same information as the answer
	// (see rawAnswer); Bare the id-only traversal (see rawTraversal).
	Raw  Latency `json:"raw"`
	Bare Latency `json:"bare"`
	// Domain is the same analysis called in process (store query plus the
	// Go analysis), without HTTP and GraphQL: GraphQL / Domain is what the
	// API layer adds.
	Domain       Latency `json:"domain"`
	APIRatioP50  float64 `json:"apiRatioP50"`
	APIRatioP95  float64 `json:"apiRatioP95"`
	RatioP50     float64 `json:"ratioP50"`
	RatioP95     float64 `json:"ratioP95"`
	BareRatioP50 float64 `json:"bareRatioP50"`
	BareRatioP95 float64 `json:"bareRatioP95"`
	Statements   int64   `json:"statementsPerRequest"`
	Transactions int64   `json:"transactionsPerRequest"`
	// FirstPage is the first 100 impacted items (impactedItems) with the
	// counts over the whole analysis; PageOverBare its p50 over Bare's.
	FirstPage    Latency `json:"firstPage"`
	PageOverBare float64 `json:"firstPageOverBareP50"`
}

// Latency summarises timed requests, in milliseconds.
type Latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50Ms"`
	P95  float64 `json:"p95Ms"`
	Max  float64 `json:"maxMs"`
	Mean float64 `json:"meanMs"`
}

// Phase is how long one step of a size's run took.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

func fmtMS(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// fmtLatency is fmtMS with its unit.
func fmtLatency(v float64) string {
	if v >= 1000 {
		return fmtMS(v)
	}
	return fmtMS(v) + " ms"
}

func printSize(w io.Writer, sr SizeResult) {
	fmt.Fprintf(w, "\n== impact analysis, size %d: %d CIs, %d relationships, %d catalogue items, %d catalogue links (latencies in ms)\n",
		sr.Size, sr.CIs, sr.Relationships, sr.CatalogueItems, sr.CatalogueLinks)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "start\tCI\timpacted\tGraphQL p50\tp95\tmax\traw p50\tp95\tratio p50\tratio p95\tbare p50\tp95\tbare ratio p50\tp95\tin-process p50\tp95\tAPI ratio p50\tp95\tstatements/req\ttransactions/req\tn (gql/raw/bare)\tresponse KB\t")
	for _, s := range sr.Starts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.2fx\t%.2fx\t%s\t%s\t%.1fx\t%.1fx\t%s\t%s\t%.2fx\t%.2fx\t%d\t%d\t%d/%d/%d\t%.0f\t\n",
			s.Start, s.ExternalID, s.Impacted, fmtMS(s.GraphQL.P50), fmtMS(s.GraphQL.P95), fmtMS(s.GraphQL.Max),
			fmtMS(s.Raw.P50), fmtMS(s.Raw.P95), s.RatioP50, s.RatioP95,
			fmtMS(s.Bare.P50), fmtMS(s.Bare.P95), s.BareRatioP50, s.BareRatioP95,
			fmtMS(s.Domain.P50), fmtMS(s.Domain.P95),
			s.APIRatioP50, s.APIRatioP95, s.Statements, s.Transactions,
			s.GraphQL.N, s.Raw.N, s.Bare.N, float64(s.ResponseBytes)/1024)
	}
	fmt.Fprintln(w, "(ratio: GraphQL over the raw Cypher returning the same information — per reached item its id, kind, name, severity inputs and impact steps, from which distances, severities and paths follow; bare ratio: GraphQL over the bare traversal returning ids only; API ratio: GraphQL over the same analysis called in process)")
	_ = tw.Flush()
	if sr.Floor.N > 0 {
		fmt.Fprintf(w, "GraphQL floor (query { __typename }, same handler and token): p50 %s, p95 %s; a ratio of 1.3 leaves the API 0.3 × raw p50 beyond the raw statement:",
			fmtLatency(sr.Floor.P50), fmtLatency(sr.Floor.P95))
		for _, s := range sr.Starts {
			fmt.Fprintf(w, " %s %s", s.Start, fmtLatency(0.3*s.Raw.P50))
		}
		fmt.Fprintln(w)
	}
	for _, s := range sr.Starts {
		if s.FirstPage.N > 0 {
			fmt.Fprintf(w, "first page of 100 impacted items from %s: p50 %s, p95 %s, %.2fx the bare traversal's p50\n",
				s.Start, fmtLatency(s.FirstPage.P50), fmtLatency(s.FirstPage.P95), s.PageOverBare)
		}
	}
	for _, s := range sr.Starts {
		if s.Impacted != s.Expected || s.RawRows != s.Expected || s.RawAnswerRows != s.Expected+1 {
			fmt.Fprintf(w, "WARNING: %s (%s): the API reports %d impacted items and the bare traversal %d rows; the generator expects %d\n",
				s.Start, s.ExternalID, s.Impacted, s.RawRows, s.Expected)
		}
	}
}

// printEvents reports the event log's measurements.
func printEvents(w io.Writer, sr SizeResult) {
	e := sr.Events
	if e.Delivery.N == 0 {
		return
	}
	fmt.Fprintf(w, "\n== event log, size %d\n", sr.Size)
	fmt.Fprintf(w, "delivery across instances (poll every %s): p50 %s, p95 %s, max %s over %d writes\n",
		e.PollInterval, fmtLatency(e.Delivery.P50), fmtLatency(e.Delivery.P95), fmtLatency(e.Delivery.Max), e.Delivery.N)
	fmt.Fprintf(w, "CI update, raw Cypher: p50 %s; with its event appended: p50 %s (%.2fx); through the product: p50 %s, %.2fx the same write without the append\n",
		fmtLatency(e.RawWrite.P50), fmtLatency(e.RawWriteWithEvent.P50), e.AppendRatioP50, fmtLatency(e.ProductWrite.P50), e.ProductRatioP50)
}

// printExplorer reports the explorer page's renders.
func printExplorer(w io.Writer, sr SizeResult) {
	x := sr.Explorer
	if x.Skipped == "" && x.Render.N == 0 {
		return
	}
	fmt.Fprintf(w, "\n== explorer page (headless Chromium, loopback), size %d\n", sr.Size)
	if x.Skipped != "" {
		fmt.Fprintf(w, "skipped: %s\n", x.Skipped)
		return
	}
	fmt.Fprintf(w, "first render of the hub's neighbourhood within 3 hops, %d items drawn (request, drawing, layout): p50 %s, p95 %s, max %s over %d renders\n",
		x.Items, fmtLatency(x.Render.P50), fmtLatency(x.Render.P95), fmtLatency(x.Render.Max), x.Render.N)
	fmt.Fprintf(w, "its GraphQL request as the browser timed it: p50 %s, p95 %s; render over request %.2fx\n",
		fmtLatency(x.Request.P50), fmtLatency(x.Request.P95), x.RenderOverRequestP50)
}

func printSummary(w io.Writer, res Results) {
	fmt.Fprintf(w, "\n== import through cmdb.Service.Import (batch %d) vs raw UNWIND baseline\n", res.Batch)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tCIs/s\trels/s\traw CIs/s\traw rels/s\tratio CIs\tratio rels\tCIs s\trels s\traw CIs s\traw rels s\tstatements\ttransactions\t")
	for _, s := range res.Sizes {
		i := s.Import
		if i.CIsPerSec == 0 {
			continue // -reuse: nothing imported
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t\n",
			s.Size, i.CIsPerSec, i.RelsPerSec, i.RawCIsPerSec, i.RawRelsPerSec, i.RatioCIs, i.RatioRels,
			i.CISeconds, i.RelSeconds, i.RawCISeconds, i.RawRelSeconds, i.Statements, i.Transactions)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "(ratio = ours / raw; below 1 means the product imports slower than bare UNWIND statements)")
	for _, s := range res.Sizes {
		i := s.Import
		if i.CIsPerSec == 0 {
			continue
		}
		fmt.Fprintf(w, "size %d, product rate over the first → last tenth of its batches: CIs/s %.0f → %.0f, rels/s %.0f → %.0f\n",
			s.Size, i.CIRateFirstTenth, i.CIRateLastTenth, i.RelRateFirstTenth, i.RelRateLastTenth)
		var warm []string
		for _, r := range i.WarmUpCIsPerSec {
			warm = append(warm, fmt.Sprintf("%.0f", r))
		}
		fmt.Fprintf(w, "size %d, product CIs/s in the untimed warm-up rounds: %s\n", s.Size, strings.Join(warm, " → "))
		fmt.Fprintf(w, "size %d, second source identified into the first: %d rows at %.0f CIs/s (%.1f s), %d fields held by precedence\n",
			s.Size, i.IdentifiedRows, i.IdentifiedCIsPerSec, i.IdentifiedSeconds, i.IdentifiedHeld)
	}

	// Latency against the impacted set, across sizes.
	type point struct {
		size, impacted int
		start          string
		p50            float64
	}
	var pts []point
	for _, s := range res.Sizes {
		for _, st := range s.Starts {
			pts = append(pts, point{s.Size, st.Impacted, st.Start, st.GraphQL.P50})
		}
	}
	slices.SortFunc(pts, func(a, b point) int { return cmp.Or(cmp.Compare(a.impacted, b.impacted), cmp.Compare(a.size, b.size)) })
	var parts []string
	for _, p := range pts {
		parts = append(parts, fmt.Sprintf("%d → %s (%s@%dk)", p.impacted, fmtLatency(p.p50), p.start, p.size/1000))
	}
	fmt.Fprintf(w, "\n== GraphQL p50 by impacted-set size, all sizes: %s\n", strings.Join(parts, ", "))

	fmt.Fprintln(w, "\n== phases (seconds)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "phase\t"
	for _, s := range res.Sizes {
		header += fmt.Sprintf("%d\t", s.Size)
	}
	fmt.Fprintln(tw, header)
	var names []string
	for _, s := range res.Sizes {
		for _, p := range s.Phases {
			if !slices.Contains(names, p.Name) {
				names = append(names, p.Name)
			}
		}
	}
	for _, n := range names {
		line := n + "\t"
		for _, s := range res.Sizes {
			i := slices.IndexFunc(s.Phases, func(p Phase) bool { return p.Name == n })
			if i < 0 {
				line += "-\t"
			} else {
				line += fmt.Sprintf("%.1f\t", s.Phases[i].Seconds)
			}
		}
		fmt.Fprintln(tw, line)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "total %.1f s\n", res.Total)
}
