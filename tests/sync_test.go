package tests

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// TestIncrementalSync: lists of records filter on creation and
// modification time ranges and order by either, so a client can fetch
// only what changed since it last looked, oldest change first, across
// pages; an empty range is refused.
func TestIncrementalSync(t *testing.T) {
	e, w, team, _ := newChangeEnv(t, app.Limits{})
	iteam := newIncidentTeam(t, e)
	start, end := nowWindow()

	var incs []incidentData
	for i := range 4 {
		inc, _ := e.createIncident(t, iteam.agent, map[string]any{"shortDescription": fmt.Sprintf("sync %d", i), "callerId": subjCaller, "impact": "LOW", "urgency": "LOW",
			"assignmentGroupId": iteam.deskID})
		incs = append(incs, inc)
	}
	chg := e.createChange(t, team.requester, normalChange("sync change", w.idsOf(t, "cache"), start, end))
	time.Sleep(20 * time.Millisecond)
	since := time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(20 * time.Millisecond)
	// Modify two incidents, the later-created first.
	for _, i := range []int{2, 0} {
		e.transitionIncident(t, iteam.agent, incs[i], "IN_PROGRESS", nil)
		time.Sleep(5 * time.Millisecond)
	}

	type page struct {
		Incidents struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	const q = `query($f: IncidentFilter, $o: TimeOrder, $after: String) {
  incidents(filter: $f, orderBy: $o, first: 1, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`
	var got []string
	var after any
	for range 5 {
		var p page
		e.ok(t, e.analyst, q, map[string]any{"f": map[string]any{"updated": map[string]any{"from": since}},
			"o": map[string]any{"field": "UPDATED_AT", "direction": "ASC"}, "after": after}, &p)
		for _, ed := range p.Incidents.Edges {
			got = append(got, ed.Node.ID)
		}
		if p.Incidents.TotalCount != 2 {
			t.Errorf("totalCount %d, want the 2 modified", p.Incidents.TotalCount)
		}
		if !p.Incidents.PageInfo.HasNextPage {
			break
		}
		after = p.Incidents.PageInfo.EndCursor
	}
	if want := []string{incs[2].ID, incs[0].ID}; !slices.Equal(got, want) {
		t.Errorf("modified since %s, oldest change first: %v, want %v", since, got, want)
	}

	var created struct {
		Incidents struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Changes struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	e.ok(t, e.analyst, `query($r: TimeRange) {
  incidents(filter: {created: $r}, orderBy: {field: CREATED_AT, direction: ASC}) { edges { node { id } } }
  changes(filter: {created: $r}) { edges { node { id } } } }`, map[string]any{"r": map[string]any{"before": since}}, &created)
	var ids []string
	for _, ed := range created.Incidents.Edges {
		ids = append(ids, ed.Node.ID)
	}
	if want := []string{incs[0].ID, incs[1].ID, incs[2].ID, incs[3].ID}; !slices.Equal(ids, want) {
		t.Errorf("created before %s, oldest first: %v, want %v", since, ids, want)
	}
	if len(created.Changes.Edges) != 1 || created.Changes.Edges[0].Node.ID != chg.ID {
		t.Errorf("changes created before %s: %+v", since, created.Changes.Edges)
	}
	var none struct {
		Changes struct{ TotalCount int }
	}
	e.ok(t, e.analyst, `query($r: TimeRange) { changes(filter: {updated: $r}) { totalCount } }`, map[string]any{"r": map[string]any{"from": since}}, &none)
	if none.Changes.TotalCount != 0 {
		t.Errorf("changes modified since %s: %d, want 0", since, none.Changes.TotalCount)
	}

	var svc struct {
		Before, After struct{ TotalCount int }
	}
	e.ok(t, e.analyst, `query($r: TimeRange, $s: TimeRange) { before: services(filter: {created: $r}) { totalCount } after: services(filter: {updated: $s}) { totalCount } }`,
		map[string]any{"r": map[string]any{"before": since}, "s": map[string]any{"from": since}}, &svc)
	if svc.Before.TotalCount == 0 || svc.After.TotalCount != 0 {
		t.Errorf("services created before %s: %d, modified since: %d; want the world's services, then none", since, svc.Before.TotalCount, svc.After.TotalCount)
	}

	var ref struct {
		UnitsBefore, UnitsAfter, UsersAfter, GroupsBefore, SLAsAfter, OLAsAfter, BaselinesAfter struct{ TotalCount int }
	}
	e.ok(t, e.admin, `query($b: TimeRange, $a: TimeRange) {
  unitsBefore: businessUnits(created: $b) { totalCount } unitsAfter: businessUnits(created: $a) { totalCount }
  usersAfter: users(created: $a) { totalCount } groupsBefore: groups(created: $b) { totalCount }
  slasAfter: slas(updated: $a) { totalCount } olasAfter: olas(created: $a) { totalCount } baselinesAfter: baselines(created: $a) { totalCount } }`,
		map[string]any{"b": map[string]any{"before": since}, "a": map[string]any{"from": since}}, &ref)
	if ref.UnitsBefore.TotalCount == 0 || ref.GroupsBefore.TotalCount == 0 {
		t.Errorf("units and groups created before %s: %+v, want the world's", since, ref)
	}
	if ref.UnitsAfter.TotalCount+ref.UsersAfter.TotalCount+ref.SLAsAfter.TotalCount+ref.OLAsAfter.TotalCount+ref.BaselinesAfter.TotalCount != 0 {
		t.Errorf("reference records created or modified since %s: %+v, want none", since, ref)
	}

	// Lists ordered by name otherwise take an order by time, paged by
	// cursor: groups named against their order of creation.
	var made []string
	for _, name := range []string{"sync-c", "sync-b", "sync-a"} {
		made = append(made, e.createGroup(t, name))
		time.Sleep(2 * time.Millisecond)
	}
	groupsBy := func(dir string, after any) (ids []string, end string, more bool) {
		var out struct {
			Groups struct {
				Edges    []struct{ Node struct{ ID string } }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		e.ok(t, e.admin, `query($o: TimeOrder, $after: String) { groups(orderBy: $o, first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"o": map[string]any{"field": "CREATED_AT", "direction": dir}, "after": after}, &out)
		for _, ed := range out.Groups.Edges {
			ids = append(ids, ed.Node.ID)
		}
		return ids, out.Groups.PageInfo.EndCursor, out.Groups.PageInfo.HasNextPage
	}
	pageAll := func(dir string) []string {
		var all []string
		var after any
		for range 20 {
			ids, end, more := groupsBy(dir, after)
			all = append(all, ids...)
			if !more {
				break
			}
			after = end
		}
		return all
	}
	asc, desc := pageAll("ASC"), pageAll("DESC")
	slices.Reverse(desc)
	if len(asc) < 4 || !slices.Equal(asc, desc) || !slices.Equal(asc[len(asc)-3:], made) {
		t.Errorf("groups by creation, oldest first %v; newest first, reversed, %v", asc, desc)
	}
	e.fail(t, e.admin, `{ users(orderBy: {field: UPDATED_AT}) { totalCount } }`, nil, "BAD_USER_INPUT")
	e.ok(t, e.admin, `{ slas(orderBy: {field: UPDATED_AT, direction: ASC}) { totalCount } olas(orderBy: {field: CREATED_AT}) { totalCount } }`, nil, nil)

	for name, query := range map[string]string{
		"groups":             `{ groups(created: {from: "2026-02-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}) { totalCount } }`,
		"slas":               `{ slas(updated: {from: "2026-02-01T00:00:00Z", before: "2026-02-01T00:00:00Z"}) { totalCount } }`,
		"services":           `{ services(filter: {updated: {from: "2026-02-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}}) { totalCount } }`,
		"knowledgeArticles":  `{ knowledgeArticles(filter: {updated: {from: "2026-02-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}}) { totalCount } }`,
		"incidents":          `{ incidents(filter: {updated: {from: "2026-02-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}}) { totalCount } }`,
		"configurationItems": `{ configurationItems(filter: {created: {from: "2026-01-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}}) { totalCount } }`,
		"problems":           `{ problems(filter: {updated: {from: "2026-02-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}}) { totalCount } }`,
	} {
		t.Run("empty range on "+name, func(t *testing.T) { e.fail(t, e.analyst, query, nil, "BAD_USER_INPUT") })
	}
}

// historyIDs pages through an item's history with one entry per page and
// returns the entries' ids and the total the last page gave.
func historyIDs(t *testing.T, e *env, token, id string, vars map[string]any) (ids []string, total int) {
	t.Helper()
	var after any
	for range 20 {
		var out struct {
			Node struct {
				History struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
					PageInfo   struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		vars["id"], vars["after"] = id, after
		e.ok(t, token, `query($id: ID!, $r: TimeRange, $o: TimeOrder, $after: String) { node(id: $id) {
  ... on ConfigurationItem { history(created: $r, orderBy: $o, first: 1, after: $after) { ...H } }
  ... on Service { history(created: $r, orderBy: $o, first: 1, after: $after) { ...H } } } }
fragment H on CIHistoryConnection { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } }`, vars, &out)
		for _, ed := range out.Node.History.Edges {
			ids = append(ids, ed.Node.ID)
		}
		total = out.Node.History.TotalCount
		if !out.Node.History.PageInfo.HasNextPage {
			break
		}
		after = out.Node.History.PageInfo.EndCursor
	}
	return ids, total
}

// TestHistoriesAndArticlesOrderAndRange: the history of a CI or catalogue
// item takes a range on when entries were recorded and lists them oldest
// first on request, its derived creation entry included, across pages;
// knowledge articles list oldest modified first on request.
func TestHistoriesAndArticlesOrderAndRange(t *testing.T) {
	e := newEnv(t, app.Limits{})
	w := newWorld(t, e)
	before := time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(20 * time.Millisecond)
	quiet := e.createCI(t, map[string]any{"name": "sync-quiet", "type": "SERVER"})
	ci := e.createCI(t, map[string]any{"name": "sync-0", "type": "SERVER"})
	var mid string
	for i := 1; i <= 3; i++ {
		if i == 2 {
			time.Sleep(20 * time.Millisecond)
			mid = time.Now().UTC().Format(time.RFC3339Nano)
			time.Sleep(20 * time.Millisecond)
		}
		ci = e.updateCI(t, map[string]any{"id": ci.ID, "expectedVersion": ci.Version, "name": fmt.Sprintf("sync-%d", i)})
	}
	asc := map[string]any{"field": "CREATED_AT", "direction": "ASC"}
	newest, total := historyIDs(t, e, e.analyst, ci.ID, map[string]any{})
	if len(newest) != 4 || total != 4 {
		t.Fatalf("history of %s: %v (total %d), want its creation and 3 updates", ci.ID, newest, total)
	}
	oldest, _ := historyIDs(t, e, e.analyst, ci.ID, map[string]any{"o": asc})
	slices.Reverse(oldest)
	if !slices.Equal(oldest, newest) {
		t.Errorf("oldest first, reversed: %v; newest first: %v", oldest, newest)
	}
	if got, total := historyIDs(t, e, e.analyst, ci.ID, map[string]any{"r": map[string]any{"from": mid}, "o": asc}); !slices.Equal(got, []string{newest[1], newest[0]}) || total != 2 {
		t.Errorf("recorded since %s, oldest first: %v (total %d), want %v", mid, got, total, []string{newest[1], newest[0]})
	}

	// A CI never modified has a derived creation entry: in range or not.
	for _, c := range []struct {
		name string
		r    map[string]any
		want int
	}{
		{"whole", nil, 1}, {"since before it", map[string]any{"from": before}, 1}, {"before it", map[string]any{"before": before}, 0}, {"since mid", map[string]any{"from": mid}, 0},
	} {
		if got, total := historyIDs(t, e, e.analyst, quiet.ID, map[string]any{"r": c.r, "o": asc}); len(got) != c.want || total != c.want {
			t.Errorf("quiet CI's history %s: %v (total %d), want %d", c.name, got, total, c.want)
		}
	}

	svc := w.createService(t, w.owner, map[string]any{"kind": "TECHNICAL", "name": "sync service"})
	svc = w.updateService(t, map[string]any{"id": svc.ID, "expectedVersion": svc.Version, "status": "LIVE"})
	w.updateService(t, map[string]any{"id": svc.ID, "expectedVersion": svc.Version, "name": "sync service 2"})
	newest, _ = historyIDs(t, e, e.analyst, svc.ID, map[string]any{})
	oldest, _ = historyIDs(t, e, e.analyst, svc.ID, map[string]any{"o": asc})
	slices.Reverse(oldest)
	if len(newest) != 3 || !slices.Equal(oldest, newest) {
		t.Errorf("service history oldest first, reversed: %v; newest first: %v", oldest, newest)
	}
	e.fail(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history(orderBy: {field: UPDATED_AT}) { totalCount } } }`, map[string]any{"id": ci.ID}, "BAD_USER_INPUT")
	e.fail(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history(created: {from: "2026-02-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}) { totalCount } } }`, map[string]any{"id": ci.ID}, "BAD_USER_INPUT")
	e.fail(t, e.analyst, `query($id: ID!, $after: String) { configurationItem(id: $id) { history(orderBy: {direction: ASC}, after: $after) { totalCount } } }`,
		map[string]any{"id": ci.ID, "after": cursorOf(t, e, ci.ID)}, "BAD_USER_INPUT")

	team := kbTeam{author: e.mint(t, subjKBAuthor, auth.Agent), manager: e.mint(t, subjKBManager, auth.KnowledgeManager)}
	var arts []string
	for i := range 3 {
		a, _ := e.createArticle(t, team.author, map[string]any{"title": fmt.Sprintf("sync article %d", i)})
		arts = append(arts, a.ID)
		time.Sleep(5 * time.Millisecond)
	}
	articles := func(order any) []string {
		var out struct {
			KnowledgeArticles struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		e.ok(t, team.manager, `query($o: TimeOrder) { knowledgeArticles(orderBy: $o, first: 100) { edges { node { id } } } }`, map[string]any{"o": order}, &out)
		var ids []string
		for _, ed := range out.KnowledgeArticles.Edges {
			if slices.Contains(arts, ed.Node.ID) {
				ids = append(ids, ed.Node.ID)
			}
		}
		return ids
	}
	reversed := slices.Clone(arts)
	slices.Reverse(reversed)
	if got := articles(nil); !slices.Equal(got, reversed) {
		t.Errorf("articles, last modified first: %v, want %v", got, reversed)
	}
	if got := articles(map[string]any{"field": "UPDATED_AT", "direction": "ASC"}); !slices.Equal(got, arts) {
		t.Errorf("articles, oldest modified first: %v, want %v", got, arts)
	}
	e.fail(t, team.manager, `{ knowledgeArticles(orderBy: {field: CREATED_AT}) { totalCount } }`, nil, "BAD_USER_INPUT")
}

// cursorOf is the cursor of the first entry of a CI's history, newest first.
func cursorOf(t *testing.T, e *env, id string) string {
	t.Helper()
	var out struct {
		ConfigurationItem struct {
			History struct{ Edges []struct{ Cursor string } }
		}
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history(first: 1) { edges { cursor } } } }`, map[string]any{"id": id}, &out)
	if len(out.ConfigurationItem.History.Edges) == 0 {
		t.Fatalf("no history for %s", id)
	}
	return out.ConfigurationItem.History.Edges[0].Cursor
}
