package neo4j

import (
	"context"
	"strconv"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/baseline"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// Baselines implements baseline.Store.
type Baselines struct{ s *Store }

// Baselines returns the baseline part of the store.
func (s *Store) Baselines() *Baselines { return &Baselines{s: s} }

var _ baseline.Store = (*Baselines)(nil)

func baselineMigrations() []string {
	return []string{
		"CREATE CONSTRAINT baseline_id IF NOT EXISTS FOR (b:Baseline) REQUIRE b.id IS UNIQUE",
		// A root's baselines are listed newest first.
		"CREATE INDEX baseline_root_created IF NOT EXISTS FOR (b:Baseline) ON (b.rootId, b.createdAt)",
		"CREATE INDEX baseline_created IF NOT EXISTS FOR (b:Baseline) ON (b.createdAt)",
	}
}

// snapshotOf reads the root and what supports it: the items whose failure
// reaches it over IMPACTS edges ($$DEPTH levels, 0 for the root alone), one
// more than $limit to tell an oversized tree, each with its relationships
// to other items of the impact graph.
const snapshotOf = `
MATCH (root:Item {id: $rootId})
CALL (root) {
  MATCH (root)<-[:IMPACTS*0..$$DEPTH]-(x:Item)
  RETURN DISTINCT x
  LIMIT $limit
}
CALL (x) {
  OPTIONAL MATCH (x)-[r]-(o:Item) WHERE type(r) IN $types
  RETURN collect(CASE WHEN r IS NOT NULL THEN {type: type(r), out: startNode(r) = x, id: o.id, name: o.name} END) AS rels
}
RETURN root.id AS rootId, labels(x) AS labels, properties(x) AS x, rels`

// Snapshot implements baseline.Store.
func (b *Baselines) Snapshot(ctx context.Context, rootID string, scope baseline.Scope, depth, max int) (baseline.Item, baseline.Snapshot, error) {
	if scope == baseline.ScopeItem {
		depth = 0
	}
	stmt := strings.Replace(snapshotOf, "$$DEPTH", strconv.Itoa(depth), 1)
	type result struct {
		root baseline.Item
		snap baseline.Snapshot
	}
	res, err := read(ctx, b.s, func(tx driver.ManagedTransaction) (result, error) {
		recs, err := collect(ctx, tx, stmt, map[string]any{"rootId": rootID, "limit": int64(max + 1), "types": cmdb.RelTypeNames()})
		if err != nil {
			return result{}, err
		}
		if len(recs) == 0 {
			return result{}, apperr.New(apperr.NotFound, "no CI, service, business unit or business process has id %q", rootID)
		}
		if len(recs) > max {
			return result{}, apperr.Invalid("depth", "the items supporting %q number more than %d; give a smaller depth or baseline a part of the tree", rootID, max)
		}
		var res result
		for _, r := range recs {
			labels, _ := r.Get("labels")
			it := stateOf(kindOf(strs(labels)), props(r, "x"))
			if it.ID == rootID {
				res.root = it
			}
			res.snap.Items = append(res.snap.Items, it)
			rels, _ := r.Get("rels")
			for _, rel := range maps(rels) {
				other := baseline.Item{ID: str(rel, "id"), Name: str(rel, "name")}
				from, to := it, other
				if rel["out"] != true {
					from, to = other, it
				}
				res.snap.Relationships = append(res.snap.Relationships, baseline.Relationship{
					SourceID: from.ID, SourceName: from.Name, Type: str(rel, "type"), TargetID: to.ID, TargetName: to.Name})
			}
		}
		return res, nil
	})
	return res.root, res.snap, err
}

// stateOf decodes an item of the impact graph into its baseline state.
func stateOf(kind catalog.Kind, p map[string]any) baseline.Item {
	switch kind {
	case catalog.KindCI:
		return baseline.CIItem(ciFromProps(p))
	case catalog.KindBusinessService, catalog.KindTechnicalService:
		return baseline.ServiceItem(serviceFromProps(p))
	case catalog.KindBusinessUnit:
		return baseline.UnitItem(unitFromProps(p))
	}
	return baseline.ProcessItem(processFromProps(p))
}

type baselineItemDoc struct {
	ID     string            `json:"id"`
	Kind   string            `json:"kind"`
	Name   string            `json:"name"`
	Fields map[string]string `json:"fields"`
}

type baselineRelDoc struct {
	SourceID   string `json:"sourceId"`
	SourceName string `json:"sourceName"`
	Type       string `json:"type"`
	TargetID   string `json:"targetId"`
	TargetName string `json:"targetName"`
}

type baselineSnapshotDoc struct {
	Items         []baselineItemDoc `json:"items"`
	Relationships []baselineRelDoc  `json:"relationships"`
}

func baselineToProps(b baseline.Baseline) (map[string]any, error) {
	doc := baselineSnapshotDoc{
		Items: convert(b.Snapshot.Items, func(it baseline.Item) baselineItemDoc {
			return baselineItemDoc{ID: it.ID, Kind: string(it.Kind), Name: it.Name, Fields: it.Fields}
		}),
		Relationships: convert(b.Snapshot.Relationships, func(r baseline.Relationship) baselineRelDoc { return baselineRelDoc(r) }),
	}
	snap, err := jsonProp(doc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": b.ID, "name": b.Name, "description": nullable(b.Description), "rootId": b.RootID, "rootName": b.RootName,
		"scope": string(b.Scope), "depth": int64(b.Depth), "snapshot": snap, "createdAt": b.CreatedAt, "createdBy": b.CreatedBy}, nil
}

func baselineFromProps(p map[string]any) (baseline.Baseline, error) {
	b := baseline.Baseline{ID: str(p, "id"), Name: str(p, "name"), Description: str(p, "description"), RootID: str(p, "rootId"),
		RootName: str(p, "rootName"), Scope: baseline.Scope(str(p, "scope")), Depth: num(p, "depth"),
		CreatedAt: tm(p, "createdAt"), CreatedBy: str(p, "createdBy")}
	var doc baselineSnapshotDoc
	if err := decodeDoc(p, "snapshot", "baseline", &doc); err != nil {
		return baseline.Baseline{}, err
	}
	b.Snapshot.Items = convert(doc.Items, func(d baselineItemDoc) baseline.Item {
		return baseline.Item{ID: d.ID, Kind: catalog.Kind(d.Kind), Name: d.Name, Fields: d.Fields}
	})
	b.Snapshot.Relationships = convert(doc.Relationships, func(d baselineRelDoc) baseline.Relationship { return baseline.Relationship(d) })
	return b, nil
}

const (
	createBaseline = `CREATE (b:Baseline) SET b = $props`
	baselinesByID  = `MATCH (b:Baseline) WHERE b.id IN $ids RETURN properties(b) AS n`
)

// CreateBaseline implements baseline.Store.
func (b *Baselines) CreateBaseline(ctx context.Context, bl baseline.Baseline) error {
	props, err := baselineToProps(bl)
	if err != nil {
		return err
	}
	_, err = write(ctx, b.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, createBaseline, map[string]any{"props": props})
		return struct{}{}, err
	})
	return err
}

// GetBaselines implements baseline.Store.
func (b *Baselines) GetBaselines(ctx context.Context, ids []string) ([]baseline.Baseline, error) {
	return readAll(ctx, b.s, baselinesByID, map[string]any{"ids": ids}, "n", baselineFromProps)
}

// baselineList lists baselines newest first, of one root when given.
func baselineList(rootID string) listSpec {
	where := newConditions()
	where.equal("b", "rootId", "rootId", rootID)
	return listSpec{match: "MATCH (b:Baseline)", v: "b", where: where, order: "createdAt", desc: true,
		sortName: "baselines:createdAt:desc" + timeSortSuffix}
}

// ListBaselines implements baseline.Store.
func (b *Baselines) ListBaselines(ctx context.Context, rootID string, p paging.Request) (paging.Page[baseline.Baseline], error) {
	return listBy(ctx, b.s, baselineList(rootID), p, baselineFromProps, func(x baseline.Baseline) (any, string) { return x.CreatedAt, x.ID })
}
