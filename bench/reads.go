package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/cmdb"
)

// ReadResult is one everyday read timed through the API and as the raw
// Cypher that returns the same answer, one client at a time and with
// readClients at once.
type ReadResult struct {
	Name          string  `json:"name"`
	Rows          int     `json:"rows"`
	GraphQL       Latency `json:"graphql"`
	Raw           Latency `json:"raw"`
	RatioP50      float64 `json:"ratioP50"`
	RatioP95      float64 `json:"ratioP95"`
	GraphQLPerSec float64 `json:"graphqlPerSec"`
	RawPerSec     float64 `json:"rawPerSec"`
}

// readClients is how many clients the throughput runs keep busy, and
// readRounds how many requests each sends.
const (
	readClients = 8
	readRounds  = 10
)

// listed are the statuses a CI list shows by default.
var listed = []string{"PLANNED", "ACTIVE", "MAINTENANCE"}

// readCase is a GraphQL read and raw statements (run in one read
// transaction) that return the same answer; rows counts the top-level
// items of the GraphQL answer.
type readCase struct {
	name  string
	query string
	// vars are the query's variables, params the raw statements'.
	vars    map[string]any
	raw     []string
	params  map[string]any
	rows    func(data []byte) (int, error)
	rawRows func(recs [][]*driver.Record) int
}

const ciPage = `query($types: [CIType!]) {
  configurationItems(first: 100, filter: {types: $types}, orderBy: {field: NAME, direction: ASC}) {
    %s edges { node { id name type status } } pageInfo { hasNextPage endCursor } } }`

// rawCIPage and rawCICount are the page and the count as good Cypher
// writes them for one type: ordered by (type, name), which the composite
// index provides, and counted from the (type, status) index alone.
const (
	rawCIPage = `MATCH (c:CI) WHERE c.type = $types[0] AND c.status IN $statuses AND c.name IS NOT NULL
RETURN c.id AS id, c.name AS name, c.type AS type, c.status AS status ORDER BY c.type, c.name, c.id LIMIT 101`
	rawCICount = `MATCH (c:CI) USING INDEX c:CI(type, status) WHERE c.type IN $types AND c.status IN $statuses RETURN count(c) AS total`
	rawAllPage = `MATCH (c:CI) WHERE c.status IN $statuses AND c.name IS NOT NULL
RETURN c.id AS id, c.name AS name, c.type AS type, c.status AS status ORDER BY c.name, c.id LIMIT 101`
	// rawAllCount counts the CIs not retired as every CI less the retired
	// ones, which the (type, status) index finds without reading the rest.
	rawAllCount = `CALL () { MATCH (c:CI) RETURN count(c) AS everything }
CALL () { MATCH (c:CI) USING INDEX c:CI(type, status) WHERE c.type IN $allTypes AND c.status = 'RETIRED' RETURN count(c) AS retired }
RETURN everything - retired AS total`
)

const nestedRead = `{ configurationItems(first: 50, filter: {types: [APPLICATION]}, orderBy: {field: NAME, direction: ASC}) {
  edges { node { id name type relationships(direction: OUTGOING, first: 12) { type target { id name type
    relationships(direction: OUTGOING, first: 12) { type target { id name type } } } } } } } }`

// rawNested names the relationship types to follow, as the catalogue
// lists them ($$TYPES): that keeps the expansion off the derived impact
// edges.
const rawNested = `MATCH (c:CI) WHERE c.type = 'APPLICATION' AND c.status IN $statuses AND c.name IS NOT NULL
WITH c ORDER BY c.type, c.name, c.id LIMIT 50
CALL (c) {
  MATCH (c)-[r:$$TYPES]->(t:CI)
  WITH r, t ORDER BY type(r), t.name, r.id LIMIT 12
  CALL (t) {
    MATCH (t)-[r2:$$TYPES]->(u:CI)
    WITH r2, u ORDER BY type(r2), u.name, r2.id LIMIT 12
    RETURN collect({type: type(r2), id: u.id, name: u.name, ciType: u.type}) AS next
  }
  RETURN collect({type: type(r), id: t.id, name: t.name, ciType: t.type, next: next}) AS rels
}
RETURN c.id AS id, c.name AS name, c.type AS type, rels`

