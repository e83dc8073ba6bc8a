package gen

import (
	"cmp"
	"slices"

	"github.com/itsm-graph/itsm/cmdb"
)

// impactGraph is the generated estate as impact travels: an edge a→b means
// a failure of a impacts b. Nodes are CI external ids and catalogue keys.
type impactGraph struct {
	index map[string]int32
	keys  []string
	out   [][]int32
}

func (c *CMDB) impact() *impactGraph {
	c.graphOnce.Do(func() { c.graph = c.buildImpact() })
	return c.graph
}

func (c *CMDB) buildImpact() *impactGraph {
	g := &impactGraph{index: map[string]int32{}}
	node := func(k string) int32 {
		if i, ok := g.index[k]; ok {
			return i
		}
		i := int32(len(g.keys))
		g.index[k] = i
		g.keys = append(g.keys, k)
		g.out = append(g.out, nil)
		return i
	}
	for _, it := range c.Items {
		node(it.ExternalID)
	}
	for _, k := range c.catalogueKeys() {
		node(k)
	}
	add := func(src, typ, tgt string) {
		rt, ok := cmdb.LookupRelType(typ)
		if !ok {
			panic("gen: unknown relationship type " + typ)
		}
		s, t := node(src), node(tgt)
		switch rt.Impact {
		case cmdb.SourceImpactsTarget:
			g.out[s] = append(g.out[s], t)
		case cmdb.TargetImpactsSource:
			g.out[t] = append(g.out[t], s)
		case cmdb.BothWays:
			g.out[s] = append(g.out[s], t)
			g.out[t] = append(g.out[t], s)
		}
	}
	for _, r := range c.Relationships {
		add(r.SourceExternalID, r.Type, r.TargetExternalID)
	}
	for _, l := range c.Links {
		add(l.Source, l.Type, l.Target)
	}
	return g
}

func (c *CMDB) catalogueKeys() []string {
	var keys []string
	for _, u := range c.BusinessUnits {
		keys = append(keys, u.Key)
	}
	for _, p := range c.BusinessProcesses {
		keys = append(keys, p.Key)
	}
	for _, s := range c.BusinessServices {
		keys = append(keys, s.Key)
	}
	for _, s := range c.TechnicalServices {
		keys = append(keys, s.Key)
	}
	return keys
}

// Impacted returns the keys (CI external ids and catalogue keys) that a
// failure of key reaches within depth steps, the start excluded, in
// breadth-first order. It is what impactAnalysis should report once the
// estate and its catalogue are loaded.
func (c *CMDB) Impacted(key string, depth int) []string {
	g := c.impact()
	start, ok := g.index[key]
	if !ok {
		return nil
	}
	dist := map[int32]int{start: 0}
	queue := []int32{start}
	var out []string
	for i := 0; i < len(queue); i++ {
		n := queue[i]
		if dist[n] >= depth {
			continue
		}
		for _, m := range g.out[n] {
			if _, seen := dist[m]; !seen {
				dist[m] = dist[n] + 1
				queue = append(queue, m)
				out = append(out, g.keys[m])
			}
		}
	}
	return out
}

// ImpactSize is len(Impacted(key, depth)).
func (c *CMDB) ImpactSize(key string, depth int) int { return len(c.Impacted(key, depth)) }

// Leaf returns a frontend application (one nothing depends on) with the
// smallest non-empty impact set at DefaultDepth: a failure there reaches
// only its services and the business above them.
func (c *CMDB) Leaf() string {
	best, bestN := "", -1
	for _, app := range c.frontends {
		n := c.ImpactSize(app, DefaultDepth)
		if n > 0 && (bestN < 0 || n < bestN) {
			best, bestN = app, n
		}
	}
	if best == "" {
		return c.frontends[0]
	}
	return best
}

// Median returns the host (hypervisor or Kubernetes node) whose impact set
// at DefaultDepth is the median among hosts: typically tens to hundreds.
func (c *CMDB) Median() string {
	type sized struct {
		key string
		n   int
	}
	hosts := make([]sized, len(c.hosts))
	for i, h := range c.hosts {
		hosts[i] = sized{h, c.ImpactSize(h, DefaultDepth)}
	}
	slices.SortFunc(hosts, func(a, b sized) int {
		return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.key, b.key))
	})
	return hosts[len(hosts)/2].key
}

// Hub returns the first core switch: every access switch connects to it,
// so a failure there reaches nearly the whole estate.
func (c *CMDB) Hub() string { return c.coreSwitches[0] }

// SAN returns the shared storage every host keeps its data on.
func (c *CMDB) SAN() string { return c.san }
