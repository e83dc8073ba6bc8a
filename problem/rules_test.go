package problem

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/change"
)

var (
	manager = auth.Principal{Subject: "usr_pm", Roles: []auth.Role{auth.ProblemManager}}
	admin   = auth.Principal{Subject: "usr_ad", Roles: []auth.Role{auth.Admin}}
	agent   = auth.Principal{Subject: "usr_ag", Roles: []auth.Role{auth.Agent}}
	analyst = auth.Principal{Subject: "usr_an", Roles: []auth.Role{auth.Analyst}}
	caller  = auth.Principal{Subject: "usr_rq", Roles: []auth.Role{auth.Requester}}
)

func TestTransitions(t *testing.T) {
	tests := []struct {
		from State
		to   State
		who  auth.Principal
		want apperr.Code // "" for allowed
	}{
		{New, Investigating, manager, ""},
		{New, Investigating, admin, ""},
		{New, Cancelled, manager, ""},
		{New, KnownError, manager, apperr.InvalidTransition},
		{New, Resolved, manager, apperr.InvalidTransition},
		{New, Closed, manager, apperr.InvalidTransition},
		{Investigating, KnownError, manager, ""},
		{Investigating, Resolved, manager, ""},
		{Investigating, Cancelled, manager, ""},
		{Investigating, New, manager, apperr.InvalidTransition},
		{KnownError, Resolved, manager, ""},
		{KnownError, Cancelled, manager, ""},
		{KnownError, Closed, manager, apperr.InvalidTransition},
		{Resolved, Closed, manager, ""},
		{Resolved, Cancelled, manager, apperr.InvalidTransition},
		{Closed, Investigating, manager, apperr.InvalidTransition},
		{Cancelled, Investigating, manager, apperr.InvalidTransition},
		{New, Investigating, agent, apperr.Forbidden},
		{New, Investigating, analyst, apperr.Forbidden},
		{New, Investigating, caller, apperr.Forbidden},
		{New, "LATER", manager, apperr.BadUserInput},
	}
	for _, tt := range tests {
		err := CheckTransition(tt.who, Problem{ID: "prb_1", State: tt.from}, tt.to)
		if got := codeOf(err); got != tt.want {
			t.Errorf("%s → %s by %v: got %q (%v), want %q", tt.from, tt.to, tt.who.Roles, got, err, tt.want)
		}
	}
}

func TestNextStates(t *testing.T) {
	if got := NextStates(New); !slices.Equal(got, []State{Investigating, Cancelled}) {
		t.Errorf("NEW: %v", got)
	}
	if got := NextStates(Closed); len(got) != 0 {
		t.Errorf("CLOSED is final: %v", got)
	}
}

func TestPreconditions(t *testing.T) {
	ke := Problem{ID: "prb_1", State: Investigating, RootCause: "disk full", Workaround: "restart"}
	completed := map[string]change.State{"chg_1": change.Implemented}
	tests := map[string]struct {
		cur     Problem
		move    Move
		changes map[string]change.State
		want    apperr.Code
		field   string
	}{
		"known error":                    {ke, Move{To: KnownError}, nil, "", ""},
		"known error without workaround": {Problem{State: Investigating, RootCause: "x"}, Move{To: KnownError}, nil, apperr.BadUserInput, "workaround"},
		"known error without root cause": {Problem{State: Investigating, Workaround: "x"}, Move{To: KnownError}, nil, apperr.BadUserInput, "rootCause"},
		"resolved by completed change":   {withChanges(ke, "chg_1"), Move{To: Resolved}, completed, "", ""},
		"resolved by reviewed change":    {withChanges(ke, "chg_1"), Move{To: Resolved}, map[string]change.State{"chg_1": change.Reviewed}, "", ""},
		"resolved by closed change":      {withChanges(ke, "chg_1"), Move{To: Resolved}, map[string]change.State{"chg_1": change.Closed}, "", ""},
		"resolved, change scheduled":     {withChanges(ke, "chg_1"), Move{To: Resolved}, map[string]change.State{"chg_1": change.Scheduled}, apperr.InvalidTransition, ""},
		"resolved, change failed":        {withChanges(ke, "chg_1"), Move{To: Resolved}, map[string]change.State{"chg_1": change.Failed}, apperr.InvalidTransition, ""},
		"resolved without change":        {ke, Move{To: Resolved}, nil, apperr.BadUserInput, "changeIds"},
		"risk accepted with reason":      {ke, Move{To: Resolved, ClosureCode: RiskAccepted, Reason: "rare"}, nil, "", ""},
		"risk accepted without reason":   {ke, Move{To: Resolved, ClosureCode: RiskAccepted}, nil, apperr.BadUserInput, "reason"},
		"resolved as duplicate":          {ke, Move{To: Resolved, ClosureCode: Duplicate, Reason: "x"}, nil, apperr.BadUserInput, "closureCode"},
		"cancelled as duplicate":         {ke, Move{To: Cancelled, ClosureCode: Duplicate, Reason: "same as PRB1"}, nil, "", ""},
		"cancelled":                      {ke, Move{To: Cancelled, ClosureCode: CancelledCode, Reason: "no fault"}, nil, "", ""},
		"cancelled without reason":       {ke, Move{To: Cancelled, ClosureCode: CancelledCode}, nil, apperr.BadUserInput, "reason"},
		"cancelled without code":         {ke, Move{To: Cancelled, Reason: "x"}, nil, apperr.BadUserInput, "closureCode"},
		"cancelled as fix applied":       {ke, Move{To: Cancelled, ClosureCode: FixApplied, Reason: "x"}, nil, apperr.BadUserInput, "closureCode"},
	}
	for name, tt := range tests {
		next, err := Moved(tt.cur, tt.move, tt.changes)
		if got := codeOf(err); got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", name, got, err, tt.want)
			continue
		}
		if tt.field != "" && !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: %v does not name %s", name, err, tt.field)
		}
		if err == nil && next.State != tt.move.To {
			t.Errorf("%s: state %s, want %s", name, next.State, tt.move.To)
		}
	}
}

