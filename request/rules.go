package request

import (
	"math"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
)

// Who may do what (ADMIN holds every role).
//
// SERVICE_OWNER manages the catalogue and, with ANALYST, reads every
// request. Everybody else sees the requests they made or that were made
// for them, those they are asked to approve, and (as members of a
// fulfilment group) those with a task for one of their groups.

// CanManage reports whether p may create, change and retire catalogue
// items.
func CanManage(p auth.Principal) bool { return p.Has(auth.ServiceOwner) }

// SeesAll reports whether p reads every request and every item.
func SeesAll(p auth.Principal) bool { return p.Has(auth.ServiceOwner) || p.Has(auth.Analyst) }

// Viewer is a caller with the groups they belong to.
type Viewer struct {
	Principal auth.Principal
	GroupIDs  []string
}

// Offered reports whether v may order it: a live item offered to every
// requester or to one of v's groups.
func Offered(v Viewer, it Item) bool {
	if it.Retired {
		return false
	}
	return len(it.OfferedTo) == 0 || slices.ContainsFunc(it.OfferedTo, func(g string) bool { return slices.Contains(v.GroupIDs, g) })
}

// SeesItem reports whether v may read it: managers and readers of every
// request read every item, others the items offered to them.
func SeesItem(v Viewer, it Item) bool { return SeesAll(v.Principal) || Offered(v, it) }

// party reports whether subject made the request or it was made for them.
func party(r Request, subject string) bool {
	return subject != "" && (r.RequesterID == subject || r.RequestedForID == subject)
}

// CanSee reports whether v may read rec (see the rule above).
func CanSee(v Viewer, rec Record) bool {
	me := v.Principal.Subject
	if SeesAll(v.Principal) || party(rec.Request, me) {
		return true
	}
	if slices.ContainsFunc(rec.Approvals, func(a Approval) bool { return a.ApproverID == me && a.State != Waiting }) {
		return true
	}
	return slices.ContainsFunc(rec.Tasks, func(t Task) bool { return t.State != TaskWaiting && slices.Contains(v.GroupIDs, t.GroupID) })
}

// transitions are the moves a requester makes; the others follow from
// approvals and tasks.
func transitions() map[State][]State {
	return map[State][]State{
		Submitted:       {Cancelled},
		PendingApproval: {Cancelled},
		Approved:        {Cancelled},
		Fulfilled:       {InFulfilment, Closed},
	}
}

// NextStates lists the moves v may make on rec with transitionRequest.
func NextStates(v Viewer, rec Record) []State {
	if !party(rec.Request, v.Principal.Subject) {
		return nil
	}
	var out []State
	for _, to := range States() {
		if slices.Contains(transitions()[rec.Request.State], to) && (to != Cancelled || rec.Request.RequesterID == v.Principal.Subject) {
			out = append(out, to)
		}
	}
	return out
}

// CheckTransition returns nil when v may move rec to to: INVALID_TRANSITION
// naming the allowed moves; FORBIDDEN for someone who is not the requester
// (or, to confirm, the person it was requested for).
func CheckTransition(v Viewer, rec Record, to State) error {
	r := rec.Request
	if !slices.Contains(transitions()[r.State], to) {
		return apperr.New(apperr.InvalidTransition, "request %s is %s and cannot move to %s; allowed moves: %v", r.Number, r.State, to, transitions()[r.State])
	}
	if to == Cancelled && r.RequesterID != v.Principal.Subject {
		return apperr.New(apperr.Forbidden, "only the requester may cancel request %s", r.Number)
	}
	if !party(r, v.Principal.Subject) {
		return apperr.New(apperr.Forbidden, "only the requester or the person it was requested for may confirm request %s", r.Number)
	}
	return nil
}

// StagesFor returns the stages a request of it costing cost needs: the
// financial one first when the cost reaches the threshold.
func StagesFor(it Item, cost float64) []Stage {
	var out []Stage
	p := it.Policy
	if p.FinanceThreshold != nil && cost >= *p.FinanceThreshold {
		out = append(out, Stage{Approver: Finance, GroupID: p.FinanceGroupID, Rule: p.FinanceRule, Percent: 100})
	}
	return append(out, p.Stages...)
}

// Directory is what approvals need to know of people: the members of the
// groups that approve, the requester's line manager and the group that
// owns the item's service.
type Directory struct {
	Members           map[string][]string
	Manager           string
	ServiceOwnerGroup string
}

