// Package change holds the change management rules of SPEC §2.3: the
// lifecycle of a request for change, its assessment from the graph
// (impact, conflicts with other changes, freeze windows), its risk score
// with the explanation of each factor, and who must authorise it. It
// declares the Store it needs; package neo4j implements it.
package change

import (
	"cmp"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
)

// ID prefixes.
const (
	Prefix         = "chg"
	TemplatePrefix = "chgt"
	FreezePrefix   = "frz"
	TransitionPfx  = "chgtr"
)

// Limits of text fields and lists.
const (
	MaxTitleLen    = 200
	MaxTextLen     = 20000
	MaxCommentLen  = 4000
	MaxTargets     = 100
	MaxWindow      = 90 * 24 * time.Hour
	MaxCalendarLen = 400 * 24 * time.Hour
	MaxIdemKeyLen  = 200
	// maxSharedIDs bounds the shared items a conflict lists; the count is
	// always exact.
	maxSharedIDs = 20
)

// Type is the kind of change.
type Type string

// The change types of SPEC §2.3.
const (
	Standard  Type = "STANDARD"
	Normal    Type = "NORMAL"
	Emergency Type = "EMERGENCY"
)

// Types lists the change types.
func Types() []Type { return []Type{Standard, Normal, Emergency} }

// State is where a change is in its lifecycle.
type State string

// The states of SPEC §2.3.
const (
	Draft        State = "DRAFT"
	Submitted    State = "SUBMITTED"
	Assessed     State = "ASSESSED"
	Authorized   State = "AUTHORIZED"
	Scheduled    State = "SCHEDULED"
	Implementing State = "IMPLEMENTING"
	Implemented  State = "IMPLEMENTED"
	Reviewed     State = "REVIEWED"
	Closed       State = "CLOSED"
	Rejected     State = "REJECTED"
	Cancelled    State = "CANCELLED"
	Failed       State = "FAILED"
)

// States lists every state in lifecycle order.
func States() []State {
	return []State{Draft, Submitted, Assessed, Authorized, Scheduled, Implementing, Implemented,
		Reviewed, Closed, Rejected, Cancelled, Failed}
}

// Active reports whether a change in state s is planned or under way, and
// so can conflict with others. Drafts are not yet plans; ended changes no
// longer hold their window.
func (s State) Active() bool {
	switch s {
	case Submitted, Assessed, Authorized, Scheduled, Implementing:
		return true
	}
	return false
}

// Outcome is the result recorded by the post-implementation review.
type Outcome string

// The outcomes.
const (
	Successful Outcome = "SUCCESSFUL"
	// SuccessfulWithIssues: the change achieved its aim but caused
	// incidents on the way.
	SuccessfulWithIssues Outcome = "SUCCESSFUL_WITH_ISSUES"
	// FailedBackedOut: the change did not achieve its aim and was backed out
	// (or had to be).
	FailedBackedOut Outcome = "FAILED_BACKED_OUT"
)

// Outcomes lists the outcomes.
func Outcomes() []Outcome { return []Outcome{Successful, SuccessfulWithIssues, FailedBackedOut} }

// Decision is a CAB member's vote.
type Decision string

// The decisions.
const (
	Approve Decision = "APPROVE"
	Reject  Decision = "REJECT"
)

