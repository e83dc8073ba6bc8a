package change

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)

func planned(id string, from, to int, state State, targets []string, impacted ...string) Change {
	c := Change{ID: id, State: state, TargetIDs: targets, PlannedStart: t0.Add(time.Duration(from) * time.Hour), PlannedEnd: t0.Add(time.Duration(to) * time.Hour)}
	c.Assessment = &Assessment{ImpactedIDs: impacted}
	return c
}

func TestConflicts(t *testing.T) {
	me := planned("chg_me", 0, 4, Draft, []string{"ci_db"})
	myImpact := []string{"ci_app", "tsv_orders", "bsv_shop"}
	tests := []struct {
		name    string
		other   Change
		reasons []ConflictReason
		shared  []string
	}{
		{"same CI, overlapping", planned("chg_o", 2, 6, Scheduled, []string{"ci_db"}), []ConflictReason{SameTarget}, []string{"ci_db"}},
		{"same CI, adjacent windows", planned("chg_o", 4, 6, Scheduled, []string{"ci_db"}), nil, nil},
		{"same CI, before", planned("chg_o", -5, -1, Authorized, []string{"ci_db"}), nil, nil},
		{"same CI, draft", planned("chg_o", 0, 4, Draft, []string{"ci_db"}), nil, nil},
		{"same CI, closed", planned("chg_o", 0, 4, Closed, []string{"ci_db"}), nil, nil},
		{"different CI, same business service", planned("chg_o", 1, 2, Assessed, []string{"ci_lb"}, "bsv_shop", "ci_web"),
			[]ConflictReason{SharedImpact}, []string{"bsv_shop"}},
		{"their target is in my impact", planned("chg_o", 1, 2, Submitted, []string{"ci_app"}, "bsv_shop"),
			[]ConflictReason{TargetImpacted, SharedImpact}, []string{"bsv_shop", "ci_app"}},
		{"my target is in their impact", planned("chg_o", 3, 9, Implementing, []string{"ci_san"}, "ci_db"),
			[]ConflictReason{TargetImpacted}, []string{"ci_db"}},
		{"unrelated", planned("chg_o", 0, 4, Scheduled, []string{"ci_x"}, "bsv_other"), nil, nil},
	}
	for _, tt := range tests {
		got := FindConflicts(me, myImpact, []Change{tt.other})
		if tt.reasons == nil {
			if len(got) != 0 {
				t.Errorf("%s: unexpected conflict %+v", tt.name, got)
			}
			continue
		}
		if len(got) != 1 || !slices.Equal(got[0].Reasons, tt.reasons) || !slices.Equal(got[0].SharedIDs, tt.shared) || got[0].SharedCount != len(tt.shared) {
			t.Errorf("%s: got %+v, want reasons %v shared %v", tt.name, got, tt.reasons, tt.shared)
			continue
		}
		o := got[0].Overlap
		if !o.Start.Before(o.End) || o.Start.Before(me.PlannedStart) || o.End.After(me.PlannedEnd) {
			t.Errorf("%s: overlap %v outside my window", tt.name, o)
		}
	}
}

func TestAChangeDoesNotConflictWithItself(t *testing.T) {
	me := planned("chg_me", 0, 4, Scheduled, []string{"ci_db"}, "bsv_shop")
	if got := FindConflicts(me, []string{"bsv_shop"}, []Change{me}); len(got) != 0 {
		t.Fatalf("self conflict: %+v", got)
	}
}

func TestFreezeWindowsReachThroughTheGraph(t *testing.T) {
	me := planned("chg_me", 0, 4, Draft, []string{"ci_db"})
	impacted := []string{"tsv_orders", "bsv_shop"}
	freeze := func(id string, from, to int, services ...string) FreezeWindow {
		return FreezeWindow{ID: id, Start: t0.Add(time.Duration(from) * time.Hour), End: t0.Add(time.Duration(to) * time.Hour), ServiceIDs: services}
	}
	tests := []struct {
		name string
		f    FreezeWindow
		want bool
	}{
		{"global, overlapping", freeze("frz_g", 3, 10), true},
		{"global, adjacent", freeze("frz_g", 4, 10), false},
		{"on a business service the CI supports", freeze("frz_s", -24, 24, "bsv_shop"), true},
		{"on a targeted service", FreezeWindow{ID: "frz_t", Start: t0, End: t0.Add(time.Hour), ServiceIDs: []string{"ci_db"}}, true},
		{"on an unrelated service", freeze("frz_u", -24, 24, "bsv_payroll"), false},
		{"on the service, another time", freeze("frz_l", 5, 24, "bsv_shop"), false},
	}
	for _, tt := range tests {
		got := ApplicableFreezes(me, impacted, []FreezeWindow{tt.f})
		if (len(got) == 1) != tt.want {
			t.Errorf("%s: applies = %v, want %v", tt.name, len(got) == 1, tt.want)
		}
	}
}
