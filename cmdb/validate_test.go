package cmdb

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
)

func ptr[T any](v T) *T { return &v }

func TestApplyAttributes(t *testing.T) {
	base := map[string]string{"os": "linux", "ram": "16"}
	tests := []struct {
		name        string
		in          []AttributeInput
		allowRemove bool
		want        map[string]string
		wantErr     string
	}{
		{"set and add", []AttributeInput{{"os", ptr("bsd")}, {"cpu", ptr("8")}}, true, map[string]string{"os": "bsd", "ram": "16", "cpu": "8"}, ""},
		{"remove", []AttributeInput{{"ram", nil}}, true, map[string]string{"os": "linux"}, ""},
		{"remove not allowed on create", []AttributeInput{{"ram", nil}}, false, nil, "needs a value"},
		{"key with dots and dashes", []AttributeInput{{"net.ip-v4_addr", ptr("10.0.0.1")}}, true, map[string]string{"os": "linux", "ram": "16", "net.ip-v4_addr": "10.0.0.1"}, ""},
		{"key starting with digit", []AttributeInput{{"1x", ptr("a")}}, true, nil, "must start with a letter"},
		{"key with a quote", []AttributeInput{{"a`b", ptr("a")}}, true, nil, "must start with a letter"},
		{"key too long", []AttributeInput{{strings.Repeat("k", 65), ptr("a")}}, true, nil, "at most 64"},
		{"value too long", []AttributeInput{{"k", ptr(strings.Repeat("v", 1001))}}, true, nil, "limit is 1000"},
		{"duplicate key", []AttributeInput{{"k", ptr("a")}, {"k", ptr("b")}}, true, nil, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyAttributes(base, tt.in, tt.allowRemove)
			if tt.wantErr != "" {
				if !apperr.Is(err, apperr.BadUserInput) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want BAD_USER_INPUT containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			if len(base) != 2 || base["os"] != "linux" {
				t.Fatalf("input map was modified: %v", base)
			}
		})
	}
}

func TestTooManyAttributes(t *testing.T) {
	var in []AttributeInput
	for i := 0; i <= MaxAttributes; i++ {
		in = append(in, AttributeInput{Key: fmt.Sprintf("k%d", i), Value: ptr("v")})
	}
	if _, err := applyAttributes(nil, in, false); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("got %v, want BAD_USER_INPUT", err)
	}
}

func TestDiff(t *testing.T) {
	before := CI{Name: "a", Type: TypeServer, Status: StatusActive, Environment: EnvProduction, Criticality: CriticalityLow,
		Attributes: map[string]string{"os": "linux", "gone": "x"}}
	after := before
	after.Name = "b"
	after.Description = "new"
	after.MinimumUp = 2
	after.Attributes = map[string]string{"os": "bsd", "added": "y"}
	got := diff(before, after)
	want := []FieldChange{
		{Field: "name", Before: ptr(`"a"`), After: ptr(`"b"`)},
		{Field: "description", After: ptr(`"new"`)},
		{Field: "redundancyMinimumUp", After: ptr(`2`)},
		{Field: "attributes.added", After: ptr(`"y"`)},
		{Field: "attributes.gone", Before: ptr(`"x"`)},
		{Field: "attributes.os", Before: ptr(`"linux"`), After: ptr(`"bsd"`)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("diff:\n got %s\nwant %s", show(got), show(want))
	}
	if d := diff(before, before); len(d) != 0 {
		t.Fatalf("diff of equal CIs: %s", show(d))
	}
}

func show(cs []FieldChange) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Field + ":")
		for _, p := range []*string{c.Before, c.After} {
			if p == nil {
				b.WriteString(" <nil>")
			} else {
				b.WriteString(" " + *p)
			}
		}
		b.WriteString("; ")
	}
	return b.String()
}
