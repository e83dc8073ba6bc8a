package paging

import (
	"testing"

	"github.com/itsm-graph/itsm/apperr"
)

func TestCursorRoundTrip(t *testing.T) {
	c := Encode(Keyset{Value: "web-01", ID: "ci_1", Sort: "NAME:asc"})
	k, err := Decode(c, "NAME:asc")
	if err != nil || k.Value != "web-01" || k.ID != "ci_1" {
		t.Fatalf("got %+v, %v", k, err)
	}
	for _, bad := range []struct{ cursor, sort string }{
		{"!!!", "NAME:asc"},
		{"e30", "NAME:asc"}, // {}
		{c, "NAME:desc"},
	} {
		if _, err := Decode(bad.cursor, bad.sort); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("Decode(%q, %q) = %v, want BAD_USER_INPUT", bad.cursor, bad.sort, err)
		}
	}
}

func TestNormalize(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		first *int
		want  int
		ok    bool
	}{{nil, DefaultSize, true}, {n(1), 1, true}, {n(100), 100, true}, {n(0), 0, false}, {n(101), 0, false}, {n(-5), 0, false}}
	for _, tt := range tests {
		r, err := Normalize(tt.first, nil, MaxSize)
		if tt.ok != (err == nil) || (tt.ok && r.First != tt.want) {
			t.Errorf("first=%v: got %+v, %v", tt.first, r, err)
		}
	}
}
