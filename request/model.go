// Package request holds the request fulfilment rules of SPEC §2.7: the
// request catalogue (items with their form, approval policy and
// fulfilment plan), ordering, the request lifecycle (SUBMITTED →
// PENDING_APPROVAL → APPROVED | REJECTED → IN_FULFILMENT → FULFILLED →
// CLOSED, CANCELLED by the requester before fulfilment), staged approvals,
// fulfilment tasks, closure and the satisfaction survey. It declares the
// Store it needs (package neo4j implements it).
package request

import (
	"time"
)

// FieldType is the type of a form field's answer.
type FieldType string

// The field types.
const (
	Text        FieldType = "TEXT"
	Number      FieldType = "NUMBER"
	Date        FieldType = "DATE"
	Boolean     FieldType = "BOOLEAN"
	Choice      FieldType = "CHOICE"
	MultiChoice FieldType = "MULTI_CHOICE"
	CIRef       FieldType = "CI_REFERENCE"
	UserRef     FieldType = "USER_REFERENCE"
)

// FieldTypes lists the field types.
func FieldTypes() []FieldType {
	return []FieldType{Text, Number, Date, Boolean, Choice, MultiChoice, CIRef, UserRef}
}

// Field is one question of an item's form.
type Field struct {
	Key      string
	Label    string
	Type     FieldType
	Required bool
	// Min and Max bound a NUMBER's value and a TEXT's length.
	Min, Max *float64
	// Pattern is a Go regular expression a TEXT answer must match whole.
	Pattern string
	// Options are the choices of CHOICE and MULTI_CHOICE.
	Options []string
	Help    string
}

// ApproverKind says who approves a stage.
type ApproverKind string

// The approver kinds.
const (
	LineManager  ApproverKind = "LINE_MANAGER"
	ServiceOwner ApproverKind = "SERVICE_OWNER"
	NamedGroup   ApproverKind = "GROUP"
	// Finance is the financial stage the policy's threshold adds.
	Finance ApproverKind = "FINANCE"
)

// ApproverKinds lists the kinds an item's own stages may name.
func ApproverKinds() []ApproverKind { return []ApproverKind{LineManager, ServiceOwner, NamedGroup} }

// Rule says how many of a stage's approvers must approve.
type Rule string

// The rules.
const (
	Any   Rule = "ANY"
	All   Rule = "ALL"
	Share Rule = "SHARE"
)

// Rules lists the rules.
func Rules() []Rule { return []Rule{Any, All, Share} }

// Stage is one step of an approval policy.
type Stage struct {
	Approver ApproverKind
	// GroupID names the group of a GROUP (and FINANCE) stage.
	GroupID string
	Rule    Rule
	// Percent is the share of approvers a SHARE stage needs (1..100).
	Percent int
	// Timeout, when set, decides the stage with DefaultApprove once it has
	// waited that long.
	Timeout        time.Duration
	DefaultApprove bool
}

// ApprovalPolicy is an item's approval policy.
type ApprovalPolicy struct {
	// FinanceThreshold, when set, puts a financial stage first for every
	// request costing at least this much, decided by FinanceGroupID.
	FinanceThreshold *float64
	FinanceGroupID   string
	FinanceRule      Rule
	Stages           []Stage
}

// PlanTask is one task of an item's fulfilment plan. Tasks of one Step
// run in parallel; steps run one after another.
type PlanTask struct {
	Name    string
	GroupID string
	Step    int
}