func TestMovedSetsClosure(t *testing.T) {
	p := withChanges(Problem{ID: "prb_1", State: KnownError, RootCause: "x", Workaround: "y"}, "chg_1")
	next, err := Moved(p, Move{To: Resolved}, map[string]change.State{"chg_1": change.Implemented})
	if err != nil || next.ClosureCode != FixApplied {
		t.Fatalf("resolve: %v, closure %q", err, next.ClosureCode)
	}
	closed, err := Moved(next, Move{To: Closed}, nil)
	if err != nil || closed.ClosureCode != FixApplied || closed.State != Closed {
		t.Fatalf("close: %v %+v", err, closed)
	}
}

func TestPermissions(t *testing.T) {
	tests := []struct {
		who                             auth.Principal
		read, create, note, link, write bool
	}{
		{manager, true, true, true, true, true},
		{admin, true, true, true, true, true},
		{agent, true, true, true, true, false},
		{analyst, true, false, false, false, false},
		{caller, false, false, false, false, false},
	}
	for _, tt := range tests {
		got := []bool{CanRead(tt.who), CanCreate(tt.who), CanAddNote(tt.who), CanLink(tt.who), CanManage(tt.who)}
		want := []bool{tt.read, tt.create, tt.note, tt.link, tt.write}
		if !slices.Equal(got, want) {
			t.Errorf("%v: read/create/note/link/manage = %v, want %v", tt.who.Roles, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Problem{Title: "Disk fills up", Impact: "HIGH", Urgency: "LOW"}
	tests := map[string]struct {
		mod   func(*Problem)
		field string
	}{
		"no title":        {func(p *Problem) { p.Title = "" }, "title"},
		"long title":      {func(p *Problem) { p.Title = strings.Repeat("x", 201) }, "title"},
		"long desc":       {func(p *Problem) { p.Description = strings.Repeat("x", 20001) }, "description"},
		"long workaround": {func(p *Problem) { p.Workaround = strings.Repeat("x", 20001) }, "workaround"},
		"bad impact":      {func(p *Problem) { p.Impact = "HUGE" }, "impact"},
		"too many cis":    {func(p *Problem) { p.CIIDs = make([]string, 101) }, "ciIds"},
	}
	if err := Validate(ok); err != nil {
		t.Fatalf("valid: %v", err)
	}
	for name, tt := range tests {
		p := ok
		tt.mod(&p)
		err := Validate(p)
		if !apperr.Is(err, apperr.BadUserInput) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: %v, want BAD_USER_INPUT naming %s", name, err, tt.field)
		}
	}
}

func TestDiffHistory(t *testing.T) {
	a := Problem{Title: "a", Workaround: "", Priority: "P3"}
	b := a
	b.Title, b.Workaround, b.Priority = "b", "restart", "P2"
	got := Diff(a, b)
	var fields []HistoryField
	for _, h := range got {
		fields = append(fields, h.Field)
	}
	if !slices.Equal(fields, []HistoryField{FieldTitle, FieldPriority, FieldWorkaround}) {
		t.Errorf("diff fields %v", fields)
	}
}

func withChanges(p Problem, ids ...string) Problem { p.ChangeIDs = ids; return p }

func codeOf(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}
