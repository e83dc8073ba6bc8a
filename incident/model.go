// Package incident holds the incident management rules of SPEC §2.6: what an
// incident is, how its priority follows from impact and urgency, which state
// changes each role may make, reassignment and major-incident escalation,
// the timeline of work notes and comments, and who sees what. It declares
// the Store it needs (package neo4j implements it) and the ImpactAnalyzer
// that computes impacted business services from the graph.
package incident

import (
	"time"

	"github.com/itsm-graph/itsm/sla"
)

// Level is an impact or urgency rating.
type Level string

// The levels.
const (
	High   Level = "HIGH"
	Medium Level = "MEDIUM"
	Low    Level = "LOW"
)

// Levels lists the levels, highest first.
func Levels() []Level { return []Level{High, Medium, Low} }

// Priority is P1 (highest) to P5; the SLA package shares the values.
type Priority = sla.Priority

// Channel is how an incident was reported.
type Channel string

// The channels.
const (
	ChannelPhone      Channel = "PHONE"
	ChannelEmail      Channel = "EMAIL"
	ChannelPortal     Channel = "PORTAL"
	ChannelChat       Channel = "CHAT"
	ChannelWalkIn     Channel = "WALK_IN"
	ChannelMonitoring Channel = "MONITORING"
)

// Channels lists the channels.
func Channels() []Channel {
	return []Channel{ChannelPhone, ChannelEmail, ChannelPortal, ChannelChat, ChannelWalkIn, ChannelMonitoring}
}

// ResolutionCode classifies how an incident was resolved.
type ResolutionCode string

// The resolution codes.
const (
	ResolvedFixed       ResolutionCode = "FIXED"
	ResolvedWorkaround  ResolutionCode = "WORKAROUND"
	ResolvedByChange    ResolutionCode = "RESOLVED_BY_CHANGE"
	ResolvedNoFault     ResolutionCode = "NO_FAULT_FOUND"
	ResolvedDuplicate   ResolutionCode = "DUPLICATE"
	ResolvedUserError   ResolutionCode = "USER_ERROR"
	ResolvedSelfCleared ResolutionCode = "SELF_RESOLVED"
)

// ResolutionCodes lists the resolution codes.
func ResolutionCodes() []ResolutionCode {
	return []ResolutionCode{ResolvedFixed, ResolvedWorkaround, ResolvedByChange, ResolvedNoFault,
		ResolvedDuplicate, ResolvedUserError, ResolvedSelfCleared}
}

// Outage says which of an incident's items count as failed for
// availability.
type Outage string

// The outage settings.
const (
	// OutageFromGraph, the default: its CIs have failed, and the services
	// the graph finds DOWN (or DEGRADED) through them are out; services
	// named on the incident are what it is about, not failed (a how-to
	// question about a service does not take it down).
	OutageFromGraph Outage = "FROM_GRAPH"
	// OutageDeclared: an agent says its named services have failed too,
	// with whatever the graph finds through them.
	OutageDeclared Outage = "DECLARED"
	// OutageNone: nothing is out (a question, a cosmetic fault).
	OutageNone Outage = "NONE"
)

// Outages lists the outage settings.
func Outages() []Outage { return []Outage{OutageFromGraph, OutageDeclared, OutageNone} }

// HoldReason says what an ON_HOLD incident waits for.
type HoldReason string

// The hold reasons.
const (
	AwaitingCaller HoldReason = "AWAITING_CALLER"
	AwaitingVendor HoldReason = "AWAITING_VENDOR"
	AwaitingChange HoldReason = "AWAITING_CHANGE"
)

// HoldReasons lists the hold reasons.
func HoldReasons() []HoldReason { return []HoldReason{AwaitingCaller, AwaitingVendor, AwaitingChange} }