// Item is an entry of the request catalogue.
type Item struct {
	ID          string
	Name        string
	Description string
	Category    string
	ServiceID   string
	Price       float64
	Currency    string
	// OfferedTo are the groups whose members may order the item; empty
	// offers it to every requester.
	OfferedTo []string
	Form      []Field
	Policy    ApprovalPolicy
	Plan      []PlanTask
	// Target is how long fulfilment should take from approval.
	Target    time.Duration
	Retired   bool
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// State is where a request stands.
type State string

// The states.
const (
	Submitted       State = "SUBMITTED"
	PendingApproval State = "PENDING_APPROVAL"
	Approved        State = "APPROVED"
	Rejected        State = "REJECTED"
	InFulfilment    State = "IN_FULFILMENT"
	Fulfilled       State = "FULFILLED"
	Closed          State = "CLOSED"
	Cancelled       State = "CANCELLED"
)

// States lists the states in lifecycle order.
func States() []State {
	return []State{Submitted, PendingApproval, Approved, Rejected, InFulfilment, Fulfilled, Closed, Cancelled}
}

// Answer is the answer to one form field; a multiple choice has several
// values, every other type one.
type Answer struct {
	Key    string
	Values []string
}

// ApprovalState is where one approver's decision stands.
type ApprovalState string

// The approval states.
const (
	// Waiting: the stage has not opened yet.
	Waiting      ApprovalState = "WAITING"
	Pending      ApprovalState = "PENDING"
	ApprovedBy   ApprovalState = "APPROVED"
	RejectedBy   ApprovalState = "REJECTED"
	NotNeeded    ApprovalState = "NOT_NEEDED"
	TimedOutAuto ApprovalState = "TIMED_OUT"
)

// Approval is one approver's part in one stage.
type Approval struct {
	ID         string
	RequestID  string
	Stage      int
	Kind       ApproverKind
	ApproverID string
	State      ApprovalState
	Reason     string
	OpenedAt   *time.Time
	DueAt      *time.Time
	DecidedAt  *time.Time
}

// TaskState is where a fulfilment task stands.
type TaskState string

// The task states.
const (
	TaskWaiting    TaskState = "WAITING"
	TaskOpen       TaskState = "OPEN"
	TaskInProgress TaskState = "IN_PROGRESS"
	TaskDone       TaskState = "DONE"
	TaskCancelled  TaskState = "CANCELLED"
)

// TaskStates lists the states a task may be moved to.
func TaskStates() []TaskState { return []TaskState{TaskOpen, TaskInProgress, TaskDone, TaskCancelled} }

// Note is a work note on a task.
type Note struct {
	At     time.Time
	Author string
	Body   string
}

// Task is one fulfilment task of a request.
type Task struct {
	ID        string
	RequestID string
	Name      string
	GroupID   string
	Step      int
	State     TaskState
	// CIID is the configuration item the task created or linked.
	CIID      string
	Notes     []Note
	OpenedAt  *time.Time
	DoneAt    *time.Time
	UpdatedAt time.Time
}

// Request is an order of one catalogue item.
type Request struct {
	ID     string
	Number string
	// Item is the item as it was when ordered.
	Item           Item
	Quantity       int
	Answers        []Answer
	Cost           float64
	RequesterID    string
	RequestedForID string
	State          State
	// Stages are the stages the request needs, in order (the financial
	// one first when the cost reached the threshold), and Stage the index
	// of the one open while PENDING_APPROVAL.
	Stages         []Stage
	Stage          int
	Satisfaction   int
	SurveyComment  string
	IdempotencyKey string

	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ApprovedAt  *time.Time
	FulfilledAt *time.Time
	ClosedAt    *time.Time
}

// Awaiting is an approval waiting for its approver, with the request it
// decides.
type Awaiting struct {
	Approval Approval
	Request  Record
}

// HistoryEntry is one recorded move of a request.
type HistoryEntry struct {
	ID      string
	At      time.Time
	Actor   string
	From    State
	To      State
	Comment string
}

// Record is a request with its approvals and tasks: what one write locks,
// reads and rewrites.
type Record struct {
	Request   Request
	Approvals []Approval
	Tasks     []Task
}

// ID prefixes, which let node(id:) tell kinds apart.
const (
	ItemPrefix     = "rqi"
	Prefix         = "req"
	ApprovalPrefix = "rqa"
	TaskPrefix     = "rqt"
	HistoryPrefix  = "rqh"
)
