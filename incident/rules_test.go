package incident

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/sla"
)

func TestDefaultMatrixAllNineCells(t *testing.T) {
	m := DefaultMatrix()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		impact, urgency Level
		want            Priority
	}{
		{High, High, sla.P1},
		{High, Medium, sla.P2},
		{Medium, High, sla.P2},
		{High, Low, sla.P3},
		{Medium, Medium, sla.P3},
		{Low, High, sla.P3},
		{Medium, Low, sla.P4},
		{Low, Medium, sla.P4},
		{Low, Low, sla.P5},
	}
	for _, tt := range tests {
		if got := m.Priority(tt.impact, tt.urgency); got != tt.want {
			t.Errorf("(%s, %s): got %s, want %s", tt.impact, tt.urgency, got, tt.want)
		}
	}
}

func TestMatrixValidate(t *testing.T) {
	tests := map[string]func(Matrix) Matrix{
		"missing cell":     func(m Matrix) Matrix { return m[1:] },
		"duplicate cell":   func(m Matrix) Matrix { m[1] = m[0]; return m },
		"unknown priority": func(m Matrix) Matrix { m[0].Priority = "P6"; return m },
		"unknown level":    func(m Matrix) Matrix { m[0].Impact = "CRITICAL"; return m },
		"empty":            func(Matrix) Matrix { return nil },
	}
	for name, mod := range tests {
		if err := mod(DefaultMatrix()).Validate(); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("%s: got %v, want BAD_USER_INPUT", name, err)
		}
	}
	custom := DefaultMatrix()
	custom[8].Priority = sla.P4 // (L,L) raised by an admin
	if err := custom.Validate(); err != nil || custom.Priority(Low, Low) != sla.P4 {
		t.Fatalf("custom matrix: %v", err)
	}
}

var (
	now      = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	agent    = auth.Principal{Subject: "usr_agent", Roles: []auth.Role{auth.Agent}}
	admin    = auth.Principal{Subject: "usr_admin", Roles: []auth.Role{auth.Admin}}
	caller   = auth.Principal{Subject: "usr_caller", Roles: []auth.Role{auth.Requester}}
	stranger = auth.Principal{Subject: "usr_other", Roles: []auth.Role{auth.Requester}}
	analyst  = auth.Principal{Subject: "usr_analyst", Roles: []auth.Role{auth.Analyst}}
)

func inState(s State) Incident {
	inc := Incident{ID: "inc_1", CallerID: caller.Subject, State: s, AssignmentGroupID: "grp_1"}
	if s == Resolved {
		r := now.Add(-time.Hour)
		inc.ResolvedAt = &r
	}
	return inc
}

func TestEveryValidTransition(t *testing.T) {
	tests := []struct {
		from, to State
		who      []auth.Principal
	}{
		{New, Assigned, []auth.Principal{agent, admin}},
		{New, InProgress, []auth.Principal{agent, admin}},
		{New, Resolved, []auth.Principal{agent, admin}},
		{New, Cancelled, []auth.Principal{agent, admin, caller}},
		{Assigned, InProgress, []auth.Principal{agent, admin}},
		{Assigned, OnHold, []auth.Principal{agent, admin}},
		{Assigned, Resolved, []auth.Principal{agent, admin}},
		{Assigned, Cancelled, []auth.Principal{agent, admin}},
		{InProgress, Assigned, []auth.Principal{agent, admin}},
		{InProgress, OnHold, []auth.Principal{agent, admin}},
		{InProgress, Resolved, []auth.Principal{agent, admin}},
		{InProgress, Cancelled, []auth.Principal{agent, admin}},
		{OnHold, InProgress, []auth.Principal{agent, admin}},
		{OnHold, Resolved, []auth.Principal{agent, admin}},
		{OnHold, Cancelled, []auth.Principal{agent, admin}},
		{Resolved, InProgress, []auth.Principal{agent, admin, caller}},
		{Resolved, Closed, []auth.Principal{agent, admin, caller}},
	}
	count := 0
	for _, tt := range tests {
		for _, p := range tt.who {
			if err := CheckTransition(p, inState(tt.from), tt.to, now, DefaultPolicy()); err != nil {
				t.Errorf("%s → %s by %s: %v", tt.from, tt.to, p.Subject, err)
			}
		}
		count++
	}
	// The table above is the whole machine.
	total := 0
	for _, s := range States() {
		total += len(NextStates(s))
	}
	if total != count {
		t.Fatalf("the machine has %d transitions, the test covers %d", total, count)
	}
}

