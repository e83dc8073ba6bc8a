package tests

import (
	"slices"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
)

// changeFields is what the change tests read of a change.
const changeFields = `
fragment C on Change {
  id number title type state version requesterId plannedStart plannedEnd
  implementationPlan backoutPlan
  targets { id name kind }
  template { id name }
  assessment {
    impactedCount downCount businessServices
    impactedBusinessServices { serviceId name severity criticality service { id name } }
    conflicts { change { id } reasons sharedCount sharedItems { id name } }
    freezeWindows { id name }
    pastChanges pastFailures
  }
  risk { score level factors { name points detail } }
  requiredApprovals { role count }
  approvals { approverId decision comment roles }
  allowedTransitions
  transitions { from to actor comment }
  review { outcome notes reviewerId }
}`

type changeData struct {
	ID                 string  `json:"id"`
	Number             string  `json:"number"`
	Title              string  `json:"title"`
	Type               string  `json:"type"`
	State              string  `json:"state"`
	Version            int     `json:"version"`
	RequesterID        string  `json:"requesterId"`
	PlannedStart       *string `json:"plannedStart"`
	PlannedEnd         *string `json:"plannedEnd"`
	ImplementationPlan *string `json:"implementationPlan"`
	BackoutPlan        *string `json:"backoutPlan"`
	Targets            []named `json:"targets"`
	Template           *named  `json:"template"`
	Assessment         *struct {
		ImpactedCount            int `json:"impactedCount"`
		DownCount                int `json:"downCount"`
		BusinessServices         int `json:"businessServices"`
		ImpactedBusinessServices []struct {
			ServiceID   string  `json:"serviceId"`
			Name        string  `json:"name"`
			Severity    *string `json:"severity"`
			Criticality string  `json:"criticality"`
			Service     *named  `json:"service"`
		} `json:"impactedBusinessServices"`
		Conflicts     []conflictData `json:"conflicts"`
		FreezeWindows []named        `json:"freezeWindows"`
		PastChanges   int            `json:"pastChanges"`
		PastFailures  int            `json:"pastFailures"`
	} `json:"assessment"`
	Risk *struct {
		Score   int    `json:"score"`
		Level   string `json:"level"`
		Factors []struct {
			Name   string `json:"name"`
			Points int    `json:"points"`
			Detail string `json:"detail"`
		} `json:"factors"`
	} `json:"risk"`
	RequiredApprovals []struct {
		Role  string `json:"role"`
		Count int    `json:"count"`
	} `json:"requiredApprovals"`
	Approvals []struct {
		ApproverID string   `json:"approverId"`
		Decision   string   `json:"decision"`
		Comment    *string  `json:"comment"`
		Roles      []string `json:"roles"`
	} `json:"approvals"`
	AllowedTransitions []string `json:"allowedTransitions"`
	Transitions        []struct {
		From    *string `json:"from"`
		To      string  `json:"to"`
		Actor   string  `json:"actor"`
		Comment *string `json:"comment"`
	} `json:"transitions"`
	Review *struct {
		Outcome    string `json:"outcome"`
		Notes      string `json:"notes"`
		ReviewerID string `json:"reviewerId"`
	} `json:"review"`
}

type conflictData struct {
	Change      named    `json:"change"`
	Reasons     []string `json:"reasons"`
	SharedCount int      `json:"sharedCount"`
	SharedItems []named  `json:"sharedItems"`
}

// points returns what the named risk factor contributed.
func (c changeData) points(name string) int {
	for _, f := range c.Risk.Factors {
		if f.Name == name {
			return f.Points
		}
	}
	return -1
}

// path renders the recorded transitions as "FROM>TO" steps.
func (c changeData) path() []string {
	var out []string
	for _, tr := range c.Transitions {
		from := ""
		if tr.From != nil {
			from = *tr.From
		}
		out = append(out, from+">"+tr.To)
	}
	return out
}

// conflictsWith returns the conflict with change id, if any.
func conflictsWith(cs []conflictData, id string) (conflictData, bool) {
	i := slices.IndexFunc(cs, func(c conflictData) bool { return c.Change.ID == id })
	if i < 0 {
		return conflictData{}, false
	}
	return cs[i], true
}

