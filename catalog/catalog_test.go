package catalog

import (
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
)

func TestCheckTransition(t *testing.T) {
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{StatusPipeline, StatusLive, true},
		{StatusPipeline, StatusRetired, true},
		{StatusLive, StatusRetired, true},
		{StatusLive, StatusLive, true},
		{StatusLive, StatusPipeline, false},
		{StatusRetired, StatusLive, false},
		{StatusRetired, StatusPipeline, false},
	}
	for _, tt := range tests {
		err := CheckTransition(tt.from, tt.to)
		if tt.ok != (err == nil) || (!tt.ok && !apperr.Is(err, apperr.InvalidTransition)) {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
		}
	}
}

func TestCheckLink(t *testing.T) {
	ref := func(id string, k Kind) Ref { return Ref{ID: id, Kind: k, Name: id} }
	bu, bs, bs2, ts, ts2, bp, ci := ref("bu", KindBusinessUnit), ref("bs", KindBusinessService), ref("bs2", KindBusinessService),
		ref("ts", KindTechnicalService), ref("ts2", KindTechnicalService), ref("bp", KindBusinessProcess), ref("ci", KindCI)
	retired := ts2
	retired.Retired = true
	tests := []struct {
		src  Ref
		typ  string
		tgt  Ref
		want apperr.Code // "" for allowed
	}{
		{bu, Consumes, bs, ""},
		{bs, Supports, bp, ""},
		{bs, DependsOn, ts, ""},
		{ts, DependsOn, ts2, ""},
		{ts, DependsOn, ci, ""},
		{bs, DependsOn, ci, apperr.BadUserInput},
		{bs, DependsOn, bs2, apperr.BadUserInput},
		{ci, DependsOn, ts, apperr.BadUserInput},
		{bu, Supports, bp, apperr.BadUserInput},
		{bs, Consumes, bu, apperr.BadUserInput},
		{ts, DependsOn, ts, apperr.BadUserInput},
		{ts, DependsOn, retired, apperr.BadUserInput},
	}
	for _, tt := range tests {
		err := CheckLink(tt.src, tt.typ, tt.tgt)
		if (tt.want == "") != (err == nil) || (tt.want != "" && !apperr.Is(err, tt.want)) {
			t.Errorf("%s %s %s: got %v, want %q", tt.src.Kind, tt.typ, tt.tgt.Kind, err, tt.want)
		}
	}
}

func TestItemRetired(t *testing.T) {
	for _, tt := range []struct {
		kind   Kind
		status string
		want   bool
	}{
		{KindCI, string(cmdb.StatusRetired), true},
		{KindCI, string(cmdb.StatusActive), false},
		{KindBusinessService, string(StatusRetired), true},
		{KindTechnicalService, string(StatusRetired), true},
		{KindTechnicalService, string(StatusLive), false},
		{KindBusinessUnit, "", false},
		{KindBusinessProcess, "", false},
	} {
		if got := ItemRetired(tt.kind, tt.status); got != tt.want {
			t.Errorf("%s %q: %v, want %v", tt.kind, tt.status, got, tt.want)
		}
	}
	if !LeavesService(StatusLive, StatusRetired) || LeavesService(StatusRetired, StatusRetired) || LeavesService(StatusPipeline, StatusLive) {
		t.Error("LeavesService: only a move into RETIRED leaves service")
	}
}
