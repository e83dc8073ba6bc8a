package change

import (
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
)

func factor(r Risk, n FactorName) Factor {
	for _, f := range r.Factors {
		if f.Name == n {
			return f
		}
	}
	return Factor{Name: "missing"}
}

func TestEachRiskFactor(t *testing.T) {
	svc := func(c cmdb.Criticality, sev string) ImpactedService {
		return ImpactedService{ID: "bsv_" + string(c), Name: "svc-" + string(c), Criticality: c, Severity: sev}
	}
	tests := []struct {
		name   string
		in     RiskInput
		factor FactorName
		points int
	}{
		{"nothing impacted", RiskInput{Type: Normal}, BlastRadius, 0},
		{"10 impacted", RiskInput{Type: Normal, Impacted: 10}, BlastRadius, 5},
		{"11 impacted", RiskInput{Type: Normal, Impacted: 11}, BlastRadius, 10},
		{"1000 impacted", RiskInput{Type: Normal, Impacted: 1000}, BlastRadius, 15},
		{"1001 impacted", RiskInput{Type: Normal, Impacted: 1001}, BlastRadius, 20},
		{"no business service", RiskInput{Type: Normal}, BusinessCriticality, 0},
		{"low service", RiskInput{Type: Normal, BusinessServices: []ImpactedService{svc(cmdb.CriticalityLow, "DEGRADED")}}, BusinessCriticality, 5},
		{"worst of several", RiskInput{Type: Normal, BusinessServices: []ImpactedService{svc(cmdb.CriticalityMedium, "DOWN"), svc(cmdb.CriticalityCritical, "DEGRADED"), svc(cmdb.CriticalityHigh, "DOWN")}}, BusinessCriticality, 30},
		{"degraded only: no SPOF", RiskInput{Type: Normal, BusinessServices: []ImpactedService{svc(cmdb.CriticalityHigh, "DEGRADED")}}, SinglePointsFailure, 0},
		{"two services down", RiskInput{Type: Normal, BusinessServices: []ImpactedService{svc(cmdb.CriticalityHigh, "DOWN"), svc(cmdb.CriticalityLow, "DOWN")}}, SinglePointsFailure, 20},
		{"SPOF capped", RiskInput{Type: Normal, BusinessServices: []ImpactedService{svc(cmdb.CriticalityHigh, "DOWN"), svc(cmdb.CriticalityLow, "DOWN"), svc(cmdb.CriticalityMedium, "DOWN"), svc(cmdb.CriticalityCritical, "DOWN")}}, SinglePointsFailure, 30},
		{"one conflict", RiskInput{Type: Normal, Conflicts: 1}, Conflicts, 10},
		{"conflicts capped", RiskInput{Type: Normal, Conflicts: 7}, Conflicts, 30},
		{"freeze", RiskInput{Type: Normal, FreezeWindows: 2}, FreezeWindows, 40},
		{"no history", RiskInput{Type: Normal}, ChangeHistory, 0},
		{"half failed", RiskInput{Type: Normal, PastChanges: 4, PastFailures: 2}, ChangeHistory, 10},
		{"all failed", RiskInput{Type: Normal, PastChanges: 3, PastFailures: 3}, ChangeHistory, 20},
		{"all succeeded", RiskInput{Type: Normal, PastChanges: 3}, ChangeHistory, 0},
		{"emergency", RiskInput{Type: Emergency}, EmergencyType, 20},
		{"normal", RiskInput{Type: Normal}, EmergencyType, 0},
	}
	for _, tt := range tests {
		r := Score(tt.in)
		if f := factor(r, tt.factor); f.Points != tt.points || f.Detail == "" {
			t.Errorf("%s: %s = %d (%q), want %d", tt.name, tt.factor, f.Points, f.Detail, tt.points)
		}
	}
}

func TestFactorsSumToTheScore(t *testing.T) {
	in := RiskInput{Type: Emergency, Impacted: 250, Conflicts: 1, FreezeWindows: 1, PastChanges: 5, PastFailures: 1,
		BusinessServices: []ImpactedService{{ID: "bsv_a", Criticality: cmdb.CriticalityHigh, Severity: "DOWN"}}}
	r := Score(in)
	sum := 0
	for _, f := range r.Factors {
		sum += f.Points
	}
	if len(r.Factors) != 7 || sum != r.Score {
		t.Fatalf("%d factors summing to %d, score %d", len(r.Factors), sum, r.Score)
	}
	// 15 blast + 20 criticality + 10 SPOF + 10 conflict + 40 freeze + 4 history + 20 emergency
	if r.Score != 119 || r.Level != Critical {
		t.Fatalf("score %d level %s, want 119 CRITICAL", r.Score, r.Level)
	}
}

func TestLevels(t *testing.T) {
	for score, want := range map[int]Level{0: Low, 19: Low, 20: Medium, 44: Medium, 45: High, 69: High, 70: Critical, 200: Critical} {
		if got := LevelOf(score); got != want {
			t.Errorf("LevelOf(%d) = %s, want %s", score, got, want)
		}
	}
}

func TestRequiredApprovals(t *testing.T) {
	p := DefaultPolicy()
	if got := p.Required(Standard, Critical); len(got) != 0 {
		t.Fatalf("standard: %v", got)
	}
	if got := p.Required(Normal, Low); len(got) != 1 || got[0].Role != auth.ChangeManager {
		t.Fatalf("normal low: %v", got)
	}
	if got := p.Required(Normal, Medium); len(got) != 1 || got[0] != (Requirement{auth.CABMember, 2}) {
		t.Fatalf("normal medium: %v", got)
	}
	if got := p.Required(Emergency, Low); len(got) != 2 {
		t.Fatalf("emergency: %v", got)
	}
}

func TestSatisfied(t *testing.T) {
	vote := func(d Decision, roles ...auth.Role) Approval {
		return Approval{Decision: d, Roles: roles, At: time.Unix(0, 0)}
	}
	cab2 := []Requirement{{auth.CABMember, 2}}
	ecab := []Requirement{{auth.ChangeManager, 1}, {auth.CABMember, 1}}
	tests := []struct {
		name  string
		req   []Requirement
		votes []Approval
		want  bool
	}{
		{"nothing needed", nil, nil, true},
		{"one of two", cab2, []Approval{vote(Approve, auth.CABMember)}, false},
		{"two of two", cab2, []Approval{vote(Approve, auth.CABMember), vote(Approve, auth.CABMember)}, true},
		{"rejections do not count", cab2, []Approval{vote(Approve, auth.CABMember), vote(Reject, auth.CABMember)}, false},
		{"wrong role", cab2, []Approval{vote(Approve, auth.ChangeManager), vote(Approve, auth.CABMember)}, false},
		{"one person, two roles, is one vote", ecab, []Approval{vote(Approve, auth.ChangeManager, auth.CABMember)}, false},
		{"two roles matched either way", ecab, []Approval{vote(Approve, auth.ChangeManager, auth.CABMember), vote(Approve, auth.ChangeManager)}, true},
	}
	for _, tt := range tests {
		if got := Satisfied(tt.req, tt.votes); got != tt.want {
			t.Errorf("%s: Satisfied = %v, want %v", tt.name, got, tt.want)
		}
	}
}
