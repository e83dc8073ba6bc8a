package neo4j

import (
	"context"
	"strings"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/search"
)

// searchIndex is the full-text index of the search box: the number, name
// and text of every kind of record it finds. An index's labels cannot
// change, so a new kind means a new name (and dropping the old index).
const searchIndex = "item_search"

// searchLabels names the label of each kind's nodes (labels from this list
// only).
var searchLabels = map[search.Kind]string{
	search.ConfigurationItem: "CI", search.Service: "Service", search.Incident: "Incident",
	search.Change: "Change", search.Problem: "Problem", search.Request: "ServiceRequest",
	search.BusinessUnit: labelBusinessUnit, search.BusinessProcess: labelBusinessProcess,
}

// Searches runs the search box.
type Searches struct{ s *Store }

// Searches returns the search part of the store.
func (s *Store) Searches() *Searches { return &Searches{s: s} }

var _ search.Store = (*Searches)(nil)

func searchMigrations() []string {
	labels := make([]string, 0, len(searchLabels))
	for _, k := range search.Kinds() {
		labels = append(labels, searchLabels[k])
	}
	return []string{
		// record_search left business units and processes out.
		"DROP INDEX record_search IF EXISTS",
		"CREATE FULLTEXT INDEX " + searchIndex + " IF NOT EXISTS FOR (i:" + strings.Join(labels, "|") +
			") ON EACH [i.number, i.name, i.title, i.shortDescription, i.description]",
	}
}

// recordSearchStatements are the page and count statements of q. The row rules
// of the kinds are terms of the WHERE clause, so that pages are full and
// the count is what the caller may read.
func recordSearchStatements(q search.Query) (page, count string, params map[string]any) {
	where := newConditions()
	labels := make([]string, len(q.Kinds))
	for i, k := range q.Kinds {
		labels[i] = searchLabels[k]
	}
	where.add("any(l IN labels(i) WHERE l IN $labels)", "labels", labels)
	if term, params, ok := scopeTerm(q.IncidentScope); ok {
		where.add("(NOT i:Incident OR "+term+")", params...)
	}
	if q.BusinessServicesOnly {
		where.add("(NOT i:Service OR i.kind = $businessKind)", "businessKind", string(catalog.KindBusinessService))
	}
	where.params["query"] = q.Text
	const call = "CALL db.index.fulltext.queryNodes('" + searchIndex + "', $query) YIELD node AS i, score\n"
	page = call + where.where("($afterId IS NULL OR score < $afterValue OR (score = $afterValue AND i.id > $afterId))") +
		"\nWITH i, score ORDER BY score DESC, i.id LIMIT $limit" +
		"\nRETURN {id: i.id, label: [l IN labels(i) WHERE l IN $labels][0], score: score} AS n"
	count = call + where.where() + "\nRETURN count(i) AS total"
	return page, count, where.params
}

// Search implements search.Store.
func (m *Searches) Search(ctx context.Context, q search.Query, p paging.Request) (paging.Page[search.Hit], error) {
	page, count, params := recordSearchStatements(q)
	kinds := map[string]search.Kind{}
	for k, l := range searchLabels {
		kinds[l] = k
	}
	decode := func(n map[string]any) (search.Hit, error) {
		score, _ := n["score"].(float64)
		return search.Hit{ID: str(n, "id"), Kind: kinds[str(n, "label")], Score: score}, nil
	}
	return listPage(ctx, m.s, page, count, "search:score", params, p, decode, func(h search.Hit) (any, string) { return h.Score, h.ID })
}