// approversOf returns who decides stage s of a request made by (or for)
// the excluded subjects: nobody approves their own request, also not as a
// member of an approving group.
func approversOf(s Stage, d Directory, excluded ...string) []string {
	var ids []string
	switch s.Approver {
	case LineManager:
		ids = []string{d.Manager}
	case ServiceOwner:
		ids = d.Members[d.ServiceOwnerGroup]
	default:
		ids = d.Members[s.GroupID]
	}
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" || slices.Contains(excluded, id) })
	return slices.Compact(slices.Sorted(slices.Values(ids)))
}

// needed is how many approvals a stage of n approvers needs.
func needed(s Stage, n int) int {
	switch s.Rule {
	case All:
		return n
	case Share:
		return max(1, int(math.Ceil(float64(n)*float64(s.Percent)/100)))
	}
	return 1
}

// Clock stamps one write: when, by whom, and the ids it makes.
type Clock struct {
	Now   time.Time
	Actor string
	NewID func(prefix string) string
}

// writer applies one command to a record and collects its history.
type writer struct {
	rec     Record
	clock   Clock
	history []HistoryEntry
}

// newWriter starts a write on a copy of rec: the caller's record (the one
// read, which subscribers' notices compare with) stays as it was.
func newWriter(rec Record, c Clock) *writer {
	rec.Approvals, rec.Tasks = slices.Clone(rec.Approvals), slices.Clone(rec.Tasks)
	for k := range rec.Tasks {
		rec.Tasks[k].Notes = slices.Clone(rec.Tasks[k].Notes)
	}
	return &writer{rec: rec, clock: c}
}

func (w *writer) move(to State, comment string) {
	w.history = append(w.history, HistoryEntry{ID: w.clock.NewID(HistoryPrefix), At: w.clock.Now, Actor: w.clock.Actor,
		From: w.rec.Request.State, To: to, Comment: comment})
	w.rec.Request.State = to
}

// Plan builds a new request's approvals (every stage's, WAITING) from d and
// opens the first stage, or starts fulfilment when none is needed.
// CONFLICT for a stage nobody may decide (a line manager stage without a
// manager is skipped instead: not everyone has one).
func Plan(r Request, d Directory, c Clock) (Record, []HistoryEntry, error) {
	w := newWriter(Record{Request: r}, c)
	w.rec.Request.State = ""
	w.move(Submitted, "")
	for i, s := range r.Stages {
		who := approversOf(s, d, r.RequesterID, r.RequestedForID)
		if len(who) == 0 && s.Approver != LineManager {
			return Record{}, nil, apperr.New(apperr.Conflict, "item %s cannot be ordered now: nobody but you may decide its %s approval; ask the catalogue manager", r.Item.Name, s.Approver)
		}
		for _, id := range who {
			w.rec.Approvals = append(w.rec.Approvals, Approval{ID: c.NewID(ApprovalPrefix), RequestID: r.ID, Stage: i, Kind: s.Approver,
				ApproverID: id, State: Waiting})
		}
	}
	w.openStage(0)
	return w.rec, w.history, nil
}

// openStage opens stage i, skipping stages without approvers; past the
// last one the request is approved.
func (w *writer) openStage(i int) {
	r := &w.rec.Request
	for ; i < len(r.Stages); i++ {
		opened := false
		for k := range w.rec.Approvals {
			a := &w.rec.Approvals[k]
			if a.Stage != i {
				continue
			}
			opened = true
			a.State, a.OpenedAt = Pending, &w.clock.Now
			if t := r.Stages[i].Timeout; t > 0 {
				due := w.clock.Now.Add(t)
				a.DueAt = &due
			}
		}
		if opened {
			r.Stage = i
			if r.State != PendingApproval {
				w.move(PendingApproval, "")
			}
			return
		}
	}
	r.Stage = len(r.Stages)
	r.ApprovedAt = &w.clock.Now
	w.move(Approved, "")
	w.startFulfilment()
}

func (w *writer) startFulfilment() {
	r := &w.rec.Request
	for _, p := range r.Item.Plan {
		w.rec.Tasks = append(w.rec.Tasks, Task{ID: w.clock.NewID(TaskPrefix), RequestID: r.ID, Name: p.Name, GroupID: p.GroupID,
			Step: p.Step, State: TaskWaiting, UpdatedAt: w.clock.Now})
	}
	w.move(InFulfilment, "")
	w.advanceTasks()
}

