// Package paging carries Relay-style page requests and results between the
// API, the domain and the store. Cursors are opaque to clients: base64 of a
// small JSON document holding the keyset position the store needs.
package paging

import (
	"encoding/base64"
	"encoding/json"

	"github.com/itsm-graph/itsm/apperr"
)

// Limits on page sizes.
const (
	DefaultSize = 20
	MaxSize     = 100
)

// Request asks for up to First items after the cursor After.
type Request struct {
	First int
	After string
	// SkipTotal spares the store counting every match when the caller
	// does not show the total (Page.Total is then 0).
	SkipTotal bool
	// Created and Updated bound the creation and modification times of
	// the records listed, for the lists whose filters do not (their
	// records carry createdAt and, where they are modified, updatedAt).
	Created, Updated TimeRange
	// Order, when set, replaces the list's own order (by name, say) with
	// an order by time, for those lists too.
	Order *TimeOrder
}

// Page is one page of items with a cursor per item.
type Page[T any] struct {
	Items   []T
	Cursors []string
	HasNext bool
	// HasPrevious is true when the request started after a cursor.
	HasPrevious bool
	Total       int
}

// Normalize applies the default and refuses sizes outside 1..max.
func Normalize(first *int, after *string, max int) (Request, error) {
	r := Request{First: DefaultSize}
	if first != nil {
		if *first < 1 || *first > max {
			return r, apperr.Invalid("first", "must be between 1 and %d (got %d)", max, *first)
		}
		r.First = *first
	}
	if after != nil {
		r.After = *after
	}
	return r, nil
}

// Keyset is the position a cursor stands for: the sort value and the id that
// breaks ties.
type Keyset struct {
	Value any    `json:"v"`
	ID    string `json:"i"`
	// Sort names the order the cursor was made for, so that a cursor from
	// one ordering is refused by another.
	Sort string `json:"s"`
}

// Encode turns a keyset into an opaque cursor.
func Encode(k Keyset) string {
	b, _ := json.Marshal(k) // a map of basic values always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode parses a cursor made by Encode for the same sort.
func Decode(cursor, sort string) (Keyset, error) {
	var k Keyset
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, &k)
	}
	if err != nil || k.ID == "" {
		return k, apperr.Invalid("after", "is not a cursor returned by this list; pass pageInfo.endCursor from the previous page")
	}
	if k.Sort != sort {
		return k, apperr.Invalid("after", "was made for a different ordering; keep orderBy the same across pages")
	}
	return k, nil
}