func TestInvalidTransitions(t *testing.T) {
	tests := []struct {
		who      auth.Principal
		from, to State
		code     apperr.Code
		mention  string
	}{
		// moves that do not exist, whoever asks: the error lists the way on
		{agent, New, OnHold, apperr.InvalidTransition, "[ASSIGNED IN_PROGRESS RESOLVED CANCELLED]"},
		{agent, New, Closed, apperr.InvalidTransition, "allowed next states"},
		{agent, Assigned, New, apperr.InvalidTransition, "[IN_PROGRESS ON_HOLD RESOLVED CANCELLED]"},
		{agent, InProgress, New, apperr.InvalidTransition, "allowed next states"},
		{agent, OnHold, Assigned, apperr.InvalidTransition, "[IN_PROGRESS RESOLVED CANCELLED]"},
		{agent, Resolved, Cancelled, apperr.InvalidTransition, "[IN_PROGRESS CLOSED]"},
		{agent, Resolved, OnHold, apperr.InvalidTransition, "allowed next states"},
		{admin, Closed, InProgress, apperr.InvalidTransition, "final"},
		{admin, Cancelled, New, apperr.InvalidTransition, "final"},
		{agent, New, "DONE", apperr.BadUserInput, "valid values"},
		// the caller of the incident
		{caller, New, Assigned, apperr.Forbidden, "AGENT"},
		{caller, New, InProgress, apperr.Forbidden, "AGENT"},
		{caller, Assigned, Cancelled, apperr.Forbidden, "AGENT"},
		{caller, InProgress, Resolved, apperr.Forbidden, "AGENT"},
		{caller, OnHold, InProgress, apperr.Forbidden, "AGENT"},
		// another requester: never
		{stranger, New, Cancelled, apperr.Forbidden, "caller"},
		{stranger, Resolved, InProgress, apperr.Forbidden, "caller"},
		{stranger, Resolved, Closed, apperr.Forbidden, "caller"},
		// read-only staff
		{analyst, New, Assigned, apperr.Forbidden, "AGENT"},
		{analyst, Resolved, Closed, apperr.Forbidden, "AGENT"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s→%s", tt.who.Subject, tt.from, tt.to), func(t *testing.T) {
			err := CheckTransition(tt.who, inState(tt.from), tt.to, now, DefaultPolicy())
			if !apperr.Is(err, tt.code) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("got %v; want %s mentioning %q", err, tt.code, tt.mention)
			}
		})
	}
}

func TestReopenWindowAndAutoClose(t *testing.T) {
	pol := Policy{ReopenWindow: 48 * time.Hour, AutoCloseAfter: 72 * time.Hour}
	resolvedAgo := func(d time.Duration) Incident {
		inc := inState(Resolved)
		r := now.Add(-d)
		inc.ResolvedAt = &r
		return inc
	}
	for _, p := range []auth.Principal{caller, agent} {
		if err := CheckTransition(p, resolvedAgo(48*time.Hour), InProgress, now, pol); err != nil {
			t.Errorf("%s: reopen at the end of the window: %v", p.Subject, err)
		}
		err := CheckTransition(p, resolvedAgo(48*time.Hour+time.Second), InProgress, now, pol)
		if !apperr.Is(err, apperr.InvalidTransition) || !strings.Contains(err.Error(), "open a new incident") {
			t.Errorf("%s: reopen after the window: %v", p.Subject, err)
		}
	}
	incs := []Incident{resolvedAgo(72 * time.Hour), resolvedAgo(71 * time.Hour), resolvedAgo(100 * time.Hour), inState(InProgress)}
	incs[0].ID, incs[1].ID, incs[2].ID = "a", "b", "c"
	var ids []string
	for _, i := range DueForAutoClose(incs, now, pol) {
		ids = append(ids, i.ID)
	}
	if !slices.Equal(ids, []string{"a", "c"}) {
		t.Fatalf("due: %v", ids)
	}
	if err := checkTransition(auth.Principal{}, incs[0], Closed, now, pol, true); err != nil {
		t.Fatalf("system close: %v", err)
	}
	if err := checkTransition(auth.Principal{}, inState(InProgress), Closed, now, pol, true); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("system close of an open incident: %v", err)
	}
	if err := (Policy{}).Validate(); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("zero policy: %v", err)
	}
}

