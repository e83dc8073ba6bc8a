package request

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/auth"
)

func TestCheckAnswersNamesEveryWrongField(t *testing.T) {
	one, ten := 1.0, 10.0
	form := []Field{
		{Key: "n", Type: Number, Required: true, Min: &one, Max: &ten},
		{Key: "t", Type: Text, Pattern: `[a-z]+`},
		{Key: "c", Type: Choice, Options: []string{"a", "b"}},
		{Key: "m", Type: MultiChoice, Options: []string{"a", "b"}},
		{Key: "d", Type: Date},
		{Key: "b", Type: Boolean, Required: true},
	}
	_, _, err := CheckAnswers(form, []Answer{{Key: "n", Values: []string{"11"}}, {Key: "t", Values: []string{"ABC"}},
		{Key: "c", Values: []string{"a", "b"}}, {Key: "m", Values: []string{"a", "a"}}, {Key: "d", Values: []string{"2026-13-01"}},
		{Key: "x", Values: []string{"1"}}})
	if err == nil {
		t.Fatal("wrong answers accepted")
	}
	for _, k := range []string{"n: must be between 1 and 10", "t: does not match", "c: takes one value", "m: names an option twice",
		"d:", "b: is required", "x: is not a field"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("%q does not name %q", err, k)
		}
	}
	got, _, err := CheckAnswers(form, []Answer{{Key: "b", Values: []string{"true"}}, {Key: "n", Values: []string{"3"}}})
	if err != nil || len(got) != 2 || got[0].Key != "n" {
		t.Fatalf("valid answers: %v %v", got, err)
	}
}

func TestStagesAndRules(t *testing.T) {
	threshold := 100.0
	it := Item{Policy: ApprovalPolicy{FinanceThreshold: &threshold, FinanceGroupID: "grp_fin", FinanceRule: Any,
		Stages: []Stage{{Approver: LineManager, Rule: Any}, {Approver: NamedGroup, GroupID: "grp_x", Rule: Share, Percent: 50}}}}
	if got := StagesFor(it, 99.99); len(got) != 2 {
		t.Errorf("below the threshold: %d stages", len(got))
	}
	if got := StagesFor(it, 100); len(got) != 3 || got[0].Approver != Finance {
		t.Errorf("at the threshold: %+v", got)
	}
	for _, c := range []struct {
		s    Stage
		n, k int
	}{{Stage{Rule: Any}, 5, 1}, {Stage{Rule: All}, 5, 5}, {Stage{Rule: Share, Percent: 50}, 5, 3}, {Stage{Rule: Share, Percent: 1}, 3, 1}} {
		if got := needed(c.s, c.n); got != c.k {
			t.Errorf("%+v of %d: needs %d, want %d", c.s, c.n, got, c.k)
		}
	}
	// The requester and the person it is for never approve, also not as
	// group members.
	d := Directory{Members: map[string][]string{"grp_x": {"usr_me", "usr_for", "usr_b", "usr_a"}}, Manager: "usr_boss"}
	if got := approversOf(Stage{Approver: NamedGroup, GroupID: "grp_x"}, d, "usr_me", "usr_for"); !slices.Equal(got, []string{"usr_a", "usr_b"}) {
		t.Errorf("approvers: %v", got)
	}
	n := 0
	c := Clock{Now: time.Unix(0, 0).UTC(), Actor: "usr_me", NewID: func(p string) string { n++; return p + "_" + string(rune('a'+n)) }}
	r := Request{ID: "req_1", RequesterID: "usr_me", RequestedForID: "usr_me", Stages: StagesFor(it, 50), Item: it}
	rec, _, err := Plan(r, Directory{Members: d.Members}, c)
	if err != nil || rec.Request.State != PendingApproval || rec.Request.Stage != 1 {
		t.Fatalf("without a manager the first stage is skipped: %v, %s stage %d", err, rec.Request.State, rec.Request.Stage)
	}
	v := Viewer{Principal: auth.Principal{Subject: "usr_a", Roles: []auth.Role{auth.Requester}}}
	if !CanSee(v, rec) {
		t.Error("an approver of the open stage cannot see the request")
	}
}
