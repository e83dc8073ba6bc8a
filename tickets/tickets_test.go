package tickets

import (
	"testing"

	"github.com/itsm-graph/itsm/apperr"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in     string
		kind   Kind
		number string
	}{
		{"INC0001234", Incident, "INC0001234"},
		{" chg0000001 ", Change, "CHG0000001"},
		{"PRB12345678", Problem, "PRB12345678"},
		{"KB0000007", Article, "KB0000007"},
		{"REQ0000042", Request, "REQ0000042"},
		{"INC123", "", ""},
		{"XYZ0000001", "", ""},
		{"INC-000001", "", ""},
		{"", "", ""},
	} {
		kind, number, err := Parse(tc.in)
		if kind != tc.kind || number != tc.number {
			t.Errorf("Parse(%q) = %q, %q; want %q, %q", tc.in, kind, number, tc.kind, tc.number)
		}
		if (tc.kind == "") != apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("Parse(%q) error %v", tc.in, err)
		}
	}
}