// TestAllowedTransitions: what the API offers each caller is exactly the
// moves Transition would accept from them now.
func TestAllowedTransitions(t *testing.T) {
	pol := Policy{ReopenWindow: 48 * time.Hour, AutoCloseAfter: 72 * time.Hour}
	svc, err := NewService(nil, nil, pol, func() time.Time { return now }, func(p string) string { return p + "_x" })
	if err != nil {
		t.Fatal(err)
	}
	resolvedAgo := func(d time.Duration) Incident {
		inc := inState(Resolved)
		r := now.Add(-d)
		inc.ResolvedAt = &r
		return inc
	}
	stranger := auth.Principal{Subject: "someone-else", Roles: []auth.Role{auth.Requester}}
	tests := []struct {
		name string
		p    auth.Principal
		inc  Incident
		want []State
	}{
		{"agent, new", agent, inState(New), []State{Assigned, InProgress, Resolved, Cancelled}},
		{"caller, new", caller, inState(New), []State{Cancelled}},
		{"stranger, new", stranger, inState(New), nil},
		{"caller, in progress", caller, inState(InProgress), nil},
		{"agent, on hold", agent, inState(OnHold), []State{InProgress, Resolved, Cancelled}},
		{"caller, resolved in the window", caller, resolvedAgo(time.Hour), []State{InProgress, Closed}},
		{"caller, resolved after the window", caller, resolvedAgo(49 * time.Hour), []State{Closed}},
		{"agent, closed", agent, inState(Closed), nil},
	}
	for _, tt := range tests {
		if got := svc.AllowedTransitions(tt.p, tt.inc); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestVisibility(t *testing.T) {
	note := TimelineEntry{Kind: WorkNote}
	comment := TimelineEntry{Kind: Comment}
	tests := []struct {
		who           auth.Principal
		note, comment bool
	}{
		{agent, true, true},
		{analyst, true, true},
		{admin, true, true},
		{caller, false, true},
	}
	for _, tt := range tests {
		if Visible(tt.who, note) != tt.note || Visible(tt.who, comment) != tt.comment {
			t.Errorf("%s: note %v comment %v", tt.who.Subject, Visible(tt.who, note), Visible(tt.who, comment))
		}
	}
	inc := inState(New)
	if err := checkCanWrite(caller, inc, Comment); err != nil {
		t.Error(err)
	}
	if err := checkCanWrite(caller, inc, WorkNote); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("caller work note: %v", err)
	}
	if err := checkCanWrite(stranger, inc, Comment); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("stranger comment: %v", err)
	}
	if err := checkCanWrite(agent, inc, WorkNote); err != nil {
		t.Error(err)
	}
}

func TestScope(t *testing.T) {
	mine := Incident{ID: "a", CallerID: caller.Subject, AssignmentGroupID: "grp_x"}
	group := Incident{ID: "b", CallerID: "u", AssignmentGroupID: "grp_1"}
	unassigned := Incident{ID: "c", CallerID: "u"}
	major := Incident{ID: "d", CallerID: "u", AssignmentGroupID: "grp_x", Major: true}
	assigned := Incident{ID: "e", CallerID: "u", AssignmentGroupID: "grp_x", AssigneeID: agent.Subject}
	other := Incident{ID: "f", CallerID: "u", AssignmentGroupID: "grp_x"}
	all := []Incident{mine, group, unassigned, major, assigned, other}
	tests := []struct {
		who    auth.Principal
		groups []string
		want   string
	}{
		{caller, nil, "a"},
		{stranger, nil, ""},
		{agent, []string{"grp_1"}, "bcde"},
		{analyst, nil, "abcdef"},
		{admin, nil, "abcdef"},
	}
	for _, tt := range tests {
		s := ScopeOf(tt.who, tt.groups)
		got := ""
		for _, i := range all {
			if s.Contains(i) {
				got += i.ID
			}
		}
		if got != tt.want {
			t.Errorf("%s sees %q, want %q", tt.who.Subject, got, tt.want)
		}
	}
}

