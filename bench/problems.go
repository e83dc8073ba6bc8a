package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/cmdb"
)

// problemIncidents is how many incidents the problem-management rows open
// in their window, each on one CI spread evenly over the estate.
const problemIncidents = 2000

// nearDepth and candidateDepth are the depths the rows ask for.
const (
	nearDepth      = 5
	candidateDepth = 3
)

// problemModifications is how many CIs, spread evenly over the estate,
// are modified before changesNear is timed: an imported estate has no
// history of its own.
const problemModifications = 2000

const (
	createIncidentMutation = `mutation($in: CreateIncidentInput!) { createIncident(input: $in) { incident { id } } }`
	ciVersionQuery         = `query($id: ID!) { configurationItem(id: $id) { version } }`
	updateCIMutation       = `mutation($in: UpdateConfigurationItemInput!) { updateConfigurationItem(input: $in) { configurationItem { id } } }`
)

// openIncidents opens n incidents through the API on CIs taken at even
// steps from ciIDs.
func (b *bench) openIncidents(ctx context.Context, g *graphqlClient, ciIDs []string, n int) error {
	return spread(ciIDs, n, func(i int, ci string) error {
		_, err := g.post(ctx, createIncidentMutation, map[string]any{"in": map[string]any{
			"shortDescription": fmt.Sprintf("bench incident %d", i), "impact": "MEDIUM", "urgency": "MEDIUM",
			"configurationItemIds": []string{ci}}})
		return err
	})
}

const dependenciesQuery = `query($id: ID!, $depth: Int!) { dependencies(id: $id, depth: $depth) { items { kind item { id } } } }`

// nearStartCIs are the CIs the start depends on within nearDepth steps:
// what a failing CI's incident would suspect first. Modifying them too
// gives changesNear an answer to rank (the median start depends on a
// handful of CIs, which the even spread may miss).
func nearStartCIs(ctx context.Context, g *graphqlClient, start string) ([]string, error) {
	data, err := g.post(ctx, dependenciesQuery, map[string]any{"id": start, "depth": nearDepth})
	if err != nil {
		return nil, err
	}
	var r struct {
		Dependencies struct {
			Items []struct {
				Kind string
				Item struct{ ID string }
			}
		}
	}
	if err := decodeData(data, &r); err != nil {
		return nil, err
	}
	out := []string{start}
	for _, it := range r.Dependencies.Items {
		if it.Kind == "CONFIGURATION_ITEM" {
			out = append(out, it.Item.ID)
		}
	}
	return out, nil
}

// modifyCIs modifies n CIs taken at even steps from ciIDs through the API,
// without a change: each records a modification in the CI's history.
func (b *bench) modifyCIs(ctx context.Context, g *graphqlClient, ciIDs []string, n int) error {
	return spread(ciIDs, n, func(i int, ci string) error {
		data, err := g.post(ctx, ciVersionQuery, map[string]any{"id": ci})
		if err != nil {
			return err
		}
		var r struct {
			ConfigurationItem struct{ Version int } `json:"configurationItem"`
		}
		if err := decodeData(data, &r); err != nil {
			return err
		}
		data, err = g.post(ctx, updateCIMutation, map[string]any{"in": map[string]any{
			"id": ci, "expectedVersion": r.ConfigurationItem.Version, "description": fmt.Sprintf("bench modification %d", i)}})
		if err == nil {
			err = decodeData(data, &r)
		}
		return err
	})
}

// spread calls do, four at a time, for n CIs taken at even steps from
// ciIDs (sorted), and returns the first error.
func spread(ciIDs []string, n int, do func(i int, ci string) error) error {
	ids := slices.Sorted(slices.Values(ciIDs))
	return fourAtATime(n, func(i int) error { return do(i, ids[i*len(ids)/n]) })
}

