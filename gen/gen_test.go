package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
)

func encode(t *testing.T, c *CMDB) []byte {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterministic(t *testing.T) {
	for _, tc := range []struct {
		size int
		seed uint64
	}{
		{MinSize, 0},
		{1000, 1},
		{10000, 42},
	} {
		t.Run(fmt.Sprintf("size=%d/seed=%d", tc.size, tc.seed), func(t *testing.T) {
			a, b := Generate(tc.size, tc.seed), Generate(tc.size, tc.seed)
			if !bytes.Equal(encode(t, a), encode(t, b)) {
				t.Fatal("the same (size, seed) gave different output")
			}
			if a.Leaf() != b.Leaf() || a.Median() != b.Median() || a.Hub() != b.Hub() {
				t.Fatalf("picks differ: %s/%s/%s vs %s/%s/%s", a.Leaf(), a.Median(), a.Hub(), b.Leaf(), b.Median(), b.Hub())
			}
			other := Generate(tc.size, tc.seed+1)
			if bytes.Equal(encode(t, a), encode(t, other)) {
				t.Fatal("another seed gave the same output")
			}
		})
	}
}

func TestShape(t *testing.T) {
	for _, tc := range []struct {
		size      int
		tolerance float64 // of relationships against 4 × size
	}{
		{1000, 0.10},
		{10000, 0.05},
		{50000, 0.05},
	} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			c := Generate(tc.size, 7)
			if len(c.Items) != tc.size {
				t.Errorf("got %d CIs, want %d", len(c.Items), tc.size)
			}
			want := 4 * float64(tc.size)
			if got := float64(len(c.Relationships)); math.Abs(got-want) > tc.tolerance*want {
				t.Errorf("got %d relationships, want %.0f ± %.0f%%", len(c.Relationships), want, 100*tc.tolerance)
			}
			checkEstate(t, c)
		})
	}
}

// checkEstate checks the invariants a generated estate must keep.
func checkEstate(t *testing.T, c *CMDB) {
	t.Helper()
	items := map[string]cmdb.ImportItem{}
	for _, it := range c.Items {
		if _, dup := items[it.ExternalID]; dup {
			t.Errorf("externalId %q is used twice", it.ExternalID)
		}
		items[it.ExternalID] = it
	}
	kinds := map[string]catalog.Kind{}
	for _, k := range c.catalogueKeys() {
		if _, dup := kinds[k]; dup {
			t.Errorf("catalogue key %q is used twice", k)
		}
		if _, clash := items[k]; clash {
			t.Errorf("catalogue key %q is also a CI externalId", k)
		}
		kinds[k] = ""
	}
	for _, u := range c.BusinessUnits {
		kinds[u.Key] = catalog.KindBusinessUnit
	}
	for _, p := range c.BusinessProcesses {
		kinds[p.Key] = catalog.KindBusinessProcess
	}
	for _, s := range c.BusinessServices {
		kinds[s.Key] = catalog.KindBusinessService
	}
	for _, s := range c.TechnicalServices {
		kinds[s.Key] = catalog.KindTechnicalService
	}

	type triple struct{ s, t, d string }
	seen := map[triple]bool{}
	for i, r := range c.Relationships {
		if r.SourceExternalID == r.TargetExternalID {
			t.Errorf("relationship %d relates %q to itself", i, r.SourceExternalID)
		}
		if seen[triple{r.SourceExternalID, r.Type, r.TargetExternalID}] {
			t.Errorf("relationship %d (%s %s %s) is repeated", i, r.SourceExternalID, r.Type, r.TargetExternalID)
		}
		seen[triple{r.SourceExternalID, r.Type, r.TargetExternalID}] = true
		rt, ok := cmdb.LookupRelType(r.Type)
		if !ok || rt.CatalogOnly {
			t.Errorf("relationship %d has type %q, not allowed between CIs", i, r.Type)
		}
		_, sok := items[r.SourceExternalID]
		tgt, tok := items[r.TargetExternalID]
		if !sok || !tok {
			t.Errorf("relationship %d (%s %s %s) has an end that is not a CI", i, r.SourceExternalID, r.Type, r.TargetExternalID)
			continue
		}
		if r.Type == cmdb.MemberOf && (tgt.MinimumUp == nil || *tgt.MinimumUp < 1) {
			t.Errorf("relationship %d: MEMBER_OF target %q has no MinimumUp", i, r.TargetExternalID)
		}
	}

	for i, l := range c.Links {
		src, ok := kinds[l.Source]
		if !ok {
			t.Errorf("link %d: unknown source %q", i, l.Source)
			continue
		}
		tgt := catalog.KindCI
		if _, isCI := items[l.Target]; isCI != l.TargetIsCI {
			t.Errorf("link %d: target %q TargetIsCI=%v, but it is a CI: %v", i, l.Target, l.TargetIsCI, isCI)
		}
		if !l.TargetIsCI {
			if tgt, ok = kinds[l.Target]; !ok {
				t.Errorf("link %d: unknown target %q", i, l.Target)
				continue
			}
		}
		err := catalog.CheckLink(catalog.Ref{ID: l.Source, Kind: src}, l.Type, catalog.Ref{ID: l.Target, Kind: tgt})
		if err != nil {
			t.Errorf("link %d (%s %s %s): %v", i, l.Source, l.Type, l.Target, err)
		}
		if seen[triple{l.Source, l.Type, l.Target}] {
			t.Errorf("link %d (%s %s %s) is repeated", i, l.Source, l.Type, l.Target)
		}
		seen[triple{l.Source, l.Type, l.Target}] = true
	}
}

