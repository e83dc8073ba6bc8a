package change

import (
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

func who(subject string, roles ...auth.Role) auth.Principal {
	return auth.Principal{Subject: subject, Roles: roles}
}

// Every step a caller can request, with who may and who may not take it.
func TestRequestedStepsByRole(t *testing.T) {
	const requester = "usr_req"
	manager := who("usr_cm", auth.ChangeManager)
	agent := who("usr_agent", auth.Agent)
	config := who("usr_cfg", auth.ConfigManager)
	cab := who("usr_cab", auth.CABMember)
	analyst := who("usr_an", auth.Analyst)
	owner := who(requester, auth.Agent)
	admin := who("usr_admin", auth.Admin)
	tests := []struct {
		from, to State
		may      []auth.Principal
		mayNot   []auth.Principal
	}{
		{Draft, Submitted, []auth.Principal{owner, manager, admin}, []auth.Principal{agent, cab, analyst}},
		{Draft, Cancelled, []auth.Principal{owner, manager}, []auth.Principal{agent, cab}},
		{Submitted, Assessed, []auth.Principal{manager, admin}, []auth.Principal{owner, agent, cab}},
		{Submitted, Rejected, []auth.Principal{manager}, []auth.Principal{owner, cab}},
		{Submitted, Cancelled, []auth.Principal{owner, manager}, []auth.Principal{agent}},
		{Assessed, Rejected, []auth.Principal{manager}, []auth.Principal{owner, agent}},
		{Assessed, Cancelled, []auth.Principal{owner, manager}, []auth.Principal{cab}},
		{Authorized, Scheduled, []auth.Principal{manager}, []auth.Principal{owner, agent, cab}},
		{Authorized, Cancelled, []auth.Principal{owner, manager}, []auth.Principal{agent}},
		{Scheduled, Implementing, []auth.Principal{manager, agent, config}, []auth.Principal{cab, analyst}},
		{Scheduled, Cancelled, []auth.Principal{owner, manager}, []auth.Principal{agent}},
		{Implementing, Implemented, []auth.Principal{manager, agent, config}, []auth.Principal{cab, analyst}},
		{Implementing, Failed, []auth.Principal{manager, agent, config}, []auth.Principal{cab}},
		{Reviewed, Closed, []auth.Principal{manager, admin}, []auth.Principal{owner, agent, cab}},
	}
	for _, tt := range tests {
		c := Change{ID: "chg_1", State: tt.from, RequesterID: requester}
		for _, p := range tt.may {
			if err := checkStep(c, tt.to, byRequest, p); err != nil {
				t.Errorf("%s→%s by %v: %v", tt.from, tt.to, p.Roles, err)
			}
			if !slices.Contains(AllowedTo(c, p), tt.to) {
				t.Errorf("AllowedTo(%s, %v) misses %s", tt.from, p.Roles, tt.to)
			}
		}
		for _, p := range tt.mayNot {
			if err := checkStep(c, tt.to, byRequest, p); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s→%s by %v (%s): want FORBIDDEN, got %v", tt.from, tt.to, p.Roles, p.Subject, err)
			}
			if slices.Contains(AllowedTo(c, p), tt.to) {
				t.Errorf("AllowedTo(%s, %v) offers %s", tt.from, p.Roles, tt.to)
			}
		}
	}
}

func TestInvalidStepsNameTheAllowedStates(t *testing.T) {
	admin := who("usr_admin", auth.Admin)
	tests := []struct {
		from, to State
		want     string
	}{
		{Draft, Implementing, "allowed next states: [SUBMITTED CANCELLED]"},
		{Draft, Authorized, "allowed next states"},
		{Submitted, Authorized, "[ASSESSED REJECTED CANCELLED]"},
		{Assessed, Authorized, "decideChange"},
		{Authorized, Implementing, "[SCHEDULED CANCELLED]"},
		{Scheduled, Closed, "[IMPLEMENTING CANCELLED]"},
		{Implementing, Cancelled, "[IMPLEMENTED FAILED]"},
		{Implemented, Reviewed, "reviewChange"},
		{Implemented, Closed, "reviewChange"},
		{Failed, Closed, "reviewChange"},
		{Closed, Draft, "cannot change state"},
		{Rejected, Submitted, "cannot change state"},
		{Cancelled, Draft, "cannot change state"},
		{Draft, Draft, "allowed next states"},
	}
	for _, tt := range tests {
		err := checkStep(Change{State: tt.from}, tt.to, byRequest, admin)
		if !apperr.Is(err, apperr.InvalidTransition) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s→%s: want INVALID_TRANSITION mentioning %q, got %v", tt.from, tt.to, tt.want, err)
		}
	}
}

func TestVotesAndReviewsAreNotRequests(t *testing.T) {
	admin := who("usr_admin", auth.Admin)
	if err := checkStep(Change{State: Implemented}, Reviewed, byReview, admin); err != nil {
		t.Fatalf("review of an implemented change: %v", err)
	}
	if err := checkStep(Change{State: Failed}, Reviewed, byReview, admin); err != nil {
		t.Fatalf("review of a failed change: %v", err)
	}
	if err := checkStep(Change{State: Scheduled}, Reviewed, byReview, admin); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("review of a scheduled change: %v", err)
	}
	if err := checkStep(Change{State: Submitted}, Authorized, byVote, admin); !apperr.Is(err, apperr.InvalidTransition) {
		t.Fatalf("vote on a submitted change: %v", err)
	}
}
