package change

import (
	"fmt"
	"slices"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
)

// RiskInput is what the risk score is computed from.
type RiskInput struct {
	Type Type
	// Impacted counts the items the targets impact.
	Impacted int
	// BusinessServices are the impacted business services (and targeted
	// ones, at distance 0).
	BusinessServices []ImpactedService
	Conflicts        int
	FreezeWindows    int
	PastChanges      int
	PastFailures     int
}

// Points of each factor. They are plain numbers so that a reviewer can
// redo the sum by hand; levels are cut at 20, 45 and 70.
const (
	pointsPerDownService = 10
	maxSPOFPoints        = 30
	pointsPerConflict    = 10
	maxConflictPoints    = 30
	freezePoints         = 40
	maxHistoryPoints     = 20
	emergencyPoints      = 20
)

// blastPoints grows with the order of magnitude of the impacted set.
func blastPoints(n int) int {
	switch {
	case n == 0:
		return 0
	case n <= 10:
		return 5
	case n <= 100:
		return 10
	case n <= 1000:
		return 15
	}
	return 20
}

func criticalityPoints(c cmdb.Criticality) int {
	switch c {
	case cmdb.CriticalityCritical:
		return 30
	case cmdb.CriticalityHigh:
		return 20
	case cmdb.CriticalityMedium:
		return 10
	case cmdb.CriticalityLow:
		return 5
	}
	return 0
}

// LevelOf maps a score to its level.
func LevelOf(score int) Level {
	switch {
	case score >= 70:
		return Critical
	case score >= 45:
		return High
	case score >= 20:
		return Medium
	}
	return Low
}

// Score computes the risk of a change: the sum of its factors, each listed
// (with zero points when it does not apply) so the score explains itself.
func Score(in RiskInput) Risk {
	var fs []Factor
	add := func(name FactorName, points int, format string, args ...any) {
		fs = append(fs, Factor{Name: name, Points: points, Detail: fmt.Sprintf(format, args...)})
	}
	add(BlastRadius, blastPoints(in.Impacted), "%d items impacted", in.Impacted)

	worst, worstName, down := cmdb.Criticality(""), "", 0
	for _, s := range in.BusinessServices {
		if criticalityPoints(s.Criticality) > criticalityPoints(worst) {
			worst, worstName = s.Criticality, s.Name
		}
		if s.Severity == "DOWN" {
			down++
		}
	}
	if worst == "" {
		add(BusinessCriticality, 0, "no business service impacted")
	} else {
		add(BusinessCriticality, criticalityPoints(worst), "most critical business service impacted: %s (%s)", worstName, worst)
	}
	add(SinglePointsFailure, min(down*pointsPerDownService, maxSPOFPoints),
		"%d business services would be DOWN: no redundancy absorbs the change's outage", down)
	add(Conflicts, min(in.Conflicts*pointsPerConflict, maxConflictPoints),
		"%d other changes overlap in time and scope", in.Conflicts)
	if in.FreezeWindows > 0 {
		add(FreezeWindows, freezePoints, "the window falls in %d freeze windows", in.FreezeWindows)
	} else {
		add(FreezeWindows, 0, "no freeze window applies")
	}
	if in.PastChanges > 0 {
		add(ChangeHistory, maxHistoryPoints*in.PastFailures/in.PastChanges,
			"%d of %d reviewed changes on the same targets failed", in.PastFailures, in.PastChanges)
	} else {
		add(ChangeHistory, 0, "no reviewed change on the same targets yet")
	}
	if in.Type == Emergency {
		add(EmergencyType, emergencyPoints, "emergency changes are expedited with less testing")
	} else {
		add(EmergencyType, 0, "not an emergency change")
	}
	score := 0
	for _, f := range fs {
		score += f.Points
	}
	return Risk{Score: score, Level: LevelOf(score), Factors: fs}
}

// Policy says which approvals a change needs, by type and risk level.
type Policy struct {
	// Normal holds the requirement per risk level of a NORMAL change.
	Normal map[Level][]Requirement
	// Emergency is what an emergency CAB must give, whatever the risk.
	Emergency []Requirement
}

// DefaultPolicy: STANDARD needs nothing; NORMAL LOW the change manager,
// MEDIUM two CAB members, HIGH three, CRITICAL three and the change
// manager; EMERGENCY an emergency CAB of the change manager and one CAB
// member.
func DefaultPolicy() Policy {
	cab := func(n int) Requirement { return Requirement{Role: auth.CABMember, Count: n} }
	manager := Requirement{Role: auth.ChangeManager, Count: 1}
	return Policy{
		Normal: map[Level][]Requirement{
			Low:      {manager},
			Medium:   {cab(2)},
			High:     {cab(3)},
			Critical: {cab(3), manager},
		},
		Emergency: []Requirement{manager, cab(1)},
	}
}

// Required returns the approvals a change of type t and risk level l needs.
func (p Policy) Required(t Type, l Level) []Requirement {
	switch t {
	case Normal:
		return slices.Clone(p.Normal[l])
	case Emergency:
		return slices.Clone(p.Emergency)
	}
	return nil
}

// Satisfied reports whether the approvals meet every requirement, each
// approver filling at most one place (a user holding two roles is still
// one vote). It is a small bipartite matching: places on one side,
// approvers on the other.
func Satisfied(req []Requirement, approvals []Approval) bool {
	var places []auth.Role
	for _, r := range req {
		for range r.Count {
			places = append(places, r.Role)
		}
	}
	var voters [][]auth.Role
	for _, a := range approvals {
		if a.Decision == Approve {
			voters = append(voters, a.Roles)
		}
	}
	holder := make([]int, len(places)) // place -> voter+1, 0 when free
	var try func(v int, seen []bool) bool
	try = func(v int, seen []bool) bool {
		for p, role := range places {
			if seen[p] || !slices.Contains(voters[v], role) {
				continue
			}
			seen[p] = true
			if holder[p] == 0 || try(holder[p]-1, seen) {
				holder[p] = v + 1
				return true
			}
		}
		return false
	}
	filled := 0
	for v := range voters {
		if try(v, make([]bool, len(places))) {
			filled++
		}
	}
	return filled == len(places)
}

// countingRoles are the roles of p that count towards req; ADMIN counts as
// every role, as it does everywhere.
func countingRoles(req []Requirement, p auth.Principal) []auth.Role {
	var out []auth.Role
	for _, r := range req {
		if p.Has(r.Role) && !slices.Contains(out, r.Role) {
			out = append(out, r.Role)
		}
	}
	return out
}
