package neo4j

import (
	"context"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/problem"
)

// Near implements problem.NearStore.
type Near struct{ s *Store }

// Near returns the part of the store that finds what changed near items.
func (s *Store) Near() *Near { return &Near{s: s} }

var _ problem.NearStore = (*Near)(nil)

// eventsNear reads, per item, the changes that entered one of $states in
// the window and the history entries recorded on it in the window. A
// change's entries are few; an item's history is read through its own
// relationships, newest matter only, filtered by time.
const eventsNear = `
UNWIND $ids AS id
MATCH (n:Item {id: id})
CALL (n) {
  MATCH (c:Change)-[:TARGETS]->(n)
  MATCH (c)-[:HAS_TRANSITION]->(t:ChangeTransition)
  WHERE t.to IN $states AND t.at >= $from AND t.at <= $to
  RETURN collect([c.id, t.at, c.assessment]) AS changes
}
CALL (n) {
  MATCH (n)-[:HAS_HISTORY]->(h:CIHistory)
  WHERE h.at >= $from AND h.at <= $to
  RETURN collect(properties(h)) AS entries
}
WITH id, changes, entries WHERE size(changes) > 0 OR size(entries) > 0
RETURN id, changes, entries`

// EventsNear implements problem.NearStore.
func (n *Near) EventsNear(ctx context.Context, itemIDs []string, from, to time.Time, states []change.State) ([]problem.NearEvent, error) {
	params := map[string]any{"ids": itemIDs, "from": from, "to": to, "states": stringList(states)}
	return read(ctx, n.s, func(tx driver.ManagedTransaction) ([]problem.NearEvent, error) {
		recs, err := collect(ctx, tx, eventsNear, params)
		if err != nil {
			return nil, err
		}
		var out []problem.NearEvent
		for _, r := range recs {
			idv, _ := r.Get("id")
			id, _ := idv.(string)
			cv, _ := r.Get("changes")
			for _, x := range anyList(cv) {
				f := anyList(x)
				e := problem.NearEvent{Kind: problem.ChangeImplemented, ItemID: id}
				e.ChangeID, _ = f[0].(string)
				e.At, _ = f[1].(time.Time)
				var a assessmentDoc
				if err := decodeDoc(map[string]any{"id": e.ChangeID, "assessment": f[2]}, "assessment", "change", &a); err != nil {
					return nil, err
				}
				e.Risk = a.Risk.Level
				out = append(out, e)
			}
			ev, _ := r.Get("entries")
			for _, x := range anyList(ev) {
				p, _ := x.(map[string]any)
				h, err := entryFromProps(p)
				if err != nil {
					return nil, err
				}
				out = append(out, problem.NearEvent{Kind: problem.CIModified, ItemID: id, At: h.At, ChangeID: h.ChangeID, Entry: &h})
			}
		}
		return out, nil
	})
}