func readCases() []readCase {
	edges := func(data []byte) (int, error) {
		var r struct {
			ConfigurationItems struct {
				Edges []json.RawMessage `json:"edges"`
			} `json:"configurationItems"`
		}
		err := decodeData(data, &r)
		return len(r.ConfigurationItems.Edges), err
	}
	page := func(recs [][]*driver.Record) int { return min(len(recs[0]), 100) }
	withTypes := func(types ...string) map[string]any { return map[string]any{"types": types, "statuses": listed} }
	types := func(types ...string) map[string]any { return map[string]any{"types": types} }
	return []readCase{
		{name: "CI page of APPLICATION by name, with totalCount", query: fmt.Sprintf(ciPage, "totalCount"), vars: types("APPLICATION"),
			raw: []string{rawCIPage, rawCICount}, params: withTypes("APPLICATION"), rows: edges, rawRows: page},
		{name: "CI page of SERVER by name, with totalCount", query: fmt.Sprintf(ciPage, "totalCount"), vars: types("SERVER"),
			raw: []string{rawCIPage, rawCICount}, params: withTypes("SERVER"), rows: edges, rawRows: page},
		{name: "CI page of every type by name, with totalCount", query: fmt.Sprintf(ciPage, "totalCount"),
			raw: []string{rawAllPage, rawAllCount}, params: map[string]any{"types": nil, "statuses": listed, "allTypes": ciTypes()},
			rows: edges, rawRows: page},
		{name: "50 APPLICATION CIs, 2 levels of 12 relationships", query: nestedRead,
			raw: []string{strings.ReplaceAll(rawNested, "$$TYPES", strings.Join(cmdb.CIRelTypeNames(), "|"))}, params: map[string]any{"statuses": listed}, rows: edges,
			rawRows: func(recs [][]*driver.Record) int { return len(recs[0]) }},
	}
}

func ciTypes() []string {
	var out []string
	for _, t := range cmdb.Types() {
		out = append(out, string(t))
	}
	return out
}

// decodeData decodes a GraphQL answer's data into v; an answer with errors
// is an error.
func decodeData(data []byte, v any) error {
	var r struct {
		Data   json.RawMessage            `json:"data"`
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return err
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("GraphQL error: %s", r.Errors[0].Message)
	}
	return json.Unmarshal(r.Data, v)
}

// rawRead runs the statements of c in one read transaction.
func (b *bench) rawRead(ctx context.Context, c readCase) ([][]*driver.Record, error) {
	sess := b.raw.NewSession(ctx, driver.SessionConfig{DatabaseName: database, AccessMode: driver.AccessModeRead})
	defer func() { _ = sess.Close(ctx) }()
	out, err := sess.ExecuteRead(ctx, func(tx driver.ManagedTransaction) (any, error) {
		var all [][]*driver.Record
		for _, stmt := range c.raw {
			res, err := tx.Run(ctx, stmt, c.params)
			if err != nil {
				return nil, err
			}
			recs, err := res.Collect(ctx)
			if err != nil {
				return nil, err
			}
			all = append(all, recs)
		}
		return all, nil
	})
	if err != nil {
		return nil, err
	}
	return out.([][]*driver.Record), nil
}

// sampleReads times every read case through the API and raw, one at a
// time and then readClients at once.
func (b *bench) sampleReads(ctx context.Context, g *graphqlClient, cases []readCase) ([]ReadResult, error) {
	var out []ReadResult
	for _, c := range cases {
		vars := c.vars
		api := func() error {
			data, err := g.post(ctx, c.query, vars)
			if err == nil {
				_, err = c.rows(data)
			}
			return err
		}
		raw := func() error {
			_, err := b.rawRead(ctx, c)
			return err
		}
		data, err := g.post(ctx, c.query, vars)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		rows, err := c.rows(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		recs, err := b.rawRead(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("%s, raw: %w", c.name, err)
		}
		if n := c.rawRows(recs); n != rows {
			return nil, fmt.Errorf("%s: the API answered %d items and the raw Cypher %d", c.name, rows, n)
		}
		r := ReadResult{Name: c.name, Rows: rows}
		if r.GraphQL, err = sample(b.o.warmup, b.o.samples, b.o.budget, api); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if r.Raw, err = sample(b.o.warmup, b.o.samples, b.o.budget, raw); err != nil {
			return nil, fmt.Errorf("%s, raw: %w", c.name, err)
		}
		if r.Raw.P50 > 0 {
			r.RatioP50, r.RatioP95 = r.GraphQL.P50/r.Raw.P50, r.GraphQL.P95/r.Raw.P95
		}
		if r.GraphQLPerSec, err = throughput(api); err != nil {
			return nil, err
		}
		if r.RawPerSec, err = throughput(raw); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// throughput is how many requests per second readClients clients get
// through, each sending readRounds requests one after the other.
func throughput(f func() error) (float64, error) {
	var wg sync.WaitGroup
	errs := make(chan error, readClients)
	t0 := time.Now()
	for range readClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range readRounds {
				if err := f(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(readClients*readRounds) / time.Since(t0).Seconds(), nil
}

func printReads(w io.Writer, title string, size int, reads []ReadResult) {
	if len(reads) == 0 {
		return
	}
	fmt.Fprintf(w, "\n== %s, size %d (latencies in ms; throughput with %d clients at once)\n", title, size, readClients)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "read\titems\tGraphQL p50\tp95\traw p50\tp95\tratio p50\tratio p95\tGraphQL req/s\traw req/s\t")
	for _, r := range reads {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%.2fx\t%.2fx\t%.0f\t%.0f\t\n", r.Name, r.Rows,
			fmtMS(r.GraphQL.P50), fmtMS(r.GraphQL.P95), fmtMS(r.Raw.P50), fmtMS(r.Raw.P95), r.RatioP50, r.RatioP95,
			r.GraphQLPerSec, r.RawPerSec)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "(raw: the Cypher a developer would write for the same answer, its statements in one read transaction as the API runs them)")
}
