package feed

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/cmdb"
)

func TestRoundTrip(t *testing.T) {
	v, st, two := "linux", cmdb.StatusPlanned, 2
	items := []cmdb.ImportItem{
		{ExternalID: "a", Name: "A", Type: cmdb.TypeServer, Status: &st, Attributes: []cmdb.AttributeInput{{Key: "os", Value: &v}}},
		{ExternalID: "p", Name: "P", Type: cmdb.TypeCluster, MinimumUp: &two},
	}
	rels := []cmdb.ImportRelationship{{SourceExternalID: "a", Type: "MEMBER_OF", TargetExternalID: "p"}}
	var buf bytes.Buffer
	if err := Write(&buf, items, rels); err != nil {
		t.Fatal(err)
	}
	gotItems, gotRels, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotItems, items) || !reflect.DeepEqual(gotRels, rels) {
		t.Fatalf("round trip:\n%+v\n%+v", gotItems, gotRels)
	}
}

func TestReadReportsTheBadLine(t *testing.T) {
	_, _, err := Read(strings.NewReader("{\"externalId\":\"a\",\"name\":\"A\",\"type\":\"SERVER\"}\n\n{oops\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("got %v, want an error naming line 3", err)
	}
}
