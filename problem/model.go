// Package problem holds the problem management rules of SPEC §2.8: what a
// problem is, its lifecycle (NEW → INVESTIGATING → KNOWN_ERROR → RESOLVED →
// CLOSED, CANCELLED from any open state), who may do what, its links to
// incidents and changes, the known error database, and resolving linked
// incidents with the problem. It declares the Store it needs (package neo4j
// implements it). Priority comes from the incident priority matrix.
package problem

import (
	"slices"
	"time"

	"github.com/itsm-graph/itsm/incident"
)

// State is where a problem stands.
type State string

// The states.
const (
	New           State = "NEW"
	Investigating State = "INVESTIGATING"
	KnownError    State = "KNOWN_ERROR"
	Resolved      State = "RESOLVED"
	Closed        State = "CLOSED"
	Cancelled     State = "CANCELLED"
)

// States lists the states in lifecycle order.
func States() []State { return []State{New, Investigating, KnownError, Resolved, Closed, Cancelled} }

// Open reports whether a problem in s is still being worked (NEW,
// INVESTIGATING or KNOWN_ERROR).
func (s State) Open() bool { return slices.Contains(OpenStates(), s) }

// OpenStates lists the states in which a problem is open.
func OpenStates() []State { return []State{New, Investigating, KnownError} }

// ClosureCode says how a problem ended.
type ClosureCode string

// The closure codes.
const (
	FixApplied    ClosureCode = "FIX_APPLIED"
	RiskAccepted  ClosureCode = "RISK_ACCEPTED"
	Duplicate     ClosureCode = "DUPLICATE"
	CancelledCode ClosureCode = "CANCELLED"
)

// ClosureCodes lists the closure codes.
func ClosureCodes() []ClosureCode {
	return []ClosureCode{FixApplied, RiskAccepted, Duplicate, CancelledCode}
}

// Problem is the unknown (or, as a known error, known) cause of one or
// more incidents. The incidents it is linked to are not held here: the
// incident's ProblemIDs are the one source of truth (see Store).
type Problem struct {
	ID string
	// Number is the human reference, PRB0000001…, given by the store.
	Number      string
	Title       string
	Description string
	Category    string
	Impact      incident.Level
	Urgency     incident.Level
	Priority    incident.Priority

	AssignmentGroupID string
	AssigneeID        string
	CIIDs             []string
	ServiceIDs        []string
	// ChangeIDs are the changes that fix it.
	ChangeIDs []string

	RootCause     string
	RootCauseCIID string
	Workaround    string

	State         State
	ClosureCode   ClosureCode
	ClosureReason string

	OpenedBy       string
	IdempotencyKey string

	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ResolvedAt *time.Time
	ClosedAt   *time.Time
}

// HistoryField is what a history entry records a change of.
type HistoryField string

// The fields with a history.
const (
	FieldState           HistoryField = "STATE"
	FieldPriority        HistoryField = "PRIORITY"
	FieldTitle           HistoryField = "TITLE"
	FieldDescription     HistoryField = "DESCRIPTION"
	FieldCategory        HistoryField = "CATEGORY"
	FieldAssignmentGroup HistoryField = "ASSIGNMENT_GROUP"
	FieldAssignee        HistoryField = "ASSIGNEE"
	FieldCIs             HistoryField = "CONFIGURATION_ITEMS"
	FieldServices        HistoryField = "SERVICES"
	FieldChanges         HistoryField = "CHANGES"
	FieldRootCause       HistoryField = "ROOT_CAUSE"
	FieldRootCauseCI     HistoryField = "ROOT_CAUSE_CI"
	FieldWorkaround      HistoryField = "WORKAROUND"
	FieldClosure         HistoryField = "CLOSURE"
	FieldIncidents       HistoryField = "INCIDENTS"
)

// HistoryEntry is an immutable record of a field change.
type HistoryEntry struct {
	ID      string
	At      time.Time
	Actor   string
	Field   HistoryField
	From    string
	To      string
	Comment string
}

// Note is a work note on a problem's timeline (internal: problems are
// staff only).
type Note struct {
	ID     string
	At     time.Time
	Author string
	Body   string
}

// Records are what one write appends to a problem's trails.
type Records struct {
	History []HistoryEntry
	Notes   []Note
}

// NotMoved is a linked incident that resolving a problem left as it was,
// and why.
type NotMoved struct {
	IncidentID string
	State      incident.State
	Reason     string
}
