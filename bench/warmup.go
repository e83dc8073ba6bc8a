package main

import (
	"context"
	"fmt"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/gen"
	"github.com/itsm-graph/itsm/neo4j"
)

// The warm-up estates live beside the timed one: the product's under a
// source of their own, the raw baseline's under prefixed external ids.
const (
	warmUpSource = "bench-warm-up"
	// Rounds of warmUpItems CIs through each import, until the product's
	// rate rises by less than warmUpSettled over each of two rounds (after
	// at least warmUpMinRounds, at most warmUpMaxRounds). On two cores a
	// fresh JVM starts at 3,000 to 6,000 CIs/s and is still speeding up
	// after 150,000 CIs.
	warmUpItems     = 20000
	warmUpMinRounds = 4
	warmUpMaxRounds = 16
	warmUpSettled   = 1.05
	// A small estate with its relationships warms the relationship
	// statements.
	warmUpRelItems = 5000
)

// prefixed returns c's CIs and relationships with prefix before every
// external id.
func prefixed(c *gen.CMDB, prefix string) *gen.CMDB {
	out := &gen.CMDB{Items: make([]cmdb.ImportItem, len(c.Items)), Relationships: make([]cmdb.ImportRelationship, len(c.Relationships))}
	for i, it := range c.Items {
		it.ExternalID = prefix + it.ExternalID
		out.Items[i] = it
	}
	for i, r := range c.Relationships {
		r.SourceExternalID, r.TargetExternalID = prefix+r.SourceExternalID, prefix+r.TargetExternalID
		out.Relationships[i] = r
	}
	return out
}

// warmUp runs both imports on warm-up estates and returns the product's CI
// rate in each round.
func (b *bench) warmUp(ctx context.Context, svc *cmdb.Service, store *neo4j.Store) ([]float64, error) {
	var rates []float64
	for round := range warmUpMaxRounds {
		full := gen.Generate(warmUpItems, b.o.seed+1+uint64(round))
		w := prefixed(&gen.CMDB{Items: full.Items}, fmt.Sprintf("warm-up-%d:", round))
		imp, err := importProduct(ctx, svc, store, warmUpSource, w, b.o.batch)
		if err != nil {
			return rates, fmt.Errorf("warm-up round %d: %w", round, err)
		}
		if _, _, err := b.importRaw(ctx, w, b.o.batch); err != nil {
			return rates, fmt.Errorf("warm-up round %d (raw): %w", round, err)
		}
		rates = append(rates, imp.cisPerSec)
		if n := len(rates); n >= warmUpMinRounds && rates[n-1] < rates[n-2]*warmUpSettled && rates[n-2] < rates[n-3]*warmUpSettled {
			break
		}
	}
	w := prefixed(gen.Generate(warmUpRelItems, b.o.seed+1+warmUpMaxRounds), "warm-up-relationships:")
	if _, err := importProduct(ctx, svc, store, warmUpSource, w, b.o.batch); err != nil {
		return rates, fmt.Errorf("warm-up relationships: %w", err)
	}
	if _, _, err := b.importRaw(ctx, w, b.o.batch); err != nil {
		return rates, fmt.Errorf("warm-up relationships (raw): %w", err)
	}
	return rates, nil
}

// deleteWarmUpCIs removes the product's warm-up CIs with their history
// (entries of relationships between two of them are reached from both).
const deleteWarmUpCIs = `
MATCH (c:CI {source: $source})
CALL (c) {
  OPTIONAL MATCH (c)-[:HAS_HISTORY]->(h:CIHistory)
  DETACH DELETE h, c
} IN TRANSACTIONS OF 1000 ROWS`

func (b *bench) deleteWarmUp(ctx context.Context) error {
	return b.autocommit(ctx, deleteWarmUpCIs, map[string]any{"source": warmUpSource})
}
