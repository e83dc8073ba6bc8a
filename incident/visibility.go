package incident

import (
	"strings"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// Visibility says who may read a free text written on an incident. The
// writer decides when writing it, and it never changes afterwards: text
// meant for colleagues must not reach the caller because someone forgot a
// filter later.
type Visibility string

// The visibilities.
const (
	// Internal text is read by staff only.
	Internal Visibility = "INTERNAL"
	// CustomerVisible text is read by the incident's caller too.
	CustomerVisible Visibility = "CUSTOMER_VISIBLE"
)

// Visibilities lists the visibilities.
func Visibilities() []Visibility { return []Visibility{Internal, CustomerVisible} }

// textVisibility returns the visibility of a text p writes in field, given
// what p asked for (nil for the default). Staff write to colleagues unless
// they say otherwise, so their text defaults to INTERNAL. A requester
// writes to the service desk and reads their own words back, so their text
// is CUSTOMER_VISIBLE and cannot be made internal (FORBIDDEN, as for work
// notes); BAD_USER_INPUT for an unknown value.
func textVisibility(field string, p auth.Principal, asked *Visibility) (Visibility, error) {
	if asked != nil {
		if err := validate.Enum(field, *asked, Visibilities()); err != nil {
			return "", err
		}
	}
	switch {
	case isStaff(p) && asked != nil:
		return *asked, nil
	case isStaff(p):
		return Internal, nil
	case asked != nil && *asked == Internal:
		return "", apperr.New(apperr.Forbidden, "%s: internal text needs a staff role; leave %s out", field, field)
	}
	return CustomerVisible, nil
}

// readsText reports whether p may read a text of visibility v: staff read
// everything, requesters customer-visible text only.
func readsText(p auth.Principal, v Visibility) bool {
	return v == CustomerVisible || isStaff(p)
}

// ShownPerson returns the user id as p may see it on an incident: staff
// see who did what; a requester sees their own id and the system actor,
// and "" (shown as null) for anyone else, so that agents' and service
// accounts' ids never reach customers.
func ShownPerson(p auth.Principal, id string) string {
	if isStaff(p) || id == p.Subject || id == SystemActor {
		return id
	}
	return ""
}

// HistoryFor returns history as p may read it: for a requester, comments
// only when customer-visible, people by ShownPerson, the major-incident
// flag without its manager, and no hand-overs between groups (group ids
// are for staff, as in the escalations). State and priority changes stay
// whole.
func HistoryFor(p auth.Principal, history []HistoryEntry) []HistoryEntry {
	return readFor(p, history, func(h HistoryEntry) (HistoryEntry, bool) {
		if h.Field == FieldAssignmentGroup {
			return h, false
		}
		h.Actor = ShownPerson(p, h.Actor)
		if !readsText(p, h.CommentVisibility) {
			h.Comment = ""
		}
		if h.Field == FieldMajor {
			h.From, _, _ = strings.Cut(h.From, ":")
			h.To, _, _ = strings.Cut(h.To, ":")
		}
		return h, true
	})
}

// EscalationsFor returns the reassignment trail as p may read it: for a
// requester, the reason only when customer-visible and people by
// ShownPerson. The groups are left to the group visibility rules.
func EscalationsFor(p auth.Principal, escalations []Escalation) []Escalation {
	return readFor(p, escalations, func(e Escalation) (Escalation, bool) {
		e.Actor = ShownPerson(p, e.Actor)
		e.FromAssigneeID = ShownPerson(p, e.FromAssigneeID)
		e.ToAssigneeID = ShownPerson(p, e.ToAssigneeID)
		if !readsText(p, e.ReasonVisibility) {
			e.Reason = ""
		}
		return e, true
	})
}

// CommunicationsFor returns the communications p may read: a message is
// all a communication is, so an internal one is left out whole; the sender
// by ShownPerson.
func CommunicationsFor(p auth.Principal, communications []Communication) []Communication {
	return readFor(p, communications, func(c Communication) (Communication, bool) {
		c.Actor = ShownPerson(p, c.Actor)
		return c, readsText(p, c.Visibility)
	})
}

// TimelineFor returns the timeline p may read: entries by Visible, authors
// by ShownPerson.
func TimelineFor(p auth.Principal, timeline []TimelineEntry) []TimelineEntry {
	return readFor(p, timeline, func(e TimelineEntry) (TimelineEntry, bool) {
		e.Author = ShownPerson(p, e.Author)
		return e, Visible(p, e)
	})
}

// readFor returns a trail as p reads it: staff read it as written; for
// anyone else, show returns each record as they may see it, or false to
// leave it out. The trail itself is left alone (it may be shared).
func readFor[T any](p auth.Principal, trail []T, show func(T) (T, bool)) []T {
	if isStaff(p) {
		return trail
	}
	out := make([]T, 0, len(trail))
	for _, x := range trail {
		if x, ok := show(x); ok {
			out = append(out, x)
		}
	}
	return out
}

// Visibility is the visibility an entry of kind k has: work notes are
// internal, comments customer-visible.
func (k EntryKind) Visibility() Visibility {
	if k == Comment {
		return CustomerVisible
	}
	return Internal
}