func TestTicketFromHistory(t *testing.T) {
	at := func(h int) time.Time { return now.Add(time.Duration(h) * time.Hour) }
	resolved := at(9)
	inc := Incident{ID: "inc_1", CreatedAt: at(0), Priority: sla.P2, State: Closed, ResolvedAt: &resolved,
		ServiceIDs: []string{"tsv_1"}, ImpactedBusinessServiceIDs: []string{"bsv_1"}, DownServiceIDs: []string{"tsv_1"}}
	h := []HistoryEntry{
		{At: at(0), Field: FieldState, To: "NEW"},
		{At: at(1), Field: FieldState, From: "NEW", To: "IN_PROGRESS"},
		{At: at(2), Field: FieldPriority, From: "P3", To: "P2"},
		{At: at(3), Field: FieldState, From: "IN_PROGRESS", To: "ON_HOLD"},
		{At: at(4), Field: FieldState, From: "ON_HOLD", To: "IN_PROGRESS"},
		{At: at(5), Field: FieldState, From: "IN_PROGRESS", To: "RESOLVED"},
		{At: at(7), Field: FieldState, From: "RESOLVED", To: "IN_PROGRESS"},
		{At: at(9), Field: FieldState, From: "IN_PROGRESS", To: "RESOLVED"},
		{At: at(12), Field: FieldState, From: "RESOLVED", To: "CLOSED"},
	}
	got := Ticket(inc, h)
	want := sla.Ticket{ID: "inc_1", ServiceIDs: []string{"bsv_1", "tsv_1"}, OpenedAt: at(0), Priority: sla.P3,
		PriorityChanges: []sla.PriorityChange{{At: at(2), Priority: sla.P2}}, ResolvedAt: &resolved,
		Pauses: []sla.Interval{{Start: at(3), End: ptr(at(4))}, {Start: at(5), End: ptr(at(7))}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// On hold now: the pause is open.
	inc.State, inc.ResolvedAt = OnHold, nil
	got = Ticket(inc, h[:4])
	if len(got.Pauses) != 1 || got.Pauses[0].End != nil || got.ResolvedAt != nil {
		t.Fatalf("on hold: %+v", got)
	}

	// Hand-overs give each group's stints; an incident logged before they
	// were recorded is its group's since it was logged.
	inc.AssignmentGroupID = "grp_b"
	got = Ticket(inc, append(h[:1:1], HistoryEntry{At: at(0), Field: FieldAssignmentGroup, To: "grp_a"},
		HistoryEntry{At: at(2), Field: FieldAssignmentGroup, From: "grp_a", To: "grp_b"}))
	want2 := []sla.Holding{{GroupID: "grp_a", Interval: sla.Interval{Start: at(0), End: ptr(at(2))}}, {GroupID: "grp_b", Interval: sla.Interval{Start: at(2)}}}
	if fmt.Sprint(got.Holdings) != fmt.Sprint(want2) {
		t.Fatalf("holdings %+v", got.Holdings)
	}
	if got = Ticket(inc, h[:1]); fmt.Sprint(got.Holdings) != fmt.Sprint([]sla.Holding{{GroupID: "grp_b", Interval: sla.Interval{Start: at(0)}}}) {
		t.Fatalf("holdings without hand-overs %+v", got.Holdings)
	}
}

func ptr[T any](v T) *T { return &v }

// An incident is open in exactly the states not listed as ended; the store
// filters on that list, Go on Open.
func TestOpenAndEndedStates(t *testing.T) {
	for _, s := range States() {
		want := s != Resolved && s != Closed && s != Cancelled
		if s.Open() != want || (Incident{State: s}).Open() != want {
			t.Errorf("%s: open %v, want %v", s, s.Open(), want)
		}
		if slices.Contains(EndedStates(), s) == want {
			t.Errorf("%s: listed as ended %v, open %v", s, !want, want)
		}
	}
}
