package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/gen"
	"github.com/itsm-graph/itsm/impact"
)

// The raw baselines write the same rows under names the product never uses
// (label RawCI, relationship types RAW_<type>) with the plainest statements
// the driver allows, in batches of the same size, one transaction each.
const (
	createRawIndex = `CREATE INDEX bench_raw_ci IF NOT EXISTS FOR (c:RawCI) ON (c.externalId)`
	awaitRawIndex  = `CALL db.awaitIndex('bench_raw_ci', 300)`
	dropRawIndex   = `DROP INDEX bench_raw_ci IF EXISTS`
	rawCreateCIs   = `UNWIND $rows AS r CREATE (c:RawCI) SET c = r`
	rawMergeRels   = `
UNWIND $rows AS r
MATCH (s:RawCI {externalId: r.s}), (t:RawCI {externalId: r.t})
MERGE (s)-[:RAW_$$TYPE]->(t)`
	// Relationships are deleted from their source ends, a few each: a
	// statement matching the relationships themselves exceeded the
	// per-transaction memory limit at 1M CIs (4M relationships).
	deleteRawRels = `MATCH (c:RawCI) CALL (c) { MATCH (c)-[r]->() DELETE r } IN TRANSACTIONS OF 1000 ROWS`
	deleteRawCIs  = `MATCH (c:RawCI) CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 10000 ROWS`

	// rawTraversal is the bare reachability query: ids only, no distance,
	// severity, name or path. It is the floor of any impact answer, kept as
	// a reference row.
	rawTraversal = `MATCH (s:Item {id: $id})-[:IMPACTS*1..$$DEPTH]->(x) RETURN DISTINCT x.id AS id`

	// rawAnswer is the raw Cypher the API is compared with: one
	// hand-written statement returning the information an impact answer is
	// made of. For the start and every reached item: its id, kind (labels)
	// and name (answers are ordered by it); its redundancy minimum and live
	// member count (severity inputs); and its outgoing IMPACTS steps (other
	// end, relationship type, relationship id and direction), from which
	// distances, severities and the explaining paths follow. It computes
	// no distance or severity itself: doing so in Cypher (ANY SHORTEST per
	// reached item) took two to three times as long as this statement. It
	// returns one row holding a list, the fastest shape through the driver
	// (a row per item took about half as long again at a few hundred).
	rawAnswer = `
MATCH (s:Item {id: $id})
CALL (s) {
  MATCH (s)-[:IMPACTS*1..$$DEPTH]->(x:Item)
  RETURN collect(DISTINCT x) AS reached
}
UNWIND [s] + reached AS n
WITH DISTINCT n
RETURN collect([n.id, labels(n), n.name, n.minimumUp,
       CASE WHEN n.minimumUp IS NULL THEN 0 ELSE COUNT { (n)<-[:MEMBER_OF]-(m) WHERE m.status <> 'RETIRED' } END,
       [(n)-[e:IMPACTS]->(m) | [m.id, e.via, e.rel, e.fwd]]]) AS items`
)

func rawRow(it cmdb.ImportItem) map[string]any {
	r := map[string]any{"externalId": it.ExternalID, "source": gen.Source, "name": it.Name, "type": string(it.Type), "status": "ACTIVE"}
	if it.Environment != nil {
		r["environment"] = string(*it.Environment)
	}
	if it.Criticality != nil {
		r["criticality"] = string(*it.Criticality)
	}
	if it.Location != nil {
		r["location"] = *it.Location
	}
	if it.MinimumUp != nil {
		r["minimumUp"] = int64(*it.MinimumUp)
	}
	for _, a := range it.Attributes {
		if a.Value != nil {
			r["attr_"+a.Key] = *a.Value
		}
	}
	return r
}

func (b *bench) write(ctx context.Context, stmt string, params map[string]any) error {
	_, err := driver.ExecuteQuery(ctx, b.raw, stmt, params, driver.EagerResultTransformer,
		driver.ExecuteQueryWithDatabase(database), driver.ExecuteQueryWithWritersRouting(), driver.ExecuteQueryWithoutBookmarkManager())
	return err
}

