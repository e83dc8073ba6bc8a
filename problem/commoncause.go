package problem

import (
	"math/bits"
	"slices"
	"strings"
)

// Upstream is the part of the graph above the CIs of a window's incidents
// that a walk of some depth reaches: what the common causes are found in.
type Upstream struct {
	// Read is how many incidents of the window were read, with CIs or
	// without; the store reads at most as many as it is asked for.
	Read int
	// Incidents lists, for each CI of the window's incidents, the
	// incidents on it.
	Incidents map[string][]string
	// Parents lists, for each item reached short of the depth, the items
	// that impact it directly.
	Parents map[string][]string
}

// incidentSet is a set of incidents as bits, by their index in a sorted
// list: a walk up from two thousand incidents merges sets at every step,
// and words merge far faster than maps.
type incidentSet []uint64

func newIncidentSet(n int) incidentSet { return make(incidentSet, (n+63)/64) }

func (s incidentSet) add(i int) { s[i/64] |= 1 << (i % 64) }

func (s incidentSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

func (s incidentSet) members(ids []string) []string {
	out := make([]string, 0, s.count())
	for w, word := range s {
		for word != 0 {
			out = append(out, ids[w*64+bits.TrailingZeros64(word)])
			word &= word - 1
		}
	}
	return out
}

// key is the set as a string, to compare sets by.
func (s incidentSet) key() string {
	var b strings.Builder
	for _, w := range s {
		for range 8 {
			b.WriteByte(byte(w))
			w >>= 8
		}
	}
	return b.String()
}

// reached is an item upstream of the CIs of some incidents.
type reached struct {
	id        string
	incidents incidentSet
	count     int
	// distance sums the steps to each incident.
	distance int
}

// sharedCauses finds every item within depth steps upstream of the CIs of
// at least min incidents, and how far: an incident's distance to an item is
// from the nearest of its CIs. The walk goes up one level at a time, each
// item passing on only the incidents that first reached it at the level
// before, so an incident's first arrival at an item is its shortest
// distance. The items need not be CIs: the store knows which are. ids are
// the incidents, sorted, that the sets index. Items are numbered and the
// sets of what reached them cut from one array: a walk over thousands of
// items would otherwise spend its time allocating.
func sharedCauses(up Upstream, depth, min int) (found []reached, ids []string) {
	for _, on := range up.Incidents {
		ids = append(ids, on...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	incident := make(map[string]int, len(ids))
	for i, id := range ids {
		incident[id] = i
	}
	var items []string
	number := map[string]int{}
	numberOf := func(id string) int {
		n, ok := number[id]
		if !ok {
			n = len(items)
			number[id] = n
			items = append(items, id)
		}
		return n
	}
	parents := map[int][]int{}
	for id, ps := range up.Parents {
		n := numberOf(id)
		for _, p := range ps {
			parents[n] = append(parents[n], numberOf(p))
		}
	}
	for ci := range up.Incidents {
		numberOf(ci)
	}
	words := (len(ids) + 63) / 64
	// Every item keeps the incidents that reached it; the items reached at
	// the last level keep as well those that first reached them there.
	seen := make([]uint64, len(items)*words)
	set := func(n int) incidentSet { return seen[n*words : (n+1)*words] }
	distance := make([]int, len(items))
	fresh := map[int]incidentSet{}
	for ci, on := range up.Incidents {
		n := number[ci]
		for _, id := range on {
			set(n).add(incident[id])
		}
		fresh[n] = slices.Clone(set(n))
	}
	for level := 1; level <= depth && len(fresh) > 0; level++ {
		next := map[int]incidentSet{}
		for n, from := range fresh {
			for _, p := range parents[n] {
				to, ok := next[p]
				if !ok {
					to = newIncidentSet(len(ids))
					next[p] = to
				}
				for w := range to {
					to[w] |= from[w]
				}
			}
		}
		for p, n := range next {
			s := set(p)
			for w := range n {
				n[w] &^= s[w]
				s[w] |= n[w]
			}
			if c := n.count(); c > 0 {
				distance[p] += level * c
			} else {
				delete(next, p)
			}
		}
		fresh = next
	}
	for n, id := range items {
		s := set(n)
		if c := s.count(); c >= min {
			found = append(found, reached{id: id, incidents: s, count: c, distance: distance[n]})
		}
	}
	return found, ids
}

// explanations finds, for each shared CI, a shortest walk down from it to
// the nearest CI of each of its first perShared incidents, in the part of
// the graph the walk up read: a search down from each shared CI, children
// in id order, so that the same graph always gives the same walks. Each
// walk comes as the items from the shared CI down to the incident's CI.
func explanations(up Upstream, shared []Shared, depth, perShared int) map[string][]walk {
	children := map[string][]string{}
	for item, ps := range up.Parents {
		for _, p := range ps {
			children[p] = append(children[p], item)
		}
	}
	for _, cs := range children {
		slices.Sort(cs)
	}
	cisOf := map[string][]string{}
	for ci, on := range up.Incidents {
		for _, id := range on {
			cisOf[id] = append(cisOf[id], ci)
		}
	}
	out := make(map[string][]walk, len(shared))
	for _, s := range shared {
		from := map[string]string{s.CIID: ""}
		dist := map[string]int{s.CIID: 0}
		for level, frontier := 0, []string{s.CIID}; level < depth && len(frontier) > 0; level++ {
			var next []string
			for _, item := range frontier {
				for _, c := range children[item] {
					if _, ok := dist[c]; !ok {
						dist[c], from[c] = level+1, item
						next = append(next, c)
					}
				}
			}
			frontier = next
		}
		for _, incident := range s.IncidentIDs[:min(perShared, len(s.IncidentIDs))] {
			best := ""
			for _, ci := range cisOf[incident] {
				d, ok := dist[ci]
				if ok && (best == "" || d < dist[best] || d == dist[best] && ci < best) {
					best = ci
				}
			}
			if best == "" {
				continue
			}
			w := walk{incident: incident, items: []string{best}}
			for at := best; from[at] != ""; at = from[at] {
				w.items = append(w.items, from[at])
			}
			slices.Reverse(w.items)
			out[s.CIID] = append(out[s.CIID], w)
		}
	}
	return out
}

// walk is how a shared CI reaches an incident: the items from the shared CI
// down to the incident's CI.
type walk struct {
	incident string
	items    []string
}
