package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/knowledge"
)

// versionConditions are the filter and visibility terms on versions bound
// to v; a visibility bound is already folded into f (knowledge.Filter
// bounded), and lands here as an IN term like any filter.
func versionConditions(f knowledge.Filter) *conditions {
	where := newConditions()
	in(where, "v", "state", "states", f.States)
	in(where, "v", "audience", "audiences", f.Audiences)
	in(where, "v", "type", "types", f.Types)
	where.equal("v", "category", "category", f.Category)
	if f.CIID != "" {
		where.add("$ciId IN v.ciIds", "ciId", f.CIID)
	}
	if f.ServiceID != "" {
		where.add("$serviceId IN v.serviceIds", "serviceId", f.ServiceID)
	}
	if f.ProblemID != "" {
		where.add("$problemId IN v.problemIds", "problemId", f.ProblemID)
	}
	return where
}

// articleList lists versions most recently updated first: for staff (no
// visibility bound) the latest version of each article, from the (head,
// updatedAt) index; for others the versions their bound lets through,
// from the (state, audience, updatedAt) index.
func articleList(f knowledge.Filter, vis knowledge.Visibility) listSpec {
	where := versionConditions(f)
	if len(vis.States) == 0 {
		where.add("v.head = true")
	}
	return listSpec{match: "MATCH (v:ArticleVersion)", v: "v", where: where, order: "updatedAt", desc: true,
		sortName: "knowledge:updatedAt:desc" + timeSortSuffix}
}

// ListVersions implements knowledge.Store.
func (k *Knowledge) ListVersions(ctx context.Context, f knowledge.Filter, vis knowledge.Visibility, p knowledge.Page) ([]knowledge.Version, int, error) {
	l := articleList(f, vis)
	params := keysetParams(l.where.params, p)
	return pageOf(ctx, k.s, l.statement(p.AfterID != ""), l.count(), params, p.Count, func(r *driver.Record) knowledge.Version {
		return versionFromProps(props(r, "n"))
	})
}

func keysetParams(params map[string]any, p knowledge.Page) map[string]any {
	params["afterValue"], params["afterId"], params["limit"] = p.AfterValue, nullable(p.AfterID), int64(p.Limit)
	return params
}

// pageOf runs a list and, when count is set, its count (returning
// "total") in one read transaction.
func pageOf[T any](ctx context.Context, s *Store, list, count string, params map[string]any, withCount bool, decode func(*driver.Record) T) ([]T, int, error) {
	type result struct {
		items []T
		total int
	}
	res, err := read(ctx, s, func(tx driver.ManagedTransaction) (result, error) {
		recs, err := collect(ctx, tx, list, params)
		if err != nil {
			return result{}, err
		}
		var out result
		for _, r := range recs {
			out.items = append(out.items, decode(r))
		}
		if !withCount {
			return out, nil
		}
		cnt, err := collect(ctx, tx, count, params)
		if err != nil {
			return result{}, err
		}
		total, _ := cnt[0].Get("total")
		n, _ := total.(int64)
		out.total = int(n)
		return out, nil
	})
	return res.items, res.total, err
}

// searchMatch queries the full-text index; the terms after it (filters,
// visibility, keyset) are applied to its matches inside the same query, so
// that neither the page nor the count holds a version the reader may not
// see.
const searchMatch = "CALL db.index.fulltext.queryNodes('" + ArticleSearchIndex + "', $query) YIELD node AS v, score"

// searchStatements are the page and count statements of a search; the
// page is keyset-paged on (score descending, version id ascending).
func searchStatements(f knowledge.Filter, after bool) (page, count string, params map[string]any) {
	where := versionConditions(f)
	count = searchMatch + where.where() + "\nRETURN count(v) AS total"
	var extra []string
	if after {
		extra = append(extra, "(score < $afterValue OR (score = $afterValue AND v.id > $afterId))")
	}
	page = searchMatch + where.where(extra...) + "\nRETURN properties(v) AS n, score\nORDER BY score DESC, v.id ASC\nLIMIT $limit"
	return page, count, where.params
}

// Search implements knowledge.Store.
func (k *Knowledge) Search(ctx context.Context, q knowledge.Query, p knowledge.Page) ([]knowledge.Hit, int, error) {
	page, count, params := searchStatements(q.Filter, p.AfterID != "")
	params = keysetParams(params, p)
	params["query"] = q.Index
	return pageOf(ctx, k.s, page, count, params, p.Count, func(r *driver.Record) knowledge.Hit {
		score, _ := r.Get("score")
		f, _ := score.(float64)
		return knowledge.Hit{Version: versionFromProps(props(r, "n")), Score: f}
	})
}

// linkedTo reads the versions the bound lets through (from the state
// index) linked to any of the CIs or services.
const linkedTo = `
MATCH (v:ArticleVersion)
WHERE v.state IN $states AND ($audiences IS NULL OR v.audience IN $audiences)
  AND (any(id IN v.ciIds WHERE id IN $ciIds) OR any(id IN v.serviceIds WHERE id IN $serviceIds))
RETURN properties(v) AS v
ORDER BY v.updatedAt DESC, v.id
LIMIT $limit`

// LinkedTo implements knowledge.Store.
func (k *Knowledge) LinkedTo(ctx context.Context, ciIDs, serviceIDs []string, vis knowledge.Visibility, limit int) ([]knowledge.Version, error) {
	var audiences any
	if len(vis.Audiences) > 0 {
		audiences = stringList(vis.Audiences)
	}
	return k.versions(ctx, linkedTo, map[string]any{"states": stringList(vis.States), "audiences": audiences,
		"ciIds": list(ciIDs), "serviceIds": list(serviceIDs), "limit": int64(limit)})
}

// resolvedWith counts the incidents in $states citing each article, by
// their USED_ARTICLE relationships.
const resolvedWith = `
UNWIND $ids AS id
MATCH (a:Article {id: id})
RETURN id, COUNT { (a)<-[:USED_ARTICLE]-(i:Incident) WHERE i.state IN $states } AS n`

// ResolvedWith implements knowledge.Store.
func (k *Knowledge) ResolvedWith(ctx context.Context, ids []string, states []string) (map[string]int, error) {
	return read(ctx, k.s, func(tx driver.ManagedTransaction) (map[string]int, error) {
		recs, err := collect(ctx, tx, resolvedWith, map[string]any{"ids": list(ids), "states": list(states)})
		if err != nil {
			return nil, err
		}
		out := make(map[string]int, len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			n, _ := r.Get("n")
			c, _ := n.(int64)
			out[id.(string)] = int(c)
		}
		return out, nil
	})
}
