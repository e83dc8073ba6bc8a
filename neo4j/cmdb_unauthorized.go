package neo4j

import (
	"context"
	"time"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// Unauthorized modifications are recorded entries made under no change,
// those made under a change a change manager let start outside its window
// (flagged outsideWindow), and the derived ADDED entries of feed
// relationships (feeds run under no change). The history has no index on time: every index costs each
// bulk-import write, and this report is an occasional audit, so it scans
// the history and the relationships of the period.
func unauthorizedStatements(after bool) (list, count string) {
	entries := `
CALL () {
  MATCH (h:CIHistory)
  WHERE h.at >= $since AND h.changeId IS NULL AND h.action <> $created
  RETURN h {.*, ciIds: [(c:CI)-[:HAS_HISTORY]->(h) | c.id]} AS n
  UNION ALL
  MATCH (ch:Change)-[:AUTHORISED]->(h:CIHistory)
  WHERE ch.windowExceptionAt IS NOT NULL AND h.at >= $since AND h.action <> $created
  RETURN h {.*, ciIds: [(c:CI)-[:HAS_HISTORY]->(h) | c.id], outsideWindow: true} AS n
  UNION ALL
  MATCH (:CI)-[r:` + typeAlternation(cmdb.CIRelTypeNames()) + `]->(:CI)
  WHERE r.derivedEntry AND r.createdAt >= $since
  RETURN ` + derivedRelEntry + ` AS n
}`
	list = entries
	if after {
		list += `
WITH n WHERE n.at < $afterValue OR (n.at = $afterValue AND n.id < $afterId)`
	}
	list += `
RETURN n ORDER BY n.at DESC, n.id DESC LIMIT $limit`
	count = entries + `
RETURN count(n) AS total`
	return list, count
}

// Unauthorized implements cmdb.Store.
func (m *CMDB) Unauthorized(ctx context.Context, since time.Time, p paging.Request) (paging.Page[cmdb.Modification], error) {
	list, count := unauthorizedStatements(p.After != "")
	return listPage(ctx, m.s, list, count, "unauthorized"+timeSortSuffix,
		historyParams(map[string]any{"since": since}), p,
		func(n map[string]any) (cmdb.Modification, error) {
			e, err := entryFromMap(n)
			return cmdb.Modification{Entry: e, CIIDs: strs(n["ciIds"]), OutsideWindow: n["outsideWindow"] == true}, err
		},
		func(m cmdb.Modification) (any, string) { return m.Entry.At, m.Entry.ID })
}
