package neo4j

import (
	"context"
	"time"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// The history has no index on time: every index costs each bulk-import
// write, and this report is an occasional audit, so it scans the history
// of the period.
const unauthorizedFilter = `
WHERE h.at >= $since AND h.changeId IS NULL AND h.action <> 'CREATED'`

const (
	listUnauthorized = `MATCH (h:CIHistory)` + unauthorizedFilter + `
  AND ($afterId IS NULL OR h.at < $afterValue OR (h.at = $afterValue AND h.id < $afterId))
WITH h ORDER BY h.at DESC, h.id DESC LIMIT $limit
RETURN h {.*, ciIds: [(c:CI)-[:HAS_HISTORY]->(h) | c.id]} AS n`
	countUnauthorized = `MATCH (h:CIHistory)` + unauthorizedFilter + `
RETURN count(h) AS total`
)

// Unauthorized implements cmdb.Store.
func (m *CMDB) Unauthorized(ctx context.Context, since time.Time, p paging.Request) (paging.Page[cmdb.Modification], error) {
	return listPage(ctx, m.s, listUnauthorized, countUnauthorized, "unauthorized"+timeSortSuffix,
		map[string]any{"since": since}, p,
		func(n map[string]any) cmdb.Modification {
			return cmdb.Modification{Entry: entryFromProps(n), CIIDs: strs(n["ciIds"])}
		},
		func(m cmdb.Modification) (any, string) { return m.Entry.At, m.Entry.ID })
}