func TestPicks(t *testing.T) {
	for _, size := range []int{2000, 10000, 50000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			c := Generate(size, 3)
			leaf, median, hub := c.ImpactSize(c.Leaf(), DefaultDepth), c.ImpactSize(c.Median(), DefaultDepth), c.ImpactSize(c.Hub(), DefaultDepth)
			t.Logf("leaf %s: %d, median %s: %d, hub %s: %d", c.Leaf(), leaf, c.Median(), median, c.Hub(), hub)
			if leaf < 1 || leaf > 20 {
				t.Errorf("leaf impact set is %d, want 1..20", leaf)
			}
			if median < 10 || median > 1000 {
				t.Errorf("median impact set is %d, want 10..1000", median)
			}
			if hub < size/2 {
				t.Errorf("hub impact set is %d, want at least half of %d", hub, size)
			}
			// The leaf really has no dependents among CIs.
			for _, k := range c.Impacted(c.Leaf(), DefaultDepth) {
				if slices.ContainsFunc(c.Items, func(it cmdb.ImportItem) bool { return it.ExternalID == k }) {
					t.Errorf("the leaf impacts CI %s", k)
				}
			}
		})
	}
}

func TestImpactedDepth(t *testing.T) {
	c := Generate(2000, 5)
	hub := c.Hub()
	if got := c.ImpactSize(hub, 1); got == 0 || got > len(c.Items)/10 {
		t.Errorf("hub at depth 1 reaches %d items; want only its access switches", got)
	}
	prev := 0
	for d := 1; d <= DefaultDepth; d++ {
		n := c.ImpactSize(hub, d)
		if n < prev {
			t.Errorf("impact at depth %d (%d) is smaller than at depth %d (%d)", d, n, d-1, prev)
		}
		prev = n
	}
	if c.ImpactSize("no-such-key", DefaultDepth) != 0 {
		t.Error("an unknown key impacts something")
	}
}

func TestFeedPassesTheImportRules(t *testing.T) {
	c := Generate(5000, 11)
	errs := cmdb.CheckFeed(c.Items, c.Relationships)
	for _, e := range errs[:min(len(errs), 10)] {
		t.Errorf("%s row %d: %s: %s", e.Kind, e.Row, e.Field, e.Message)
	}
}