// advanceTasks opens the next step's tasks once every task of the steps
// before is finished, and fulfils the request when all are.
func (w *writer) advanceTasks() {
	next := math.MaxInt
	for _, t := range w.rec.Tasks {
		switch t.State {
		case TaskOpen, TaskInProgress:
			return
		case TaskWaiting:
			next = min(next, t.Step)
		}
	}
	if next == math.MaxInt {
		w.rec.Request.FulfilledAt = &w.clock.Now
		w.move(Fulfilled, "")
		return
	}
	for k := range w.rec.Tasks {
		if t := &w.rec.Tasks[k]; t.State == TaskWaiting && t.Step == next {
			t.State, t.OpenedAt, t.UpdatedAt = TaskOpen, &w.clock.Now, w.clock.Now
		}
	}
}

// settleStage decides the open stage when its approvals allow: a
// rejection ends the request (with reason) whatever the rule, as the
// requester expects of a "no"; enough approvals for the rule open the
// next stage.
func (w *writer) settleStage(reason string) {
	r := &w.rec.Request
	stage := r.Stage
	var n, yes, no int
	for _, a := range w.rec.Approvals {
		if a.Stage != stage {
			continue
		}
		n++
		switch a.State {
		case ApprovedBy:
			yes++
		case RejectedBy:
			no++
		}
	}
	switch {
	case no > 0:
		w.closePending(func(Approval) bool { return true })
		w.move(Rejected, reason)
		r.ClosedAt = &w.clock.Now
	case yes >= needed(r.Stages[stage], n):
		w.closePending(func(a Approval) bool { return a.Stage == stage })
		w.openStage(stage + 1)
	}
}

// closePending marks the approvals still open that sel picks as not needed.
func (w *writer) closePending(sel func(Approval) bool) {
	for k := range w.rec.Approvals {
		a := &w.rec.Approvals[k]
		if (a.State == Pending || a.State == Waiting) && sel(*a) {
			a.State = NotNeeded
		}
	}
}

// Decide records approver c.Actor's decision on approval id. NOT_FOUND for
// an approval that is not theirs; CONFLICT when already decided;
// INVALID_TRANSITION when its stage is not open; BAD_USER_INPUT for a
// rejection without a reason.
func Decide(rec Record, id string, approve bool, reason string, c Clock) (Record, []HistoryEntry, error) {
	w := newWriter(rec, c)
	k := slices.IndexFunc(w.rec.Approvals, func(a Approval) bool { return a.ID == id })
	if k < 0 || w.rec.Approvals[k].ApproverID != c.Actor || party(rec.Request, c.Actor) {
		return Record{}, nil, apperr.New(apperr.NotFound, "no approval %q waits for you", id)
	}
	a := &w.rec.Approvals[k]
	switch a.State {
	case Pending:
	case Waiting:
		return Record{}, nil, apperr.New(apperr.InvalidTransition, "approval %s belongs to a stage that has not opened yet", id)
	case ApprovedBy, RejectedBy:
		return Record{}, nil, apperr.New(apperr.Conflict, "approval %s was already decided (%s); a decision is final", id, a.State)
	default:
		return Record{}, nil, apperr.New(apperr.InvalidTransition, "approval %s is %s: request %s no longer needs it", id, a.State, rec.Request.Number)
	}
	if !approve && reason == "" {
		return Record{}, nil, apperr.Invalid("reason", "is required to reject; tell the requester why")
	}
	a.State, a.Reason, a.DecidedAt = ApprovedBy, reason, &c.Now
	if !approve {
		a.State = RejectedBy
	}
	w.settleStage(reason)
	return w.rec, w.history, nil
}

// TimeOut decides the open stage of rec by its default answer when its
// time-out has passed (nothing when none has).
func TimeOut(rec Record, c Clock) (Record, []HistoryEntry, bool) {
	w := newWriter(rec, c)
	r := rec.Request
	if r.State != PendingApproval || r.Stage >= len(r.Stages) {
		return rec, nil, false
	}
	s := r.Stages[r.Stage]
	due := false
	for k := range w.rec.Approvals {
		a := &w.rec.Approvals[k]
		if a.Stage == r.Stage && a.State == Pending && a.DueAt != nil && !a.DueAt.After(c.Now) {
			due = true
			a.State, a.DecidedAt = TimedOutAuto, &c.Now
		}
	}
	if !due {
		return rec, nil, false
	}
	if s.DefaultApprove {
		w.closePending(func(a Approval) bool { return a.Stage == r.Stage })
		w.openStage(r.Stage + 1)
	} else {
		w.closePending(func(Approval) bool { return true })
		w.move(Rejected, "the approval timed out")
		w.rec.Request.ClosedAt = &c.Now
	}
	return w.rec, w.history, true
}

