package neo4j

import (
	"context"
	"slices"
	"strings"

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
	where.between("v", "updatedAt", "updated", f.Updated)
	return where
}

// articleList lists versions most recently updated first: for staff (no
// visibility bound) the latest version of each article, from the (head,
// updatedAt) index; for others the versions their bound lets through,
// from the (state, audience, updatedAt) index.
func articleList(f knowledge.Filter, vis knowledge.Visibility, oldest bool) listSpec {
	where := versionConditions(f)
	if len(vis.States) == 0 {
		where.add("v.head = true")
	}
	return listSpec{match: "MATCH (v:ArticleVersion)", v: "v", where: where, order: "updatedAt", desc: !oldest,
		sortName: "knowledge:updatedAt:desc" + timeSortSuffix}
}

// ListVersions implements knowledge.Store.
func (k *Knowledge) ListVersions(ctx context.Context, f knowledge.Filter, vis knowledge.Visibility, p knowledge.Page) ([]knowledge.Version, int, error) {
	l := articleList(f, vis, p.Oldest)
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

// searchMatch queries the full-text index, and, when limited, has it stop
// at its $indexLimit best hits. The terms after it (filters, visibility,
// keyset) are applied to its matches inside the same query, so that
// neither the page nor the count holds a version the reader may not see.
func searchMatch(limited bool) string {
	options := ""
	if limited {
		options = ", {limit: $indexLimit}"
	}
	return "CALL db.index.fulltext.queryNodes('" + ArticleSearchIndex + "', $query" + options + ") YIELD node AS v, score"
}

// indexQuery is the full-text query of q: any of its words (q.Index, free
// of query syntax) in the text fields, and the filter's states, audiences
// and types as required terms with no weight, so that the score is the
// words' alone. pushed reports whether the query holds every term of the
// filter: then the index's own best hits are the page's.
func indexQuery(q knowledge.Query) (query string, pushed bool) {
	clauses := make([]string, len(articleTextFields))
	for i, f := range articleTextFields {
		clauses[i] = f + ":(" + q.Index + ")"
	}
	query = "+(" + strings.Join(clauses, " ") + ")"
	f := q.Filter
	query += requiredAnyOf("state", f.States) + requiredAnyOf("audience", f.Audiences) + requiredAnyOf("type", f.Types)
	return query, f.Category == "" && f.CIID == "" && f.ServiceID == "" && f.ProblemID == ""
}

// requiredAnyOf is the clause "field is one of values", weighing nothing;
// values are enum names (upper-case letters and underscores, validated by
// the domain), which the analyzer keeps as one lower-cased word each.
func requiredAnyOf[E ~string](field string, values []E) string {
	if len(values) == 0 {
		return ""
	}
	terms := make([]string, len(values))
	for i, v := range values {
		terms[i] = field + ":" + strings.ToLower(string(v))
	}
	return " +(" + strings.Join(terms, " ") + ")^0"
}

// searchStatements are the page and count statements of a search; the
// page is keyset-paged on (score descending, version id ascending), and
// reads the page's articles too when q asks (otherwise versions without
// their bodies). A limited page has the index stop at $indexLimit hits,
// and says how many it found and the last one's score; see Search.
func searchStatements(q knowledge.Query, after, limited bool) (page, count string, params map[string]any) {
	where := versionConditions(q.Filter)
	count = searchMatch(false) + where.where() + "\nRETURN count(v) AS total"
	var extra []string
	if after {
		extra = append(extra, "(score < $afterValue OR (score = $afterValue AND v.id > $afterId))")
	}
	const order = "\nORDER BY score DESC, v.id ASC"
	page = searchMatch(limited) + where.where(extra...) + "\nWITH v, score" + order
	if limited {
		page += "\nWITH collect({v: v, score: score}) AS found\nUNWIND found[0..$limit] AS hit\n" +
			"WITH hit.v AS v, hit.score AS score, size(found) AS found, found[-1].score AS floor"
	} else {
		page += "\nLIMIT $limit\nWITH v, score, null AS found, null AS floor"
	}
	columns := "v {.*, body: null} AS n, score, found, floor"
	if q.Articles {
		page += "\nMATCH (a:Article {id: v.articleId})"
		columns = "properties(v) AS n, score, found, floor, " + articleColumns
	}
	return page + "\nRETURN " + columns + order, count, where.params
}

// searchRow is a hit with what a limited page says of the index's hits:
// how many it found, and the last one's score.
type searchRow struct {
	hit   knowledge.Hit
	found int
	floor float64
}

// Search implements knowledge.Store. A first page whose filter the index
// query holds whole asks the index for a few more hits than the page
// shows. The index ranks by score alone and breaks ties its own way, so
// when its last hit scores the same as the page's last, versions of that
// score may have been left out, and the page is read again in full.
func (k *Knowledge) Search(ctx context.Context, q knowledge.Query, p knowledge.Page) ([]knowledge.Hit, int, error) {
	query, pushed := indexQuery(q)
	limited := pushed && p.AfterID == ""
	for {
		page, count, params := searchStatements(q, p.AfterID != "", limited)
		params = keysetParams(params, p)
		params["query"], params["indexLimit"] = query, int64(searchOverread*p.Limit)
		rows, total, err := pageOf(ctx, k.s, page, count, params, p.Count, func(r *driver.Record) searchRow {
			score, _ := r.Get("score")
			found, _ := r.Get("found")
			floor, _ := r.Get("floor")
			f, _ := score.(float64)
			n, _ := found.(int64)
			last, _ := floor.(float64)
			row := searchRow{hit: knowledge.Hit{Version: versionFromProps(props(r, "n")), Score: f}, found: int(n), floor: last}
			if q.Articles {
				a := articleOf(r)
				row.hit.Article = &a
			}
			return row
		})
		if err != nil {
			return nil, 0, err
		}
		hits := make([]knowledge.Hit, len(rows))
		for i, r := range rows {
			hits[i] = r.hit
		}
		if !limited || !tiedAtTheCut(rows, searchOverread*p.Limit) {
			return hits, total, nil
		}
		limited = false
	}
}

// searchOverread is how many times the page's hits a limited page asks
// the index for.
const searchOverread = 2

// tiedAtTheCut reports whether the index stopped (found all it was asked
// for) at a hit scoring the same as the page's last.
func tiedAtTheCut(rows []searchRow, asked int) bool {
	return len(rows) > 0 && rows[0].found == asked && rows[len(rows)-1].hit.Score == rows[0].floor
}

// linkedTo reads the versions the bound lets through linked to any of the
// items (CIs or services), from the items' ABOUT relationships.
const linkedTo = `
MATCH (x:Item)<-[:ABOUT]-(v:ArticleVersion)
WHERE x.id IN $itemIds AND v.state IN $states AND ($audiences IS NULL OR v.audience IN $audiences)
WITH DISTINCT v
RETURN v {.*, body: null} AS v
ORDER BY v.updatedAt DESC, v.id
LIMIT $limit`

// LinkedTo implements knowledge.Store.
func (k *Knowledge) LinkedTo(ctx context.Context, ciIDs, serviceIDs []string, vis knowledge.Visibility, limit int) ([]knowledge.Version, error) {
	var audiences any
	if len(vis.Audiences) > 0 {
		audiences = stringList(vis.Audiences)
	}
	return k.versions(ctx, linkedTo, map[string]any{"states": stringList(vis.States), "audiences": audiences,
		"itemIds": list(append(slices.Clip(ciIDs), serviceIDs...)), "limit": int64(limit)})
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
