package cmdb

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheckFeed(t *testing.T) {
	one := 1
	items := []ImportItem{
		{ExternalID: "a", Name: "A", Type: TypeServer},
		{ExternalID: "pool", Name: "P", Type: TypeCluster, MinimumUp: &one},
		{ExternalID: "a", Name: "dup", Type: TypeServer},
		{ExternalID: "b", Name: "", Type: TypeServer},
		{ExternalID: "c", Name: "C", Type: "TOASTER"},
	}
	rels := []ImportRelationship{
		{SourceExternalID: "a", Type: "MEMBER_OF", TargetExternalID: "pool"},
		{SourceExternalID: "a", Type: "LIKES", TargetExternalID: "pool"},
		{SourceExternalID: "a", Type: "CONSUMES", TargetExternalID: "pool"},
		{SourceExternalID: "x", Type: "RUNS_ON", TargetExternalID: "a"},
		{SourceExternalID: "a", Type: "RUNS_ON", TargetExternalID: "x"},
		{SourceExternalID: "a", Type: "RUNS_ON", TargetExternalID: "a"},
		{SourceExternalID: "pool", Type: "MEMBER_OF", TargetExternalID: "a"},
	}
	var got []string
	for _, e := range CheckFeed(items, rels) {
		got = append(got, fmt.Sprintf("%s%d:%s", e.Kind[:1], e.Row, e.Field))
	}
	want := "I3:externalId I4:name I5:type R2:type R3:type R4:sourceExternalId R5:targetExternalId R6:targetExternalId R7:targetExternalId"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}
