package cmdb

import (
	"testing"

	"github.com/itsm-graph/itsm/apperr"
)

func TestCheckTransition(t *testing.T) {
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{StatusPlanned, StatusPlanned, true},
		{StatusPlanned, StatusActive, true},
		{StatusPlanned, StatusMaintenance, false},
		{StatusPlanned, StatusRetired, true},
		{StatusActive, StatusPlanned, false},
		{StatusActive, StatusMaintenance, true},
		{StatusActive, StatusRetired, true},
		{StatusMaintenance, StatusActive, true},
		{StatusMaintenance, StatusPlanned, false},
		{StatusMaintenance, StatusRetired, true},
		{StatusRetired, StatusActive, false},
		{StatusRetired, StatusPlanned, false},
		{StatusRetired, StatusMaintenance, false},
	}
	for _, tt := range tests {
		err := CheckTransition(tt.from, tt.to)
		if tt.ok && err != nil {
			t.Errorf("%s → %s: unexpected error %v", tt.from, tt.to, err)
		}
		if !tt.ok && !apperr.Is(err, apperr.InvalidTransition) {
			t.Errorf("%s → %s: got %v, want INVALID_TRANSITION", tt.from, tt.to, err)
		}
	}
}

func TestRelationshipCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range RelationshipTypes() {
		if seen[rt.Name] {
			t.Errorf("%s listed twice", rt.Name)
		}
		seen[rt.Name] = true
		// The name is spliced into Cypher, so it must be a plain identifier.
		for _, r := range rt.Name {
			if (r < 'A' || r > 'Z') && r != '_' {
				t.Errorf("%s: %q is not allowed in a relationship type name", rt.Name, r)
			}
		}
		switch rt.Impact {
		case TargetImpactsSource, SourceImpactsTarget, BothWays, NoImpact:
		default:
			t.Errorf("%s: unknown impact direction %q", rt.Name, rt.Impact)
		}
	}
	for name, want := range map[string]ImpactDirection{
		"DEPENDS_ON": TargetImpactsSource, "RUNS_ON": TargetImpactsSource, "HOSTED_ON": TargetImpactsSource,
		"PART_OF": SourceImpactsTarget, MemberOf: SourceImpactsTarget, "CONNECTS_TO": TargetImpactsSource, "INTERDEPENDS_WITH": BothWays, "DOCUMENTED_BY": NoImpact,
	} {
		got, ok := LookupRelType(name)
		if !ok || got.Impact != want {
			t.Errorf("%s: got %v (found %v), want %s", name, got.Impact, ok, want)
		}
	}
	if _, ok := LookupRelType("DEPENDS_ON]->() DETACH DELETE n //"); ok {
		t.Error("lookup accepted an injection attempt")
	}
}

// The store mirrors a relationship with IMPACTS edges the ways these say.
func TestImpactDirectionWays(t *testing.T) {
	for _, tt := range []struct {
		d                ImpactDirection
		forward, reverse bool
	}{
		{SourceImpactsTarget, true, false},
		{TargetImpactsSource, false, true},
		{BothWays, true, true},
		{NoImpact, false, false},
	} {
		if tt.d.Forward() != tt.forward || tt.d.Reverse() != tt.reverse {
			t.Errorf("%s: forward %v reverse %v, want %v %v", tt.d, tt.d.Forward(), tt.d.Reverse(), tt.forward, tt.reverse)
		}
	}
}

func TestLeavesService(t *testing.T) {
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			want := to == StatusRetired && from != StatusRetired
			if got := LeavesService(from, to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
		}
	}
}