// Change is a request for change (RFC).
type Change struct {
	ID string
	// Number is its human-readable number (CHG0001234), given by the store
	// when it is created.
	Number        string
	Title         string
	Description   string
	Justification string
	Type          Type
	State         State
	// TargetIDs are the CIs and services the change modifies.
	TargetIDs          []string
	PlannedStart       time.Time
	PlannedEnd         time.Time
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
	RequesterID        string
	AssignmentGroupID  string
	TemplateID         string
	Approvals          []Approval
	// Assessment is the last one computed; nil before submission.
	Assessment *Assessment
	Review     *Review
	// WindowException is set when a change manager let the change start
	// implementing outside its planned window.
	WindowException *WindowException
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Window is the planned implementation window.
func (c Change) Window() Window { return Window{Start: c.PlannedStart, End: c.PlannedEnd} }

// WindowException records who let a change start outside its window, and
// why.
type WindowException struct {
	Reason  string
	ActorID string
	At      time.Time
}

// Approval is one CAB vote; each approver votes once per assessment.
type Approval struct {
	ApproverID string
	// Roles are the approver's roles that count towards the rule.
	Roles    []auth.Role
	Decision Decision
	Comment  string
	At       time.Time
}

// Transition is an immutable record of a state change.
type Transition struct {
	ID       string
	ChangeID string
	From     State
	To       State
	Actor    string
	At       time.Time
	Comment  string
}

// Review is the post-implementation review.
type Review struct {
	Outcome    Outcome
	Notes      string
	ReviewerID string
	At         time.Time
	// CausedIncidentIDs are the incidents linked as caused by the change
	// when it was reviewed.
	CausedIncidentIDs []string
}

// Template is a pre-authorised standard change.
type Template struct {
	ID                 string
	Name               string
	Description        string
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
	// Scope: its changes may target CIs of these types and these services
	// (see Outside). MaxRisk is the highest risk level at which they are
	// pre-authorised (see Submit).
	CITypes    []cmdb.Type
	ServiceIDs []string
	MaxRisk    Level
	CreatedBy  string
	CreatedAt  time.Time
}

// Outside returns the targets outside t's scope, given the type of each
// target that is a CI (services are absent from ciTypes).
func (t Template) Outside(targets []string, ciTypes map[string]cmdb.Type) []string {
	var out []string
	for _, id := range targets {
		typ, isCI := ciTypes[id]
		if !(isCI && slices.Contains(t.CITypes, typ)) && !(!isCI && slices.Contains(t.ServiceIDs, id)) {
			out = append(out, id)
		}
	}
	return out
}

// Allows reports whether a change at risk level l stays within t's ceiling.
func (t Template) Allows(l Level) bool {
	return slices.Index(Levels(), l) <= slices.Index(Levels(), cmp.Or(t.MaxRisk, Low))
}

// FreezeWindow is a period in which changes should not be implemented:
// everywhere when ServiceIDs is empty, otherwise on those services and
// everything that supports them.
type FreezeWindow struct {
	ID         string
	Name       string
	Reason     string
	Start      time.Time
	End        time.Time
	ServiceIDs []string
	CreatedBy  string
	CreatedAt  time.Time
}

// Window is the planned implementation window.
func (f FreezeWindow) Window() Window { return Window{Start: f.Start, End: f.End} }

// Window is a half-open period [Start, End).
type Window struct{ Start, End time.Time }

// Overlaps reports whether two windows share an instant; windows that only
// touch (one ends when the other starts) do not.
func (w Window) Overlaps(o Window) bool {
	return w.Start.Before(o.End) && o.Start.Before(w.End)
}

// Assessment is what the graph says about a change at a point in time.
type Assessment struct {
	At time.Time
	// Depth is the impact depth used.
	Depth int
	// ImpactedIDs are the items the change's targets impact (not the
	// targets themselves).
	ImpactedIDs []string
	// Counts are impacted items per kind; Down how many of them are DOWN.
	Counts map[catalog.Kind]int
	Down   int
	// BusinessServices are the impacted business services, worst first.
	BusinessServices []ImpactedService
	Conflicts        []Conflict
	FreezeWindowIDs  []string
	// OpenIncidents are unresolved incidents on the targets or impacted
	// items; SLAs the agreements covering impacted (or targeted) services.
	OpenIncidents []TicketRef
	SLAs          []Ref
	// PastChanges and PastFailures count reviewed changes on the same
	// targets, and those that failed.
	PastChanges  int
	PastFailures int
	Risk         Risk
	// Required is what authorisation needs for this type and risk.
	Required []Requirement
}

// TicketRef names a ticket an assessment refers to.
type TicketRef struct {
	ID       string
	Title    string
	State    string
	Priority string
}

// Ref names a record an assessment refers to.
type Ref struct {
	ID   string
	Name string
}

// Exposure is what already depends on the items a change touches.
type Exposure struct {
	OpenIncidents []TicketRef
	SLAs          []Ref
}

// ImpactedService is a business service the change would hit.
type ImpactedService struct {
	ID          string
	Name        string
	Severity    string
	Criticality cmdb.Criticality
	Distance    int
}

// ConflictReason says how two changes collide.
type ConflictReason string

// The conflict reasons, most direct first.
const (
	// SameTarget: both changes modify the same item.
	SameTarget ConflictReason = "SAME_TARGET"
	// TargetImpacted: one change modifies an item the other one impacts.
	TargetImpacted ConflictReason = "TARGET_IMPACTED"
	// SharedImpact: both changes impact the same item.
	SharedImpact ConflictReason = "SHARED_IMPACT"
)

// Conflict is another active change whose window overlaps and whose scope
// intersects this one's.
type Conflict struct {
	ChangeID string
	Reasons  []ConflictReason
	// SharedIDs are (up to 20 of) the items in both scopes, business
	// services first; SharedCount counts them all.
	SharedIDs   []string
	SharedCount int
	Overlap     Window
}

// Level is a risk level.
type Level string

// The risk levels.
const (
	Low      Level = "LOW"
	Medium   Level = "MEDIUM"
	High     Level = "HIGH"
	Critical Level = "CRITICAL"
)

// Levels lists the risk levels, lowest first.
func Levels() []Level { return []Level{Low, Medium, High, Critical} }

// Risk is a score and the factors it is the sum of.
type Risk struct {
	Score   int
	Level   Level
	Factors []Factor
}

// FactorName names a risk factor.
type FactorName string

// The risk factors.
const (
	BlastRadius         FactorName = "BLAST_RADIUS"
	BusinessCriticality FactorName = "BUSINESS_CRITICALITY"
	SinglePointsFailure FactorName = "SINGLE_POINTS_OF_FAILURE"
	Conflicts           FactorName = "CONFLICTS"
	FreezeWindows       FactorName = "FREEZE_WINDOW"
	ChangeHistory       FactorName = "CHANGE_HISTORY"
	EmergencyType       FactorName = "EMERGENCY"
)

// Factor is what one factor contributed to a risk score, and why.
type Factor struct {
	Name   FactorName
	Points int
	Detail string
}

// Requirement is a number of approvals from holders of a role.
type Requirement struct {
	Role  auth.Role
	Count int
}
