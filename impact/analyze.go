package impact

import (
	"slices"
	"strings"

	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
)

// Analyze computes distances, severities and explaining paths over g from
// the start items, which have failed. Severity follows SPEC §2.4: an item
// is as badly hit as the worst item impacting it, except a redundancy group,
// which is DOWN only when fewer than MinimumUp of its members remain up (a
// DEGRADED member still counts as up) and DEGRADED otherwise.
func Analyze(g Subgraph, starts []string, maxDepth int) Result {
	x := newIndexed(g)
	x.bfs(starts, maxDepth)
	sev := x.severities()
	res := Result{x: x}
	for _, i := range x.order {
		item := Impacted{Node: x.nodes[i], Distance: int(x.dist[i]), Severity: sev[i]}
		if item.Distance == 0 {
			res.Roots = append(res.Roots, item)
		} else {
			res.Impacted = append(res.Impacted, item)
		}
	}
	sortItems(res.Impacted)
	res.Reached = len(res.Impacted)
	return res
}

// Path returns a shortest chain of steps from a start item to the reached
// item id, in the order impact travels; none for a start item. Paths are
// built on demand: an answer of tens of thousands of items would otherwise
// allocate one per item whether shown or not.
func (r Result) Path(id string) []Step {
	if r.x == nil {
		return nil
	}
	i, ok := r.x.index[id]
	if !ok {
		return nil
	}
	var path []Step
	for r.x.parent[i] >= 0 {
		p := r.x.parent[i]
		path = append(path, r.x.nodes[p].Out[r.x.via[i]])
		i = p
	}
	slices.Reverse(path)
	return path
}

// Edges returns the relationships between reached items, by id. It is
// computed on demand: many callers want only the items.
func (r Result) Edges() []Edge {
	if r.x == nil {
		return nil
	}
	x := r.x
	seen := map[string]bool{}
	var edges []Edge
	for _, i := range x.order {
		for k, j := range x.targets(i) {
			if e := x.nodes[i].Out[k].Edge; j >= 0 && x.dist[j] >= 0 && !seen[e.ID] {
				seen[e.ID] = true
				edges = append(edges, e)
			}
		}
	}
	slices.SortFunc(edges, func(a, b Edge) int { return strings.Compare(a.ID, b.ID) })
	return edges
}

// indexed is a subgraph under dense node indices. The passes of an
// analysis index slices instead of maps keyed by id: a hub's answer has
// tens of thousands of items and several times as many steps.
type indexed struct {
	nodes []*Node
	index map[string]int32
	// The steps of node i reach the nodes to[off[i]:off[i+1]], in the order
	// of its Out; -1 for a step leaving the subgraph.
	off, to []int32
	// dist is -1 for a node not reached. A reached node other than a start
	// was first reached by step nodes[parent[i]].Out[via[i]].
	dist, parent, via []int32
	// order lists the reached nodes breadth first.
	order []int32
}

func newIndexed(g Subgraph) *indexed {
	x := &indexed{nodes: make([]*Node, 0, len(g)), index: make(map[string]int32, len(g))}
	for id, n := range g {
		x.index[id] = int32(len(x.nodes))
		x.nodes = append(x.nodes, n)
	}
	x.off = make([]int32, len(x.nodes)+1)
	for i, n := range x.nodes {
		// A stable step order makes the explaining paths deterministic. The
		// subgraph belongs to this analysis, so it is sorted in place.
		slices.SortFunc(n.Out, func(a, b Step) int {
			if c := strings.Compare(a.To, b.To); c != 0 {
				return c
			}
			return strings.Compare(a.Edge.ID, b.Edge.ID)
		})
		x.off[i+1] = x.off[i] + int32(len(n.Out))
	}
	x.to = make([]int32, x.off[len(x.nodes)])
	for i, n := range x.nodes {
		for k, s := range n.Out {
			j, ok := x.index[s.To]
			if !ok {
				j = -1
			}
			x.to[int(x.off[i])+k] = j
		}
	}
	return x
}

