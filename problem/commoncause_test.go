package problem

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestSharedCauses checks the level walk against the shortest distances
// worked out by hand: each incident counts once per item, from the nearest
// of its CIs, and nothing beyond the depth is reached.
func TestSharedCauses(t *testing.T) {
	// app1, app2 on db; db and app3 on host; host on rack; app2 also
	// directly on host (a shortcut); inc3 is on app3 and app1.
	up := Upstream{
		Incidents: map[string][]string{"app1": {"inc1", "inc3"}, "app2": {"inc2"}, "app3": {"inc3"}},
		Parents: map[string][]string{
			"app1": {"db"}, "app2": {"db", "host"}, "app3": {"host"},
			"db": {"host"}, "host": {"rack"},
		},
	}
	cases := []struct {
		depth, min int
		want       []string // id: incidents / summed distance
	}{
		{0, 1, []string{"app1: inc1,inc3 / 0", "app2: inc2 / 0", "app3: inc3 / 0"}},
		{1, 2, []string{"app1: inc1,inc3 / 0", "db: inc1,inc2,inc3 / 3", "host: inc2,inc3 / 2"}},
		{2, 3, []string{"db: inc1,inc2,inc3 / 3", "host: inc1,inc2,inc3 / 4"}},
		{3, 3, []string{"db: inc1,inc2,inc3 / 3", "host: inc1,inc2,inc3 / 4", "rack: inc1,inc2,inc3 / 7"}},
		{3, 4, nil},
	}
	for _, c := range cases {
		found, ids := sharedCauses(up, c.depth, c.min)
		var got []string
		for _, r := range found {
			got = append(got, fmt.Sprintf("%s: %s / %d", r.id, strings.Join(r.incidents.members(ids), ","), r.distance))
			if r.count != len(r.incidents.members(ids)) {
				t.Errorf("depth %d: %s counts %d", c.depth, r.id, r.count)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("depth %d, min %d:\n got  %q\n want %q", c.depth, c.min, got, c.want)
		}
	}
}

// TestIncidentSetWords: sets of more than one word keep their members and
// compare equal only when equal.
func TestIncidentSetWords(t *testing.T) {
	ids := make([]string, 130)
	for i := range ids {
		ids[i] = fmt.Sprintf("inc%03d", i)
	}
	a, b := newIncidentSet(len(ids)), newIncidentSet(len(ids))
	for _, i := range []int{0, 63, 64, 129} {
		a.add(i)
		b.add(i)
	}
	if got := a.members(ids); !slices.Equal(got, []string{"inc000", "inc063", "inc064", "inc129"}) {
		t.Errorf("members %q", got)
	}
	if a.key() != b.key() {
		t.Error("equal sets have different keys")
	}
	b.add(65)
	if a.key() == b.key() || b.count() != 5 {
		t.Errorf("count %d, keys equal %v", b.count(), a.key() == b.key())
	}
}

// TestSharedCausesWithoutParents: CIs the walk found nothing above are
// still their own shared cause.
func TestSharedCausesWithoutParents(t *testing.T) {
	found, ids := sharedCauses(Upstream{Incidents: map[string][]string{"lone": {"inc1", "inc2"}}}, 3, 2)
	if len(found) != 1 || found[0].id != "lone" || strings.Join(found[0].incidents.members(ids), ",") != "inc1,inc2" || found[0].distance != 0 {
		t.Errorf("found %+v", found)
	}
}
