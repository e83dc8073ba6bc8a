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
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Items, items) || !reflect.DeepEqual(got.Relationships, rels) {
		t.Fatalf("round trip:\n%+v\n%+v", got.Items, got.Relationships)
	}
}

func TestReadReportsTheBadLine(t *testing.T) {
	_, err := Read(strings.NewReader("{\"externalId\":\"a\",\"name\":\"A\",\"type\":\"SERVER\"}\n\n{oops\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("got %v, want an error naming line 3", err)
	}
}

// TestReadKeepsLines: rows keep their file lines, a misspelt field refuses
// its line alone, and a null attribute asks for its removal.
func TestReadKeepsLines(t *testing.T) {
	f, err := Read(strings.NewReader(strings.Join([]string{
		`{"externalId":"a","name":"A","type":"SERVER","attributes":{"os":null,"rack":"r1"}}`,
		``,
		`{"externalId":"b","name":"B","type":"SERVER","enviroment":"TEST"}`,
		`{"sourceExternalId":"a","type":"HOSTED_ON","targetExternalId":"c"}`,
		`{"externalId":"c","name":"C","type":"SERVER"}`,
	}, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.ItemLines, []int{1, 5}) || !reflect.DeepEqual(f.RelationshipLines, []int{4}) {
		t.Fatalf("lines %v %v", f.ItemLines, f.RelationshipLines)
	}
	if len(f.Refused) != 1 || f.Refused[0].Line != 3 || !strings.Contains(f.Refused[0].Message, `"enviroment"`) {
		t.Fatalf("refused %+v", f.Refused)
	}
	if a := f.Items[0].Attributes; len(a) != 2 || a[0].Key != "os" || a[0].Value != nil || *a[1].Value != "r1" {
		t.Fatalf("attributes %+v", a)
	}
	if got := f.Line(cmdb.ImportError{Row: 2, Kind: "ITEM"}); got != 5 {
		t.Fatalf("item row 2 is line %d, want 5", got)
	}
	if got := f.Line(cmdb.ImportError{Row: 1, Kind: "RELATIONSHIP"}); got != 4 {
		t.Fatalf("relationship row 1 is line %d, want 4", got)
	}
}