// fourAtATime runs do for 0..n-1 on four workers and returns the first
// error.
func fourAtATime(n int, do func(i int) error) error {
	work := make(chan int)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := do(i); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

const changesNearRead = `query($id: ID!, $depth: Int!) {
  changesNear(ciId: $id, maxDepth: $depth) { rank kind at distance reason item { id name } path { id } historyEntry { id } } }`

// rawChangesNear is the same answer as one statement: every item up to
// $depth steps upstream by a shortest walk, what changed on each in the
// window, nearest and newest first.
var rawChangesNear = strings.ReplaceAll(`MATCH (s:Item {id: $id})
MATCH p = ANY SHORTEST (s)<-[:IMPACTS]-{0,$$DEPTH}(x:Item)
WITH x, length(p) AS distance, [r IN relationships(p) | r.rel] AS path
CALL (x) {
  MATCH (x)-[:HAS_HISTORY]->(h:CIHistory) WHERE h.at >= $from AND h.at <= $to
  RETURN h.id AS event, h.at AS at
  UNION
  MATCH (c:Change)-[:TARGETS]->(x)
  MATCH (c)-[:HAS_TRANSITION]->(t:ChangeTransition) WHERE t.to IN $states AND t.at >= $from AND t.at <= $to
  RETURN c.id AS event, t.at AS at
}
RETURN x.id AS id, x.name AS name, distance, path, event, at ORDER BY distance, at DESC, id LIMIT 20`, "$$DEPTH", fmt.Sprint(nearDepth))

const candidatesRead = `query($min: Int!, $depth: Int!) {
  problemCandidates(minIncidents: $min, maxDepth: $depth) {
    rank incidentCount fanout configurationItem { id name } incidents { incident { id } configurationItem { id } path { id } } } }`

// rawCandidates is the same answer as one statement: the window's
// incidents grouped by CI, a shortest walk up from each CI, the shared CIs
// of at least $min incidents, one per set of incidents (the best ranked),
// and a shortest path from each to each incident's CIs.
var rawCandidates = strings.ReplaceAll(`MATCH (i:Incident) WHERE i.createdAt >= $from AND i.createdAt <= $to
MATCH (i)-[:AFFECTS]->(c:CI)
WITH c, collect(DISTINCT i.id) AS incidents
MATCH p = ANY SHORTEST (c)<-[:IMPACTS]-{0,$$DEPTH}(x:CI)
WITH x, length(p) AS distance, incidents
UNWIND incidents AS incident
WITH x, incident, min(distance) AS distance ORDER BY incident
WITH x, collect(incident) AS incidents, sum(distance) AS distance
WHERE size(incidents) >= $min
WITH x, incidents, distance, COUNT { (x)-[:IMPACTS]->() } AS fanout
ORDER BY size(incidents) DESC, distance, fanout, x.id
WITH incidents, collect([x, distance, fanout])[0] AS best
WITH best[0] AS x, incidents, best[1] AS distance, best[2] AS fanout
ORDER BY size(incidents) DESC, distance, fanout, x.id LIMIT 20
CALL (x, incidents) {
  UNWIND incidents[..20] AS incident
  MATCH (:Incident {id: incident})-[:AFFECTS]->(c:CI)
  MATCH p = SHORTEST 1 (x)-[:IMPACTS]->{0,$$DEPTH}(c)
  RETURN collect([incident, c.id, [r IN relationships(p) | r.rel]]) AS why
}
RETURN x.id AS id, x.name AS name, incidents, why`, "$$DEPTH", fmt.Sprint(candidateDepth))

// problemCases are the problem-management rows: what changed near the
// median start, and the problem candidates of the window.
func problemCases(median string) []readCase {
	// Both questions look back over their default window, the last 7 days.
	now := time.Now().UTC()
	window := map[string]any{"from": now.Add(-7 * 24 * time.Hour), "to": now.Add(time.Minute), "states": []string{"IMPLEMENTING", "IMPLEMENTED", "FAILED"}}
	list := func(field string) func(data []byte) (int, error) {
		return func(data []byte) (int, error) {
			var r map[string][]map[string]any
			err := decodeData(data, &r)
			return len(r[field]), err
		}
	}
	rows := func(recs [][]*driver.Record) int { return len(recs[0]) }
	nearParams := map[string]any{"id": median}
	candParams := map[string]any{"min": int64(3)}
	for k, v := range window {
		nearParams[k], candParams[k] = v, v
	}
	return []readCase{
		{name: fmt.Sprintf("changesNear the median start, depth %d", nearDepth), query: changesNearRead,
			vars: map[string]any{"id": median, "depth": nearDepth}, raw: []string{rawChangesNear}, params: nearParams,
			rows: list("changesNear"), rawRows: rows},
		{name: fmt.Sprintf("problemCandidates of %d incidents, depth %d", problemIncidents, candidateDepth), query: candidatesRead,
			vars: map[string]any{"min": 3, "depth": candidateDepth}, raw: []string{rawCandidates}, params: candParams,
			rows: list("problemCandidates"), rawRows: rows},
	}
}

// ciIDsOf lists the ids of idOf (external id to id).
func ciIDsOf(idOf map[string]string) []string {
	out := make([]string, 0, len(idOf))
	for _, id := range idOf {
		if strings.HasPrefix(id, cmdb.CIPrefix) {
			out = append(out, id)
		}
	}
	return out
}