// Incident is an unplanned interruption or reduction in quality of a service.
type Incident struct {
	ID string
	// Number is its human-readable number (INC0001234), given by the store
	// when it is created.
	Number           string
	ShortDescription string
	Description      string
	// CallerID is who reported it (a user id); requesters see the
	// incidents they are the caller of.
	CallerID string
	// OpenedBy is the principal that logged it (an agent for a phone call,
	// a service account for monitoring).
	OpenedBy   string
	Channel    Channel
	Category   string
	CIIDs      []string
	ServiceIDs []string
	Impact     Level
	Urgency    Level
	Priority   Priority

	AssignmentGroupID string
	AssigneeID        string
	State             State
	HoldReason        HoldReason
	ResolutionCode    ResolutionCode
	ResolutionNotes   string

	Major          bool
	MajorManagerID string

	ProblemIDs     []string
	CausedByChange string
	KnowledgeIDs   []string

	// Outage says which items failed (incidents stored before the setting
	// read as OutageFromGraph).
	Outage Outage

	// Computed from the graph when logged and when its CIs, services or
	// outage change: business services and units impacted (any severity),
	// and the services its failed items take DOWN, whose availability it
	// counts against, and those they only degrade, counted apart.
	ImpactedBusinessServiceIDs []string
	ImpactedBusinessUnitIDs    []string
	DownServiceIDs             []string
	DegradedServiceIDs         []string

	// IdempotencyKey is the key it was created with, if any; AlertCount
	// counts the monitoring alerts folded into it (1 for the first).
	IdempotencyKey string
	AlertCount     int
	// PreviousIncidentID names the incident a monitoring alert repeated
	// after (closed, cancelled, or resolved past its reopen window), which
	// this one follows.
	PreviousIncidentID string
	// OpeningGroupID is the first group the incident was assigned to; it
	// keeps reading it after an escalation (see Scope.Opened).
	OpeningGroupID string
	// CallerUnitID is the business unit of the caller when it was logged
	// (empty for a caller who is not a user of one): only that customer's
	// SLAs apply.
	CallerUnitID string

	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	RespondedAt *time.Time
	ResolvedAt  *time.Time
	ClosedAt    *time.Time
}

// Open reports whether the incident is still being worked (not resolved,
// closed or cancelled).
func (i Incident) Open() bool { return i.State.Open() }

// HistoryField is what a history entry records a change of.
type HistoryField string

// The fields with a history.
const (
	FieldState    HistoryField = "STATE"
	FieldPriority HistoryField = "PRIORITY"
	// FieldMajor records major-incident declarations: "NO", or "YES:"
	// and the manager's id.
	FieldMajor HistoryField = "MAJOR"
	// FieldOutage records changes of the outage setting.
	FieldOutage HistoryField = "OUTAGE"
	// FieldAssignmentGroup records each hand-over from one group to the
	// next (from "" when first assigned): the OLAs measure the spans.
	FieldAssignmentGroup HistoryField = "ASSIGNMENT_GROUP"
)

// HistoryEntry is an immutable record of a state or priority change: who,
// when, from, to, and why.
type HistoryEntry struct {
	ID      string
	At      time.Time
	Actor   string
	Field   HistoryField
	From    string
	To      string
	Comment string
	// CommentVisibility says who may read Comment.
	CommentVisibility Visibility
	// HoldReason, on a move to ON_HOLD, is what the incident waits for.
	HoldReason HoldReason
}

// Escalation records a functional escalation: the incident passed from one
// group (and assignee) to another.
type Escalation struct {
	ID             string
	At             time.Time
	Actor          string
	FromGroupID    string
	ToGroupID      string
	FromAssigneeID string
	ToAssigneeID   string
	Reason         string
	// ReasonVisibility says who may read Reason.
	ReasonVisibility Visibility
}

// Communication records a message sent about a major incident.
type Communication struct {
	ID       string
	At       time.Time
	Actor    string
	Audience string
	Channel  string
	Message  string
	// Visibility says whether the message is for staff only or reaches the
	// caller on the incident too; the audience is free text and cannot
	// tell.
	Visibility Visibility
}

// EntryKind tells internal work notes from caller-visible comments.
type EntryKind string

// The timeline entry kinds.
const (
	WorkNote EntryKind = "WORK_NOTE"
	Comment  EntryKind = "COMMENT"
)

// EntryKinds lists the timeline entry kinds.
func EntryKinds() []EntryKind { return []EntryKind{WorkNote, Comment} }

// TimelineEntry is a work note or comment.
type TimelineEntry struct {
	ID     string
	At     time.Time
	Author string
	Kind   EntryKind
	Body   string
}

// Records are what one change appends to an incident's trails, written in
// the same transaction as the incident.
type Records struct {
	History        []HistoryEntry
	Escalations    []Escalation
	Communications []Communication
	Timeline       []TimelineEntry
}
