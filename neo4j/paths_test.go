package neo4j_test

import (
	"strings"
	"testing"
)

// Paths are simple (each item once) and the shortest simple ones: walks
// that loop back through an item do not crowd out a longer simple path.
// Two servers are joined by a switch and by a 7-hop chain; six racks hang on
// the switch by two relationships each, so every rack offers a 4-hop walk
// that passes the switch twice.
func TestPathsAreTheShortestSimpleOnes(t *testing.T) {
	g := newGraph(t)
	rels := []string{"a CONNECTS_TO x", "b CONNECTS_TO x",
		"a DEPENDS_ON c1", "c1 DEPENDS_ON c2", "c2 DEPENDS_ON c3", "c3 DEPENDS_ON c4", "c4 DEPENDS_ON c5", "c5 DEPENDS_ON c6", "c6 DEPENDS_ON b"}
	for _, r := range []string{"r1", "r2", "r3", "r4", "r5", "r6"} {
		rels = append(rels, "x PART_OF "+r, r+" CONNECTS_TO x")
	}
	g.build(t, rels...)
	two := 2
	eight := 8
	paths, err := g.an.Paths(g.ctx, g.ids["a"], g.ids["b"], &eight, &two, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	got := g.pathNames(paths)
	want := []string{"a>x>b", "a>c1>c2>c3>c4>c5>c6>b"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("paths %v, want %v", got, want)
	}
}
