package incident

import (
	"slices"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

// readAllRoles read every incident: they assess changes, investigate
// problems, own services or report (ADMIN holds every role).
func readAllRoles() []auth.Role {
	return []auth.Role{auth.Analyst, auth.ProblemManager, auth.ChangeManager, auth.CABMember,
		auth.ServiceOwner, auth.ConfigManager, auth.KnowledgeManager}
}

// Scope is the set of incidents a principal may read, as a filter the store
// applies. An incident is in scope when All is set, or it matches any of
// the other conditions that are set.
type Scope struct {
	All bool
	// CallerID: incidents this user is the caller of.
	CallerID string
	// AssigneeID: incidents assigned to this user.
	AssigneeID string
	// GroupIDs: incidents assigned to one of these groups.
	GroupIDs []string
	// Unassigned: incidents without an assignment group (the triage queue).
	Unassigned bool
	// Major: every major incident.
	Major bool
	// Opened: also the incidents whose opening group (the first group they
	// were assigned to) is one of GroupIDs. ITIL keeps ownership with the
	// service desk that took the call, so that it can keep the caller
	// informed after escalating: it reads and comments, the group now
	// holding the incident works it.
	Opened bool
}

// ScopeOf returns what p may read, given the groups p belongs to.
//
// The rules: the roles of readAllRoles read everything. An AGENT reads the
// incidents of their groups, those assigned to them, the unassigned ones
// (someone must triage them) and every major incident. Everyone reads the
// incidents they are the caller of; a plain REQUESTER reads nothing else.
func ScopeOf(p auth.Principal, groupIDs []string) Scope {
	if p.HasAny(readAllRoles()) {
		return Scope{All: true}
	}
	s := Scope{CallerID: p.Subject}
	if IsAgent(p) {
		s.AssigneeID = p.Subject
		s.GroupIDs = slices.Clone(groupIDs)
		s.Unassigned = true
		s.Major = true
		s.Opened = true
	}
	return s
}

// Contains reports whether inc is in the scope.
func (s Scope) Contains(inc Incident) bool {
	switch {
	case s.All:
		return true
	case s.CallerID != "" && inc.CallerID == s.CallerID:
		return true
	case s.AssigneeID != "" && inc.AssigneeID == s.AssigneeID:
		return true
	case inc.AssignmentGroupID != "" && slices.Contains(s.GroupIDs, inc.AssignmentGroupID):
		return true
	case s.Unassigned && inc.AssignmentGroupID == "":
		return true
	case s.Opened && inc.OpeningGroupID != "" && slices.Contains(s.GroupIDs, inc.OpeningGroupID):
		return true
	default:
		return s.Major && inc.Major
	}
}

// CanRead is the incident row rule: whether the viewer may see inc. Every
// path that hands out an incident applies it (Get, GetMany and List through
// ScopeOf; the resolvers' visibility rules for nested and streamed
// incidents), and every write applies it first (readable), so that a write
// answers exactly what a read of the same id answers.
func (v Viewer) CanRead(inc Incident) bool {
	return ScopeOf(v.Principal, v.GroupIDs).Contains(inc)
}

// readable is the first check of every write on an existing incident: an
// incident the viewer may not read is NOT_FOUND, with the message of Get,
// before any check that could tell it exists (its version, its state, the
// viewer's right to make the change).
func readable(v Viewer, inc Incident) error {
	if !v.CanRead(inc) {
		return notFound(inc.ID)
	}
	return nil
}

// workable is the check of every write that works an incident (edits,
// moves, reassignment, escalation, links, communications): readable, and
// not only as its opening group, which reads and comments but leaves the
// work to the group holding it (FORBIDDEN).
func workable(v Viewer, inc Incident) error {
	if err := readable(v, inc); err != nil {
		return err
	}
	s := ScopeOf(v.Principal, v.GroupIDs)
	s.Opened = false
	if !s.Contains(inc) {
		return apperr.New(apperr.Forbidden, "incident %s is with group %s: its opening group may read it and add work notes and comments, the group holding it works it",
			inc.ID, inc.AssignmentGroupID)
	}
	return nil
}

func notFound(id string) error {
	return apperr.New(apperr.NotFound, "no incident has id %q", id)
}

// isStaff reports whether p is service-desk or IT staff rather than a
// plain requester: staff see internal work notes.
func isStaff(p auth.Principal) bool { return p.HasAny(auth.Staff) }

// Visible is the timeline rule: work notes are internal, seen by staff
// only; comments are seen by everyone who may read the incident, the
// caller included.
func Visible(p auth.Principal, e TimelineEntry) bool {
	return readsText(p, e.Kind.Visibility())
}

// VisibleKinds returns the timeline kinds p may read, for filtering in the
// store.
func VisibleKinds(p auth.Principal) []EntryKind {
	if isStaff(p) {
		return EntryKinds()
	}
	return []EntryKind{Comment}
}

// checkCanWrite returns FORBIDDEN unless p may add an entry of kind to inc:
// agents write both kinds; the caller writes comments.
func checkCanWrite(p auth.Principal, inc Incident, kind EntryKind) error {
	if IsAgent(p) {
		return nil
	}
	if kind == Comment && IsCaller(p, inc) {
		return nil
	}
	if kind == WorkNote {
		return apperr.New(apperr.Forbidden, "work notes are internal: adding one needs the AGENT role; callers add comments")
	}
	return apperr.New(apperr.Forbidden, "only agents and the incident's caller may comment on incident %s", inc.ID)
}
