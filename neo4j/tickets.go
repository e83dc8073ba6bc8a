package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/tickets"
)

// ticketNodes names, for each kind of ticket, the label of its nodes and
// the counter its numbers come from (labels and names from this list only).
var ticketNodes = map[tickets.Kind]struct{ label, counter, name string }{
	tickets.Incident: {"Incident", "IncidentCounter", "incident"},
	tickets.Change:   {"Change", "ChangeCounter", "change"},
	tickets.Problem:  {"Problem", "ProblemCounter", "problem"},
	tickets.Article:  {"Article", "ArticleCounter", "article"},
	tickets.Request:  {"ServiceRequest", "RequestCounter", "request"},
}

// Tickets reads tickets by number.
type Tickets struct{ s *Store }

// Tickets returns the ticket-number part of the store.
func (s *Store) Tickets() *Tickets { return &Tickets{s: s} }

var _ tickets.Store = (*Tickets)(nil)

// ticketMigrations make numbers unique per kind (the constraint also
// serves reads by number) and number the incidents and changes stored
// before they had numbers, in the order they were created.
func ticketMigrations() []string {
	var m []string
	for _, k := range tickets.Kinds() {
		n := ticketNodes[k]
		m = append(m, "CREATE CONSTRAINT "+n.name+"_number IF NOT EXISTS FOR (t:"+n.label+") REQUIRE t.number IS UNIQUE",
			"CREATE CONSTRAINT "+n.name+"_counter_name IF NOT EXISTS FOR (c:"+n.counter+") REQUIRE c.name IS UNIQUE")
	}
	for _, k := range []tickets.Kind{tickets.Incident, tickets.Change} {
		n := ticketNodes[k]
		m = append(m, `MATCH (t:`+n.label+`) WHERE t.number IS NULL
WITH t ORDER BY t.createdAt, t.id
WITH collect(t) AS ts WHERE size(ts) > 0
MERGE (c:`+n.counter+` {name: '`+n.name+`'})
WITH c, ts, coalesce(c.next, 0) AS base
FOREACH (k IN range(0, size(ts) - 1) | SET (ts[k]).number = '`+string(k)+`' + right('000000' + toString(base + k + 1), 7))
SET c.next = base + size(ts)`)
	}
	return m
}

// nextNumber takes the next number of a kind from its counter, whose lock
// (held to the end of tx) serialises concurrent creates: numbers are
// unique and follow the order of commits.
func nextNumber(ctx context.Context, tx driver.ManagedTransaction, kind tickets.Kind) (string, error) {
	n := ticketNodes[kind]
	recs, err := collect(ctx, tx, `MERGE (c:`+n.counter+` {name: $name})
SET c.next = coalesce(c.next, 0) + 1
RETURN $prefix + right('000000' + toString(c.next), 7) AS number`, map[string]any{"name": n.name, "prefix": string(kind)})
	if err != nil {
		return "", err
	}
	number, _ := recs[0].Get("number")
	s, _ := number.(string)
	return s, nil
}

// TicketID implements tickets.Store.
func (t *Tickets) TicketID(ctx context.Context, kind tickets.Kind, number string) (string, error) {
	n := ticketNodes[kind]
	return read(ctx, t.s, func(tx driver.ManagedTransaction) (string, error) {
		recs, err := collect(ctx, tx, `MATCH (t:`+n.label+` {number: $number}) RETURN t.id AS id`, map[string]any{"number": number})
		if err != nil || len(recs) == 0 {
			return "", err
		}
		id, _ := recs[0].Get("id")
		s, _ := id.(string)
		return s, nil
	})
}