// importRaw writes the estate with bare UNWIND statements and returns how
// long the CIs and the relationships took.
func (b *bench) importRaw(ctx context.Context, c *gen.CMDB, batch int) (ciTime, relTime time.Duration, err error) {
	if err := b.autocommit(ctx, createRawIndex, nil); err != nil {
		return 0, 0, err
	}
	if err := b.autocommit(ctx, awaitRawIndex, nil); err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	for start := 0; start < len(c.Items); start += batch {
		part := c.Items[start:min(start+batch, len(c.Items))]
		rows := make([]map[string]any, len(part))
		for i, it := range part {
			rows[i] = rawRow(it)
		}
		if err := b.write(ctx, rawCreateCIs, map[string]any{"rows": rows}); err != nil {
			return 0, 0, fmt.Errorf("raw CIs: %w", err)
		}
	}
	t1 := time.Now()
	for start := 0; start < len(c.Relationships); start += batch {
		part := c.Relationships[start:min(start+batch, len(c.Relationships))]
		byType := map[string][]map[string]any{}
		for _, r := range part {
			byType[r.Type] = append(byType[r.Type], map[string]any{"s": r.SourceExternalID, "t": r.TargetExternalID})
		}
		// One transaction per batch, one statement per type, as the
		// product does.
		types := slices.Sorted(func(yield func(string) bool) {
			for t := range byType {
				if !yield(t) {
					return
				}
			}
		})
		sess := b.raw.NewSession(ctx, driver.SessionConfig{DatabaseName: database, AccessMode: driver.AccessModeWrite})
		_, err := sess.ExecuteWrite(ctx, func(tx driver.ManagedTransaction) (any, error) {
			for _, t := range types {
				if _, ok := cmdb.LookupRelType(t); !ok {
					return nil, fmt.Errorf("unknown relationship type %q", t)
				}
				res, err := tx.Run(ctx, strings.Replace(rawMergeRels, "$$TYPE", t, 1), map[string]any{"rows": byType[t]})
				if err != nil {
					return nil, err
				}
				if _, err := res.Consume(ctx); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		_ = sess.Close(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("raw relationships: %w", err)
		}
	}
	return t1.Sub(t0), time.Since(t1), nil
}

func (b *bench) deleteRaw(ctx context.Context) error {
	for _, stmt := range []string{deleteRawRels, deleteRawCIs} {
		if err := b.autocommit(ctx, stmt, nil); err != nil {
			return err
		}
	}
	return b.autocommit(ctx, dropRawIndex, nil)
}

func (b *bench) traversal() string {
	return strings.Replace(rawTraversal, "$$DEPTH", fmt.Sprint(b.o.depth), 1)
}

func (b *bench) answer() string {
	return strings.Replace(rawAnswer, "$$DEPTH", fmt.Sprint(b.o.depth), 1)
}

// traverse runs stmt from id, decoding every record, and returns how many
// rows came back, or the length of the items list of a one-row answer.
func (b *bench) traverse(ctx context.Context, stmt, id string) (int, error) {
	res, err := driver.ExecuteQuery(ctx, b.raw, stmt, map[string]any{"id": id}, driver.EagerResultTransformer,
		driver.ExecuteQueryWithDatabase(database), driver.ExecuteQueryWithReadersRouting(), driver.ExecuteQueryWithoutBookmarkManager(),
		driver.ExecuteQueryWithTransactionConfig(driver.WithTxTimeout(2*time.Minute)))
	if err != nil {
		return 0, err
	}
	if len(res.Records) == 1 {
		if items, ok := res.Records[0].Get("items"); ok {
			l, _ := items.([]any)
			return len(l), nil
		}
	}
	return len(res.Records), nil
}

// sampleRaw times the raw answer statement from st's start.
func (b *bench) sampleRaw(ctx context.Context, st *StartResult) (err error) {
	st.Raw, st.RawAnswerRows, err = b.sampleStatement(ctx, b.answer(), st)
	return err
}

// sampleBare times the bare id-only traversal from st's start.
func (b *bench) sampleBare(ctx context.Context, st *StartResult) (err error) {
	st.Bare, st.RawRows, err = b.sampleStatement(ctx, b.traversal(), st)
	return err
}

func (b *bench) sampleStatement(ctx context.Context, stmt string, st *StartResult) (Latency, int, error) {
	var n int
	lat, err := sample(b.o.warmup, b.o.samples, b.o.budget, func() error {
		var err error
		n, err = b.traverse(ctx, stmt, st.ID)
		return err
	})
	if err != nil {
		return lat, 0, fmt.Errorf("raw statement from %s: %w", st.ExternalID, err)
	}
	return lat, n, nil
}

// sampleDomain times the analysis called in process, as the resolver calls
// it, without HTTP, GraphQL or JSON.
func (b *bench) sampleDomain(ctx context.Context, an *impact.Analyzer, st *StartResult) error {
	depth := b.o.depth
	lat, err := sample(b.o.warmup, b.o.samples, b.o.budget, func() error {
		_, _, err := an.Impact(ctx, []string{st.ID}, &depth)
		return err
	})
	if err != nil {
		return fmt.Errorf("in-process impact from %s: %w", st.ExternalID, err)
	}
	st.Domain = lat
	return nil
}

// profileRaw prints the plan of the bare traversal from id with its rows
// and db hits per operator.
func (b *bench) profileRaw(ctx context.Context, id string) error {
	res, err := driver.ExecuteQuery(ctx, b.raw, "PROFILE "+b.traversal(), map[string]any{"id": id}, driver.EagerResultTransformer,
		driver.ExecuteQueryWithDatabase(database), driver.ExecuteQueryWithReadersRouting())
	if err != nil {
		return err
	}
	if res.Summary.Profile() != nil {
		fmt.Fprintln(os.Stderr, "  PROFILE", b.traversal())
		printPlan(res.Summary.Profile(), "    ")
	}
	return nil
}

func printPlan(p driver.ProfiledPlan, indent string) {
	fmt.Fprintf(os.Stderr, "%s%s rows=%d dbHits=%d time=%d %v\n", indent, p.Operator(), p.Records(), p.DbHits(), p.Time(), p.Arguments()["Details"])
	for _, c := range p.Children() {
		printPlan(c, indent+"  ")
	}
}
