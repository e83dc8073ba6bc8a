package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/neo4j"
)

const impactQuery = `query Impact($id: ID!, $depth: Int!) {
  impactAnalysis(input: {ciIds: [$id], maxDepth: $depth}) {
    counts { total }
    impacted { distance severity kind item { id } }
  }
}`

// pageQuery asks for the first page of an analysis's impacted items, with
// the counts over the whole analysis.
const pageQuery = `query ImpactPage($id: ID!, $depth: Int!) {
  impactAnalysis(input: {ciIds: [$id], maxDepth: $depth}) {
    counts { total }
    impactedItems(first: 100) { edges { node { distance severity kind item { id } } } }
  }
}`

type graphqlClient struct {
	url, token string
	http       http.Client
}

type impactResponse struct {
	Data struct {
		ImpactAnalysis struct {
			Counts struct {
				Total int `json:"total"`
			} `json:"counts"`
			Impacted []struct {
				Distance int    `json:"distance"`
				Severity string `json:"severity"`
				Kind     string `json:"kind"`
				Item     struct {
					ID string `json:"id"`
				} `json:"item"`
			} `json:"impacted"`
		} `json:"impactAnalysis"`
	} `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// floorQuery asks for nothing stored: its latency is what any request
// costs through the same handler (HTTP, authentication, parsing,
// validation, execution, encoding) before the database is involved.
const floorQuery = `query Floor { __typename }`

// impact posts one impactAnalysis request and returns the whole body, read
// to the end (so that a timed request includes transferring the answer);
// decoding it is left to the caller, outside any timing.
func (g *graphqlClient) impact(ctx context.Context, id string, depth int) ([]byte, error) {
	return g.post(ctx, impactQuery, map[string]any{"id": id, "depth": depth})
}

func (g *graphqlClient) post(ctx context.Context, query string, vars map[string]any) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.token)
	resp, err := g.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, data)
	}
	return data, nil
}

func decodeImpact(data []byte) (impactResponse, error) {
	var r impactResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return r, err
	}
	if len(r.Errors) > 0 {
		return r, fmt.Errorf("GraphQL error: %s %v", r.Errors[0].Message, r.Errors[0].Extensions)
	}
	return r, nil
}

// sampleFirstPage times the first page of impacted items from st's start.
func (b *bench) sampleFirstPage(ctx context.Context, g *graphqlClient, st *StartResult) error {
	vars := map[string]any{"id": st.ID, "depth": b.o.depth}
	lat, err := sample(b.o.warmup, b.o.samples, b.o.budget, func() error {
		_, err := g.post(ctx, pageQuery, vars)
		return err
	})
	if err != nil {
		return fmt.Errorf("first page of impactAnalysis from %s: %w", st.ExternalID, err)
	}
	st.FirstPage = lat
	return nil
}

// sampleGraphQL checks one answer, counts the round trips of one request
// and times the API from st's start.
func (b *bench) sampleGraphQL(ctx context.Context, g *graphqlClient, store *neo4j.Store, st *StartResult) error {
	// One checked request, alone, for the answer and the round trips.
	before := store.Stats()
	data, err := g.impact(ctx, st.ID, b.o.depth)
	after := store.Stats()
	if err != nil {
		return fmt.Errorf("impactAnalysis from %s: %w", st.ExternalID, err)
	}
	r, err := decodeImpact(data)
	if err != nil {
		return fmt.Errorf("impactAnalysis from %s: %w", st.ExternalID, err)
	}
	a := r.Data.ImpactAnalysis
	st.Impacted = a.Counts.Total
	st.ResponseBytes = len(data)
	st.Statements = after.Statements - before.Statements
	st.Transactions = after.Transactions - before.Transactions
	if len(a.Impacted) != a.Counts.Total {
		return fmt.Errorf("impactAnalysis from %s: counts.total is %d but %d items came back", st.ExternalID, a.Counts.Total, len(a.Impacted))
	}
	for _, it := range a.Impacted {
		st.MaxDistance = max(st.MaxDistance, it.Distance)
		switch it.Severity {
		case "DOWN":
			st.Down++
		case "DEGRADED":
			st.Degraded++
		}
	}

	var stmts, txs []int64
	lat, err := sample(b.o.warmup, b.o.samples, b.o.budget, func() error {
		s0 := store.Stats()
		_, err := g.impact(ctx, st.ID, b.o.depth)
		s1 := store.Stats()
		stmts = append(stmts, s1.Statements-s0.Statements)
		txs = append(txs, s1.Transactions-s0.Transactions)
		return err
	})
	if err != nil {
		return fmt.Errorf("impactAnalysis from %s: %w", st.ExternalID, err)
	}
	st.GraphQL = lat
	// Every request should cost the same; report the worst if not.
	st.Statements = max(st.Statements, slices.Max(stmts))
	st.Transactions = max(st.Transactions, slices.Max(txs))
	return nil
}

// sampleFloor times floorQuery, checking its answer once.
func (b *bench) sampleFloor(ctx context.Context, g *graphqlClient) (Latency, error) {
	data, err := g.post(ctx, floorQuery, nil)
	if err != nil {
		return Latency{}, err
	}
	if !bytes.Equal(data, []byte(`{"data":{"__typename":"Query"}}`)) {
		return Latency{}, fmt.Errorf("floor query answered %.300s", data)
	}
	return sample(b.o.warmup, b.o.samples, b.o.budget, func() error {
		_, err := g.post(ctx, floorQuery, nil)
		return err
	})
}

// sample runs f up to warmup times untimed (fewer once a quarter of the
// budget is spent: a slow request warms up in one go), then up to n times
// timed, stopping early (after at least 5 timed runs) when budget is spent.
func sample(warmup, n int, budget time.Duration, f func() error) (Latency, error) {
	w0 := time.Now()
	for range warmup {
		if err := f(); err != nil {
			return Latency{}, err
		}
		if time.Since(w0) > budget/4 {
			break
		}
	}
	// Start from a clean heap so that the previous phase's garbage is not
	// collected during this one.
	runtime.GC()
	var ds []time.Duration
	t0 := time.Now()
	for i := 0; i < n; i++ {
		s := time.Now()
		if err := f(); err != nil {
			return Latency{}, err
		}
		ds = append(ds, time.Since(s))
		if i >= 4 && time.Since(t0) > budget {
			break
		}
	}
	return summarize(ds), nil
}

func summarize(ds []time.Duration) Latency {
	slices.Sort(ds)
	pct := func(p float64) float64 {
		// Nearest rank.
		i := int(p/100*float64(len(ds))+0.999999) - 1
		return ms(ds[max(0, min(i, len(ds)-1))])
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Latency{N: len(ds), P50: pct(50), P95: pct(95), Max: ms(ds[len(ds)-1]), Mean: ms(sum / time.Duration(len(ds)))}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func secs(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }
