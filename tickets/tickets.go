// Package tickets holds what every kind of ticket shares: its
// human-readable number (INC0001234, CHG…, PRB…, KB…, REQ…), unique and
// sequential per kind, and the reading of a ticket by number.
package tickets

import (
	"context"
	"regexp"
	"strings"

	"github.com/itsm-graph/itsm/apperr"
)

// Kind is the prefix of a kind of ticket's numbers.
type Kind string

// The kinds of tickets.
const (
	Incident Kind = "INC"
	Change   Kind = "CHG"
	Problem  Kind = "PRB"
	Article  Kind = "KB"
	Request  Kind = "REQ"
)

// names say each kind in messages.
var names = map[Kind]string{Incident: "incident", Change: "change", Problem: "problem", Article: "knowledge article", Request: "service request"}

// Kinds lists every kind.
func Kinds() []Kind { return []Kind{Incident, Change, Problem, Article, Request} }

// shape is a number as the counters write it: a prefix and at least seven
// digits.
var shape = regexp.MustCompile(`^(INC|CHG|PRB|KB|REQ)([0-9]{7,})$`)

// Parse returns the kind of a number, upper-cased as stored ("inc0000012"
// is INC0000012).
func Parse(number string) (Kind, string, error) {
	n := strings.ToUpper(strings.TrimSpace(number))
	m := shape.FindStringSubmatch(n)
	if m == nil {
		return "", "", apperr.Invalid("number", "%q is not a ticket number: want a prefix (INC, CHG, PRB, KB or REQ) and seven digits, like INC0001234", number)
	}
	return Kind(m[1]), n, nil
}

// Store finds the id of a ticket by number.
type Store interface {
	// TicketID returns the id of the ticket of kind with number, "" when
	// there is none.
	TicketID(ctx context.Context, kind Kind, number string) (string, error)
}

// Lookup reads tickets by id or by number.
type Lookup struct{ store Store }

// NewLookup returns a Lookup over store.
func NewLookup(store Store) Lookup { return Lookup{store: store} }

// Get reads the ticket of kind named by exactly one of id and number with
// read, which applies the caller's visibility rule. A number out of the
// caller's reach answers exactly as an unknown one.
func Get[T any](ctx context.Context, l Lookup, kind Kind, id, number *string, read func(context.Context, string) (T, error)) (T, error) {
	var zero T
	ticketID, err := l.id(ctx, kind, id, number)
	if err != nil {
		return zero, err
	}
	got, err := read(ctx, ticketID)
	if number != nil && apperr.Is(err, apperr.NotFound) {
		return zero, notFound(kind, *number)
	}
	return got, err
}

func notFound(kind Kind, number string) error {
	return apperr.New(apperr.NotFound, "no %s has number %s", names[kind], strings.ToUpper(strings.TrimSpace(number)))
}

// id returns the id of the ticket of kind named by exactly one of id and
// number.
func (l Lookup) id(ctx context.Context, kind Kind, id, number *string) (string, error) {
	switch {
	case (id == nil) == (number == nil):
		return "", apperr.Invalid("id", "give either id or number of the %s, not both nor neither", names[kind])
	case id != nil:
		return *id, nil
	}
	k, n, err := Parse(*number)
	if err != nil {
		return "", err
	}
	if k != kind {
		return "", apperr.Invalid("number", "%s is the number of a %s, not of a %s", n, names[k], names[kind])
	}
	got, err := l.store.TicketID(ctx, kind, n)
	if err != nil {
		return "", err
	}
	if got == "" {
		return "", notFound(kind, n)
	}
	return got, nil
}