// Move applies a requester's move (CheckTransition first): cancel before
// fulfilment, confirm (CLOSED) or say it is not done (back to
// IN_FULFILMENT: the last step's done tasks open again).
func Move(rec Record, to State, comment string, c Clock) (Record, []HistoryEntry) {
	w := newWriter(rec, c)
	switch to {
	case Cancelled:
		w.closePending(func(Approval) bool { return true })
		w.rec.Request.ClosedAt = &c.Now
	case Closed:
		w.rec.Request.ClosedAt = &c.Now
	case InFulfilment:
		last := 0
		for _, t := range w.rec.Tasks {
			last = max(last, t.Step)
		}
		for k := range w.rec.Tasks {
			if t := &w.rec.Tasks[k]; t.Step == last && t.State == TaskDone {
				t.State, t.DoneAt, t.UpdatedAt = TaskOpen, nil, c.Now
			}
		}
		w.rec.Request.FulfilledAt = nil
	}
	w.move(to, comment)
	if to == InFulfilment && !slices.ContainsFunc(w.rec.Tasks, func(t Task) bool { return t.State == TaskOpen }) {
		w.advanceTasks()
	}
	return w.rec, w.history
}

// taskMoves are the moves of a task.
func taskMoves() map[TaskState][]TaskState {
	return map[TaskState][]TaskState{
		TaskOpen:       {TaskInProgress, TaskDone, TaskCancelled},
		TaskInProgress: {TaskOpen, TaskDone, TaskCancelled},
	}
}

// TaskChange is what a fulfiller does to a task.
type TaskChange struct {
	TaskID string
	State  *TaskState
	Note   string
	CIID   *string
	// NewCI, when set, is created in the CMDB and linked as CIID.
	NewCI *cmdb.CreateInput
}

// UpdateTask applies ch by a fulfiller of v: NOT_FOUND for a task outside
// rec; FORBIDDEN for someone outside the task's group (managers excepted);
// INVALID_TRANSITION for a task that is not open or a move it cannot make.
func UpdateTask(v Viewer, rec Record, ch TaskChange, c Clock) (Record, []HistoryEntry, error) {
	w := newWriter(rec, c)
	k := slices.IndexFunc(w.rec.Tasks, func(t Task) bool { return t.ID == ch.TaskID })
	if k < 0 {
		return Record{}, nil, apperr.New(apperr.NotFound, "request %s has no task %q", rec.Request.Number, ch.TaskID)
	}
	t := &w.rec.Tasks[k]
	if !CanManage(v.Principal) && !slices.Contains(v.GroupIDs, t.GroupID) {
		return Record{}, nil, apperr.New(apperr.Forbidden, "task %s belongs to another group; only its members work it", t.ID)
	}
	if rec.Request.State != InFulfilment || (t.State != TaskOpen && t.State != TaskInProgress) {
		return Record{}, nil, apperr.New(apperr.InvalidTransition, "task %s is %s while request %s is %s: only open tasks of a request in fulfilment can be worked",
			t.ID, t.State, rec.Request.Number, rec.Request.State)
	}
	if ch.Note != "" {
		t.Notes = append(t.Notes, Note{At: c.Now, Author: c.Actor, Body: ch.Note})
	}
	if ch.CIID != nil {
		t.CIID = *ch.CIID
	}
	t.UpdatedAt = c.Now
	if ch.State != nil && *ch.State != t.State {
		if !slices.Contains(taskMoves()[t.State], *ch.State) {
			return Record{}, nil, apperr.New(apperr.InvalidTransition, "task %s cannot go from %s to %s; allowed: %v", t.ID, t.State, *ch.State, taskMoves()[t.State])
		}
		t.State = *ch.State
		if t.State == TaskDone || t.State == TaskCancelled {
			t.DoneAt = &c.Now
		}
		w.advanceTasks()
	}
	return w.rec, w.history, nil
}