func (x *indexed) targets(i int32) []int32 { return x.to[x.off[i]:x.off[i+1]] }

// bfs sets hop distances from the start items (up to maxDepth), the step
// that first reached each node, and the order of reaching.
func (x *indexed) bfs(starts []string, maxDepth int) {
	n := len(x.nodes)
	x.dist, x.parent, x.via = make([]int32, n), make([]int32, n), make([]int32, n)
	for i := range n {
		x.dist[i], x.parent[i] = -1, -1
	}
	for _, id := range starts {
		if i, ok := x.index[id]; ok && x.dist[i] < 0 {
			x.dist[i] = 0
			x.order = append(x.order, i)
		}
	}
	for q := 0; q < len(x.order); q++ {
		i := x.order[q]
		if int(x.dist[i]) >= maxDepth {
			continue
		}
		for k, j := range x.targets(i) {
			if j < 0 || x.dist[j] >= 0 {
				continue
			}
			x.dist[j], x.parent[j], x.via[j] = x.dist[i]+1, i, int32(k)
			x.order = append(x.order, j)
		}
	}
}

// severities returns each node's severity. Severities only grow, so
// repeating passes in breadth-first order reaches the fixed point, cycles
// included.
func (x *indexed) severities() []Severity {
	// The steps into each reached node from reached nodes, grouped by
	// target: from[inOff[j]:inOff[j+1]], with whether each is a member's
	// step into its redundancy group.
	n := len(x.nodes)
	inOff := make([]int32, n+1)
	for _, i := range x.order {
		for _, j := range x.targets(i) {
			if j >= 0 && x.dist[j] >= 0 {
				inOff[j+1]++
			}
		}
	}
	for j := range n {
		inOff[j+1] += inOff[j]
	}
	from := make([]int32, inOff[n])
	member := make([]bool, inOff[n])
	fill := slices.Clone(inOff[:n])
	for _, i := range x.order {
		for k, j := range x.targets(i) {
			if j < 0 || x.dist[j] < 0 {
				continue
			}
			from[fill[j]] = i
			member[fill[j]] = x.nodes[j].MinimumUp > 0 && x.nodes[i].Out[k].Edge.Type == cmdb.MemberOf
			fill[j]++
		}
	}

	sev := make([]Severity, n)
	for _, i := range x.order {
		if x.dist[i] == 0 {
			sev[i] = Down
		}
	}
	for changed := true; changed; {
		changed = false
		for _, j := range x.order {
			if x.dist[j] == 0 {
				continue
			}
			s := none
			down, hit := 0, false
			for e := inOff[j]; e < inOff[j+1]; e++ {
				f := sev[from[e]]
				if f == none {
					continue
				}
				if member[e] {
					hit = true
					if f == Down {
						down++
					}
					continue
				}
				s = worse(s, f)
			}
			if hit {
				if g := x.nodes[j]; g.Members-down < g.MinimumUp {
					s = worse(s, Down)
				} else {
					s = worse(s, Degraded)
				}
			}
			if w := worse(sev[j], s); w != sev[j] {
				sev[j] = w
				changed = true
			}
		}
	}
	return sev
}

func kindRank(k catalog.Kind) int { return slices.Index(catalog.Kinds(), k) }

// sortItems orders items nearest first, then by kind from infrastructure
// to business, then by name and id.
func sortItems(items []Impacted) {
	type keyed struct {
		distance, kind int
		name           string
		item           Impacted
	}
	ks := make([]keyed, len(items))
	for i, it := range items {
		ks[i] = keyed{it.Distance, kindRank(it.Node.Kind), NameOf(it.Node.Item), it}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.distance != b.distance {
			return a.distance - b.distance
		}
		if a.kind != b.kind {
			return a.kind - b.kind
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.item.Node.ID, b.item.Node.ID)
	})
	for i, k := range ks {
		items[i] = k.item
	}
}