const (
	createChangeMutation = changeFields + `
mutation($in: CreateChangeInput!) { createChange(input: $in) { change { ...C } } }`
	updateChangeMutation = changeFields + `
mutation($in: UpdateChangeInput!) { updateChange(input: $in) { change { ...C } } }`
	transitionChangeMutation = changeFields + `
mutation($in: TransitionChangeInput!) { transitionChange(input: $in) { change { ...C } } }`
	decideChangeMutation = changeFields + `
mutation($in: DecideChangeInput!) { decideChange(input: $in) { change { ...C } } }`
	reviewChangeMutation = changeFields + `
mutation($in: ReviewChangeInput!) { reviewChange(input: $in) { change { ...C } } }`
	changeQuery = changeFields + `
query($id: ID!) { change(id: $id) { ...C } }`
)

type changePayload struct {
	Change changeData `json:"change"`
}

// changeTeam holds tokens for the people of change management.
type changeTeam struct {
	requester, otherAgent, manager, manager2 string
	cab                                      [3]string
}

const subjChangeRequester = "e2e-change-requester"

func newChangeTeam(t testing.TB, e *env) changeTeam {
	return changeTeam{
		requester:  e.mint(t, subjChangeRequester, auth.Agent),
		otherAgent: e.mint(t, "e2e-other-agent", auth.Agent),
		manager:    e.mint(t, "e2e-change-manager", auth.ChangeManager),
		manager2:   e.mint(t, "e2e-change-manager-2", auth.ChangeManager),
		cab: [3]string{e.mint(t, "e2e-cab-1", auth.CABMember), e.mint(t, "e2e-cab-2", auth.CABMember),
			e.mint(t, "e2e-cab-3", auth.CABMember)},
	}
}

func (e *env) createChange(t testing.TB, token string, in map[string]any) changeData {
	t.Helper()
	var out struct {
		CreateChange changePayload `json:"createChange"`
	}
	e.ok(t, token, createChangeMutation, map[string]any{"in": in}, &out)
	return out.CreateChange.Change
}

func (e *env) transitionChange(t testing.TB, token string, c changeData, to, comment string) changeData {
	t.Helper()
	var out struct {
		TransitionChange changePayload `json:"transitionChange"`
	}
	e.ok(t, token, transitionChangeMutation, map[string]any{"in": map[string]any{
		"id": c.ID, "expectedVersion": c.Version, "to": to, "comment": comment}}, &out)
	if got := out.TransitionChange.Change; got.Version <= c.Version {
		t.Fatalf("version %d after a transition from version %d", got.Version, c.Version)
	}
	return out.TransitionChange.Change
}

func (e *env) decideChange(t testing.TB, token, id, decision, comment string) changeData {
	t.Helper()
	var out struct {
		DecideChange changePayload `json:"decideChange"`
	}
	e.ok(t, token, decideChangeMutation, map[string]any{"in": map[string]any{"id": id, "decision": decision, "comment": comment}}, &out)
	return out.DecideChange.Change
}

func (e *env) readChange(t testing.TB, id string) changeData {
	t.Helper()
	var out struct {
		Change changeData `json:"change"`
	}
	e.ok(t, e.analyst, changeQuery, map[string]any{"id": id}, &out)
	return out.Change
}

// window returns RFC 3339 start and end of a window days ahead, from
// startHour to endHour of that day (UTC).
func window(base time.Time, day, startHour, endHour int) (string, string) {
	d := base.AddDate(0, 0, day)
	return d.Add(time.Duration(startHour) * time.Hour).Format(time.RFC3339), d.Add(time.Duration(endHour) * time.Hour).Format(time.RFC3339)
}

// nowWindow is a planned window open now (from an hour ago to three hours
// on), on the real clock: implementation may start in it.
func nowWindow() (string, string) {
	now := time.Now().UTC().Truncate(time.Second)
	return now.Add(-time.Hour).Format(time.RFC3339), now.Add(3 * time.Hour).Format(time.RFC3339)
}

// normalChange returns createChange input for a NORMAL change on targets
// in the given window, ready to submit.
func normalChange(title string, targets []string, start, end string) map[string]any {
	return map[string]any{
		"title": title, "targetIds": targets, "plannedStart": start, "plannedEnd": end,
		"implementationPlan": "apply the patch, restart", "backoutPlan": "restore the snapshot", "testPlan": "smoke tests",
	}
}
