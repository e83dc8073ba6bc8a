package problem

import (
	"context"
	"slices"
	"strings"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// Filter selects problems; zero fields match everything.
type Filter struct {
	States            []State
	Priorities        []incident.Priority
	AssignmentGroupID string
	AssigneeID        string
	CIID              string
	ServiceID         string
	// Created and Updated bound the creation and modification times.
	Created, Updated paging.TimeRange
}

// OrderField is what a list of problems is ordered by.
type OrderField string

// The orders.
const (
	OrderByCreatedAt OrderField = "CREATED_AT"
	OrderByUpdatedAt OrderField = "UPDATED_AT"
)

// Order is a list order; the zero value is newest first.
type Order struct {
	Field OrderField
	Desc  bool
}

// List returns one page of the problems matching f. NOT_FOUND-free:
// a principal who may not read problems gets FORBIDDEN.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter, o Order, pr paging.Request) (paging.Page[Problem], error) {
	if err := forbidden(p, CanRead(p), "reading problems", "a staff"); err != nil {
		return paging.Page[Problem]{}, err
	}
	if err := (paging.Sync{Created: f.Created, Updated: f.Updated}).Check(); err != nil {
		return paging.Page[Problem]{}, err
	}
	for _, st := range f.States {
		if err := validate.Enum("filter.states", st, States()); err != nil {
			return paging.Page[Problem]{}, err
		}
	}
	if o.Field == "" {
		o = Order{Field: OrderByCreatedAt, Desc: true}
	}
	if err := validate.Enum("orderBy.field", o.Field, []OrderField{OrderByCreatedAt, OrderByUpdatedAt}); err != nil {
		return paging.Page[Problem]{}, err
	}
	return s.store.ListProblems(ctx, f, o, pr)
}

// KnownErrorFilter selects known errors; zero fields match everything.
type KnownErrorFilter struct {
	// CIID matches the problem's CIs and its root-cause CI.
	CIID      string
	ServiceID string
	// Text matches title, description, root cause and workaround, case
	// insensitively.
	Text string
}

// KnownErrorStates are the states of the known error database: KNOWN_ERROR,
// and RESOLVED while the problem still carries its workaround (the fix may
// not have reached every instance yet, and the workaround still helps);
// a CLOSED problem has left it.
func KnownErrorStates() []State { return []State{KnownError, Resolved} }

// KnownErrors returns one page of the known error database, newest first.
func (s *Service) KnownErrors(ctx context.Context, p auth.Principal, f KnownErrorFilter, pr paging.Request) (paging.Page[Problem], error) {
	if err := forbidden(p, CanRead(p), "reading known errors", "a staff"); err != nil {
		return paging.Page[Problem]{}, err
	}
	if err := validate.Text("filter.text", f.Text, false, MaxTitleLen); err != nil {
		return paging.Page[Problem]{}, err
	}
	f.Text = strings.ToLower(strings.TrimSpace(f.Text))
	return s.store.KnownErrors(ctx, f, pr)
}

// SearchText is what the known error text filter searches: title,
// description, root cause and workaround, lower case.
func SearchText(p Problem) string {
	return strings.ToLower(strings.Join([]string{p.Title, p.Description, p.RootCause, p.Workaround}, "\n"))
}

// History returns the history of each problem, oldest first.
func (s *Service) History(ctx context.Context, p auth.Principal, ids []string) (map[string][]HistoryEntry, error) {
	if !CanRead(p) {
		return map[string][]HistoryEntry{}, nil
	}
	return s.store.History(ctx, ids)
}

// Notes returns the work notes of each problem, oldest first.
func (s *Service) Notes(ctx context.Context, p auth.Principal, ids []string) (map[string][]Note, error) {
	if !CanRead(p) {
		return map[string][]Note{}, nil
	}
	return s.store.Notes(ctx, ids)
}

// LinkedIncidents returns the ids of the incidents linked to each problem
// (the reader's incident rule applies when they are loaded).
func (s *Service) LinkedIncidents(ctx context.Context, p auth.Principal, ids []string) (map[string][]string, error) {
	if !CanRead(p) {
		return map[string][]string{}, nil
	}
	return s.store.LinkedIncidents(ctx, ids)
}

// CheckKnownErrorToPublish says whether p has a workaround to publish: a
// known error, or a resolved problem that kept its workaround.
func CheckKnownErrorToPublish(p Problem) error {
	if !slices.Contains(KnownErrorStates(), p.State) || strings.TrimSpace(p.Workaround) == "" {
		return apperr.Invalid("problemId", "%s is %s without a workaround to publish: record the root cause and workaround (KNOWN_ERROR) first", p.Number, p.State)
	}
	return nil
}
