package scalars

import (
	"bytes"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

func TestDateTime(t *testing.T) {
	got, err := UnmarshalDateTime("2026-03-29T03:30:00+02:00")
	if err != nil || !got.Equal(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Fatalf("offset time: %v %v", got, err)
	}
	for _, bad := range []any{"next tuesday", "2026-13-01T00:00:00Z", "2026-01-01", 42, nil} {
		if _, err := UnmarshalDateTime(bad); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("%v: %v", bad, err)
		}
	}
	var b bytes.Buffer
	MarshalDateTime(time.Date(2026, 1, 31, 10, 30, 0, 0, time.FixedZone("CET", 3600))).MarshalGQL(&b)
	if b.String() != `"2026-01-31T09:30:00Z"` {
		t.Fatalf("marshal: %s", b.String())
	}
}
