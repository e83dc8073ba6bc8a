// Package search is the one search box over the records of every process:
// CIs, services, business units and processes, incidents, changes,
// problems and service requests, found
// by number, name and text, best match first, within what the caller may
// read. Knowledge articles have their own search (searchKnowledge), with
// versions, audiences and snippets.
package search

import (
	"context"
	"slices"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/request"
	"github.com/itsm-graph/itsm/validate"
)

// Kind is a kind of record the search finds.
type Kind string

// The kinds.
const (
	ConfigurationItem Kind = "CONFIGURATION_ITEM"
	Service           Kind = "SERVICE"
	Incident          Kind = "INCIDENT"
	Change            Kind = "CHANGE"
	Problem           Kind = "PROBLEM"
	Request           Kind = "SERVICE_REQUEST"
	BusinessUnit      Kind = "BUSINESS_UNIT"
	BusinessProcess   Kind = "BUSINESS_PROCESS"
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{ConfigurationItem, Service, BusinessUnit, BusinessProcess, Incident, Change, Problem, Request}
}

// Query is a search as the store runs it: the index query, the kinds the
// caller may read and asked for, and the row rules of those kinds.
type Query struct {
	Text  string
	Kinds []Kind
	// IncidentScope keeps the incidents the caller may read.
	IncidentScope incident.Scope
	// BusinessServicesOnly keeps technical services out (customers read
	// the business catalogue only).
	BusinessServicesOnly bool
}

// Hit is one record found, with its relevance.
type Hit struct {
	ID    string
	Kind  Kind
	Score float64
}

// Store runs searches.
type Store interface {
	Search(ctx context.Context, q Query, p paging.Request) (paging.Page[Hit], error)
}

// Searcher answers searches.
type Searcher struct{ store Store }

// New returns a Searcher over store.
func New(store Store) *Searcher { return &Searcher{store: store} }

// readable is what the viewer's roles read of each kind: staff read every
// CI, service, business unit and process, change and problem and the
// incidents in their scope;
// customers (requesters) their incidents and the business services;
// service requests are searched by those who list them all (service owners
// and analysts), everyone else has myRequests.
func readable(p auth.Principal) (kinds []Kind, businessOnly bool) {
	staff := p.HasAny(auth.Staff)
	if staff {
		kinds = []Kind{ConfigurationItem, Service, BusinessUnit, BusinessProcess, Change, Problem}
	} else {
		kinds, businessOnly = []Kind{Service}, true
	}
	kinds = append(kinds, Incident)
	if request.SeesAll(p) {
		kinds = append(kinds, Request)
	}
	return kinds, businessOnly
}

// Search finds the records matching text among kinds (every kind when
// none is given), best match first: BAD_USER_INPUT for text that is not
// plain words (knowledge.Terms) or an unknown kind, FORBIDDEN when the
// caller reads none of the kinds asked for.
func (s *Searcher) Search(ctx context.Context, v incident.Viewer, text string, kinds []Kind, p paging.Request) (paging.Page[Hit], error) {
	terms, err := knowledge.Terms(text)
	if err != nil {
		return paging.Page[Hit]{}, err
	}
	for _, k := range kinds {
		if err := validate.Enum("kinds", k, Kinds()); err != nil {
			return paging.Page[Hit]{}, err
		}
	}
	mine, businessOnly := readable(v.Principal)
	q := Query{Text: knowledge.IndexQuery(terms), IncidentScope: incident.ScopeOf(v.Principal, v.GroupIDs), BusinessServicesOnly: businessOnly}
	if len(kinds) == 0 {
		q.Kinds = mine
	} else {
		for _, k := range mine {
			if slices.Contains(kinds, k) {
				q.Kinds = append(q.Kinds, k)
			}
		}
		if len(q.Kinds) == 0 {
			return paging.Page[Hit]{}, apperr.New(apperr.Forbidden, "your roles read none of the kinds asked for (%v); leave kinds out to search all you may read", kinds)
		}
	}
	return s.store.Search(ctx, q, p)
}
