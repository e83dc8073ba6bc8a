package problem

import (
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
)

func TestNearWindow(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name             string
		from, to         time.Time
		wantFrom, wantTo time.Time
		bad              string
	}{
		{"default: the week ending now", time.Time{}, time.Time{}, now.Add(-DefaultNearWindow), now, ""},
		{"the week ending at to", time.Time{}, now.Add(-time.Hour), now.Add(-time.Hour - DefaultNearWindow), now.Add(-time.Hour), ""},
		{"as given", now.Add(-90 * 24 * time.Hour), now, now.Add(-90 * 24 * time.Hour), now, ""},
		{"over 90 days", now.Add(-90*24*time.Hour - time.Second), now, time.Time{}, time.Time{}, "at most 90 days"},
		{"empty", now, now, time.Time{}, time.Time{}, "must be before"},
	}
	for _, c := range cases {
		from, to, err := window(c.from, c.to, now, DefaultNearWindow)
		if c.bad != "" {
			if !apperr.Is(err, apperr.BadUserInput) || !strings.Contains(err.Error(), c.bad) {
				t.Errorf("%s: %v, want BAD_USER_INPUT saying %q", c.name, err, c.bad)
			}
			continue
		}
		if err != nil || !from.Equal(c.wantFrom) || !to.Equal(c.wantTo) {
			t.Errorf("%s: %s..%s %v, want %s..%s", c.name, from, to, err, c.wantFrom, c.wantTo)
		}
	}
}

func TestNearReason(t *testing.T) {
	to := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	db := cmdb.CI{ID: "ci_db", Name: "orders-db"}
	cases := []struct {
		n    Nearby
		want string
	}{
		{Nearby{NearEvent: NearEvent{Kind: ChangeImplemented, ChangeID: "chg_1", Risk: change.High, At: to.Add(-2 * time.Hour)}, Item: db, Distance: 2},
			"change implemented (risk HIGH) on orders-db, 2 dependency steps away, 2h0m0s before 2026-03-10T12:00:00Z"},
		{Nearby{NearEvent: NearEvent{Kind: CIModified, At: to.Add(-time.Minute)}, Item: db},
			"modified without an authorising change on the CI itself, 1m0s before 2026-03-10T12:00:00Z"},
		{Nearby{NearEvent: NearEvent{Kind: CIModified, ChangeID: "chg_2", At: to}, Item: db, Distance: 1},
			"modified under change chg_2 on orders-db, 1 dependency step away, 0s before 2026-03-10T12:00:00Z"},
	}
	for _, c := range cases {
		if got := c.n.reason(to); got != c.want {
			t.Errorf("reason = %q, want %q", got, c.want)
		}
	}
}
