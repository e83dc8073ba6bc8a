package incident

import (
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// State is where an incident stands (SPEC §2.6).
type State string

// The states.
const (
	New        State = "NEW"
	Assigned   State = "ASSIGNED"
	InProgress State = "IN_PROGRESS"
	OnHold     State = "ON_HOLD"
	Resolved   State = "RESOLVED"
	Closed     State = "CLOSED"
	Cancelled  State = "CANCELLED"
)

// States lists the states in lifecycle order.
func States() []State {
	return []State{New, Assigned, InProgress, OnHold, Resolved, Closed, Cancelled}
}

// EndedStates lists the states in which an incident is no longer open: it
// is no longer being worked, its SLA clocks have stopped, and a change
// assessment no longer counts it. The store filters on this list.
func EndedStates() []State { return []State{Resolved, Closed, Cancelled} }

// Open reports whether an incident in state s is still being worked.
func (s State) Open() bool { return !slices.Contains(EndedStates(), s) }

// Who may make a transition.
type mover int

const (
	// byAgent: principals holding AGENT (ADMIN holds every role). Agents
	// work tickets: they assign, investigate, hold, resolve, close, cancel.
	byAgent mover = 1 << iota
	// byCaller: the incident's own caller, with REQUESTER. A caller may
	// cancel a ticket nobody has picked up yet (NEW), and, once it is
	// RESOLVED, confirm it (CLOSED) or reopen it within the window.
	byCaller
	// bySystem: the automatic close of resolved incidents after the
	// configured period. No principal can act as the system.
	bySystem
)

// transitions is the state machine: for each state, the states it may move
// to and who may move it there. Reassignment within ASSIGNED is a
// reassignment, not a transition. CLOSED and CANCELLED are final: a closed
// incident that recurs is a new incident.
func transitions() map[State]map[State]mover {
	return map[State]map[State]mover{
		New: {
			Assigned:   byAgent,
			InProgress: byAgent,
			Resolved:   byAgent, // fixed at first contact
			Cancelled:  byAgent | byCaller,
		},
		Assigned: {
			InProgress: byAgent,
			OnHold:     byAgent,
			Resolved:   byAgent,
			Cancelled:  byAgent,
		},
		InProgress: {
			Assigned:  byAgent, // handed back to the group's queue
			OnHold:    byAgent,
			Resolved:  byAgent,
			Cancelled: byAgent,
		},
		OnHold: {
			InProgress: byAgent,
			Resolved:   byAgent,
			Cancelled:  byAgent,
		},
		Resolved: {
			InProgress: byAgent | byCaller, // reopen, within the window
			Closed:     byAgent | byCaller | bySystem,
		},
	}
}

// NextStates returns the states an incident in s may move to, whoever asks,
// in lifecycle order.
func NextStates(s State) []State {
	var out []State
	for _, to := range States() {
		if _, ok := transitions()[s][to]; ok {
			out = append(out, to)
		}
	}
	return out
}

// Policy holds the configurable windows of the lifecycle.
type Policy struct {
	// ReopenWindow is how long after resolution an incident may be
	// reopened.
	ReopenWindow time.Duration
	// AutoCloseAfter is how long a resolved incident waits for
	// confirmation before it is closed automatically.
	AutoCloseAfter time.Duration
}

// DefaultPolicy reopens within 5 days and closes after 5 days.
func DefaultPolicy() Policy {
	return Policy{ReopenWindow: 5 * 24 * time.Hour, AutoCloseAfter: 5 * 24 * time.Hour}
}

// Validate returns an error naming the setting at fault.
func (p Policy) Validate() error {
	if p.ReopenWindow <= 0 {
		return apperr.Invalid("reopenWindow", "must be positive (got %s)", p.ReopenWindow)
	}
	if p.AutoCloseAfter <= 0 {
		return apperr.Invalid("autoCloseAfter", "must be positive (got %s)", p.AutoCloseAfter)
	}
	return nil
}

// IsAgent reports whether p works tickets.
func IsAgent(p auth.Principal) bool { return p.Has(auth.Agent) }

// IsCaller reports whether p is the incident's own caller.
func IsCaller(p auth.Principal, inc Incident) bool {
	return p.Subject != "" && p.Subject == inc.CallerID
}

// CheckTransition returns nil when p may move inc to state to at now.
// INVALID_TRANSITION names the allowed next states when the move does not
// exist, and says why when the reopen window has passed; FORBIDDEN when the
// move exists but not for p's roles.
func CheckTransition(p auth.Principal, inc Incident, to State, now time.Time, policy Policy) error {
	return checkTransition(p, inc, to, now, policy, false)
}

func checkTransition(p auth.Principal, inc Incident, to State, now time.Time, policy Policy, system bool) error {
	if err := validate.Enum("state", to, States()); err != nil {
		return err
	}
	who, ok := transitions()[inc.State][to]
	if !ok {
		next := NextStates(inc.State)
		if len(next) == 0 {
			return apperr.New(apperr.InvalidTransition, "incident %s is %s, which is final; open a new incident if the fault recurs", inc.ID, inc.State)
		}
		return apperr.New(apperr.InvalidTransition, "incident %s cannot go from %s to %s; allowed next states: %v", inc.ID, inc.State, to, next)
	}
	allowed := system && who&bySystem != 0 ||
		!system && who&byAgent != 0 && IsAgent(p) ||
		!system && who&byCaller != 0 && p.Has(auth.Requester) && IsCaller(p, inc)
	if !allowed {
		if who&byCaller != 0 {
			return apperr.New(apperr.Forbidden, "moving incident %s from %s to %s needs the AGENT role, or to be its caller", inc.ID, inc.State, to)
		}
		return apperr.New(apperr.Forbidden, "moving incident %s from %s to %s needs the AGENT role", inc.ID, inc.State, to)
	}
	if inc.State == Resolved && to == InProgress && inc.ResolvedAt != nil && now.Sub(*inc.ResolvedAt) > policy.ReopenWindow {
		return apperr.New(apperr.InvalidTransition, "incident %s was resolved at %s; it could be reopened for %s after that; open a new incident instead",
			inc.ID, inc.ResolvedAt.UTC().Format(time.RFC3339), policy.ReopenWindow)
	}
	return nil
}

// DueForAutoClose returns the resolved incidents whose confirmation period
// has run out at now (resolved at or before now − AutoCloseAfter).
func DueForAutoClose(incs []Incident, now time.Time, policy Policy) []Incident {
	var out []Incident
	for _, i := range incs {
		if i.State == Resolved && i.ResolvedAt != nil && !i.ResolvedAt.Add(policy.AutoCloseAfter).After(now) {
			out = append(out, i)
		}
	}
	return out
}
