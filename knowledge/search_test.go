package knowledge

import (
	"strings"
	"testing"
)

func TestTermsLeaveNoQuerySyntax(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"disk full", "disk full"},
		{"title:disk*", "title disk"},
		{`"unbalanced \ (x`, "unbalanced x"},
		{"AND OR NOT x", "and or not x"},
		{"a\x00b\tc", "a b c"},
		{"变更管理 && 审批", "变更管理 审批"},
	} {
		terms, err := Terms(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := IndexQuery(terms); got != c.want {
			t.Errorf("%q: index query %q, want %q", c.in, got, c.want)
		}
		if strings.ContainsAny(IndexQuery(terms), luceneSpecial) {
			t.Errorf("%q: syntax left in %q", c.in, IndexQuery(terms))
		}
	}
	for _, in := range []string{"", "  ", "*:*", "\x01", strings.Repeat("a", MaxQueryLen+1), strings.Repeat("a ", MaxQueryTerms+1)} {
		if _, err := Terms(in); err == nil {
			t.Errorf("%.20q: no error", in)
		}
	}
}

func TestSnippetMarksMatches(t *testing.T) {
	long := strings.Repeat("filler ", 40) + "the Disk is full " + strings.Repeat("tail ", 60)
	for _, c := range []struct {
		name  string
		v     Version
		terms []string
		check func(string) bool
	}{
		{"body, case kept", Version{Content: Content{Title: "t", Body: long}}, []string{"disk", "full"},
			func(s string) bool {
				return strings.HasPrefix(s, "…") && strings.HasSuffix(s, "…") && strings.Contains(s, "«Disk» is «full»")
			}},
		{"chinese", Version{Content: Content{Title: "变更管理流程", Body: "所有变更必须审批"}}, []string{"变更"},
			func(s string) bool { return s == "所有«变更»必须审批" }},
		{"title only", Version{Content: Content{Title: "VPN certificates"}}, []string{"vpn"},
			func(s string) bool { return s == "«VPN» certificates" }},
		{"no exact match", Version{Content: Content{Title: "x", Summary: "short summary"}}, []string{"变更管理"},
			func(s string) bool { return s == "short summary" }},
	} {
		if got := Snippet(c.v, c.terms); !c.check(got) {
			t.Errorf("%s: %q", c.name, got)
		}
	}
}
