package neo4j

import (
	"context"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/events"
)

// Events is the event log part of the store.
type Events struct{ s *Store }

// Events returns the event log part of the store.
func (s *Store) Events() *Events { return &Events{s: s} }

var _ events.Log = (*Events)(nil)

func eventMigrations() []string {
	return []string{
		// Readers scan the log by position; the constraint is also the
		// proof that no position is given twice.
		"CREATE CONSTRAINT event_position IF NOT EXISTS FOR (e:Event) REQUIRE e.position IS UNIQUE",
		"CREATE CONSTRAINT event_log_name IF NOT EXISTS FOR (l:EventLog) REQUIRE l.name IS UNIQUE",
	}
}

// appendEvents takes positions for evs from the log's counter and writes
// them. It must be the last statement of its transaction: the counter's
// lock, held to the commit, makes positions follow the order of commits
// without gaps, so a reader that sees position p has seen every earlier
// one; taking it last keeps the time other writers wait on it short, and
// no lock is taken after it, so it cannot close a cycle.
const appendEvents = `
MERGE (l:EventLog {name: 'events'})
SET l.head = coalesce(l.head, 0) + size($events)
WITH l.head - size($events) AS base
UNWIND range(0, size($events) - 1) AS i
CREATE (e:Event)
SET e = $events[i], e.position = base + i + 1`

// emit appends evs to the log within tx (see appendEvents). The store
// wakes this instance's readers once the transaction commits.
func emit(ctx context.Context, tx driver.ManagedTransaction, evs ...events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	at := time.Now().UTC()
	rows := make([]map[string]any, len(evs))
	for i, e := range evs {
		rows[i] = eventRow(e, at)
	}
	if c, ok := tx.(countingTx); ok && c.appended != nil {
		*c.appended = true
	}
	_, err := collect(ctx, tx, appendEvents, map[string]any{"events": rows})
	return err
}

// eventsFor is emit's argument for records of one kind: the event of each
// written record (id and keys from the record).
func eventsFor[T any](kind events.Kind, id func(T) string, keys func(T) []string, vs ...T) ([]events.Event, error) {
	out := make([]events.Event, 0, len(vs))
	for _, v := range vs {
		e, err := events.Of(kind, id(v), keys(v), v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// eventsAfter reads the events after $after that f lets through, in
// order, from the position index.
func eventsAfter(f events.Filter) (string, map[string]any) {
	where := newConditions()
	where.add("e.position > $after")
	in(where, "e", "kind", "kinds", f.Kinds)
	in(where, "e", "recordId", "recordIds", f.RecordIDs)
	return "MATCH (e:Event)" + where.where() + `
RETURN e.position AS position, e.kind AS kind, e.recordId AS recordId, e.keys AS keys, e.at AS at, e.payload AS payload
ORDER BY e.position
LIMIT $limit`, where.params
}

// After implements events.Log.
func (l *Events) After(ctx context.Context, position int64, limit int, f events.Filter) ([]events.Event, error) {
	stmt, params := eventsAfter(f)
	params["after"], params["limit"] = position, int64(limit)
	return read(ctx, l.s, func(tx driver.ManagedTransaction) ([]events.Event, error) {
		recs, err := collect(ctx, tx, stmt, params)
		if err != nil {
			return nil, err
		}
		out := make([]events.Event, len(recs))
		for i, r := range recs {
			m := r.AsMap()
			out[i] = events.Event{Position: m["position"].(int64), Kind: events.Kind(str(m, "kind")), RecordID: str(m, "recordId"),
				Keys: strs(m["keys"]), At: tm(m, "at"), Payload: []byte(str(m, "payload"))}
		}
		return out, nil
	})
}

const eventBounds = `
OPTIONAL MATCH (l:EventLog {name: 'events'})
CALL () {
  OPTIONAL MATCH (e:Event) WHERE e.position > 0
  RETURN e.position AS first ORDER BY e.position LIMIT 1
}
RETURN coalesce(l.head, 0) AS head, first`

// Bounds implements events.Log.
func (l *Events) Bounds(ctx context.Context) (first, head int64, err error) {
	type bounds struct{ first, head int64 }
	b, err := read(ctx, l.s, func(tx driver.ManagedTransaction) (bounds, error) {
		recs, err := collect(ctx, tx, eventBounds, nil)
		if err != nil || len(recs) == 0 {
			return bounds{}, err
		}
		m := recs[0].AsMap()
		b := bounds{head: m["head"].(int64)}
		b.first = b.head + 1
		if f, ok := m["first"].(int64); ok {
			b.first = f
		}
		return b, nil
	})
	return b.first, b.head, err
}

const pruneEvents = `
MATCH (e:Event) WHERE e.position > 0
WITH e ORDER BY e.position LIMIT $limit
WITH e WHERE e.at < $before
DELETE e
RETURN count(*) AS pruned`

// Prune deletes up to limit of the oldest events appended before before
// and says how many it deleted.
func (l *Events) Prune(ctx context.Context, before time.Time, limit int) (int, error) {
	return write(ctx, l.s, func(tx driver.ManagedTransaction) (int, error) {
		recs, err := collect(ctx, tx, pruneEvents, map[string]any{"before": before.UTC(), "limit": int64(limit)})
		if err != nil {
			return 0, err
		}
		n, _ := recs[0].Get("pruned")
		return int(n.(int64)), nil
	})
}

// AppendStatement is the statement appending events (see emit), with the
// row it takes for one event, for benchmarks that time it beside a raw
// write of their own.
func AppendStatement(e events.Event) (string, map[string]any) {
	return appendEvents, map[string]any{"events": []map[string]any{eventRow(e, time.Now().UTC())}}
}

// eventRow is how an event is stored.
func eventRow(e events.Event, at time.Time) map[string]any {
	return map[string]any{"kind": string(e.Kind), "recordId": e.RecordID, "keys": e.Keys, "at": at, "payload": string(e.Payload)}
}
