package tests

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/limits"
)

const taskQueueQuery = `query($g: ID, $s: [RequestTaskState!], $first: Int, $after: String) {
  requestTaskQueue(groupId: $g, states: $s, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id state groupId requestId request { number } } } } }`

// queue reads token's task queue as the requests' numbers, in order.
func (rt *requestTeam) queue(t testing.TB, token string, vars map[string]any) (numbers []string, total int, next string) {
	t.Helper()
	var out struct {
		RequestTaskQueue struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Node struct {
					ID, State, GroupID, RequestID string
					Request                       *struct{ Number string }
				}
			}
		} `json:"requestTaskQueue"`
	}
	rt.e.ok(t, token, taskQueueQuery, vars, &out)
	numbers = []string{}
	for _, e := range out.RequestTaskQueue.Edges {
		if e.Node.Request == nil || e.Node.RequestID == "" {
			t.Fatalf("task %s without its request", e.Node.ID)
		}
		numbers = append(numbers, e.Node.Request.Number)
	}
	if out.RequestTaskQueue.PageInfo.HasNextPage {
		next = out.RequestTaskQueue.PageInfo.EndCursor
	}
	return numbers, out.RequestTaskQueue.TotalCount, next
}

// TestRequestTaskQueues: a fulfilment group works its queue, oldest first,
// each task with its request; another group's queue stays out of reach;
// finished tasks leave the default queue. Service owners list every
// request, by state and item; requesters may not.
func TestRequestTaskQueues(t *testing.T) {
	rt := newRequestTeam(t)
	e := rt.e
	vpn := func(token string) requestData {
		return rt.submit(t, token, map[string]any{"itemId": rt.vpn, "quantity": 1})
	}
	r1, r2, r3 := vpn(rt.rita), vpn(rt.rita), vpn(rt.otto)
	for _, r := range []requestData{r1, r2, r3} {
		if r.State != "IN_FULFILMENT" {
			t.Fatalf("%s is %s", r.Number, r.State)
		}
	}
	want := []string{r1.Number, r2.Number, r3.Number}
	if got, total, _ := rt.queue(t, rt.dan, nil); !slices.Equal(got, want) || total != 3 {
		t.Fatalf("the desk's queue: %v (total %d), want %v", got, total, want)
	}
	// Page by page, in the same order.
	var paged []string
	after := any(nil)
	for range 4 {
		got, _, next := rt.queue(t, rt.dan, map[string]any{"first": 1, "after": after})
		paged = append(paged, got...)
		if next == "" {
			break
		}
		after = next
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("paged %v, want %v", paged, want)
	}
	// The vendor has nothing, and may not read the desk's queue; the
	// service owner may.
	if got, total, _ := rt.queue(t, rt.vic, nil); len(got) != 0 || total != 0 {
		t.Fatalf("the vendor's queue: %v", got)
	}
	e.fail(t, rt.vic, taskQueueQuery, map[string]any{"g": rt.deskID}, "FORBIDDEN")
	if got, _, _ := rt.queue(t, rt.owner, map[string]any{"g": rt.deskID}); !slices.Equal(got, want) {
		t.Fatalf("the owner's view of the desk's queue: %v", got)
	}
	e.fail(t, rt.dan, taskQueueQuery, map[string]any{"s": []string{"WAITING"}}, "BAD_USER_INPUT")

	rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": r1.Tasks[0].ID, "expectedVersion": r1.Version, "state": "DONE"})
	if got, _, _ := rt.queue(t, rt.dan, nil); !slices.Equal(got, want[1:]) {
		t.Fatalf("after one done: %v", got)
	}
	if got, _, _ := rt.queue(t, rt.dan, map[string]any{"s": []string{"DONE"}}); !slices.Equal(got, want[:1]) {
		t.Fatalf("done: %v", got)
	}

	const listQuery = `query($f: ServiceRequestFilter) { serviceRequests(filter: $f, first: 50) { totalCount edges { node { number state } } } }`
	list := func(f map[string]any) []string {
		t.Helper()
		var out struct {
			ServiceRequests struct {
				TotalCount int
				Edges      []struct {
					Node struct{ Number, State string }
				}
			} `json:"serviceRequests"`
		}
		e.ok(t, rt.owner, listQuery, map[string]any{"f": f}, &out)
		got := []string{}
		for _, e := range out.ServiceRequests.Edges {
			got = append(got, e.Node.Number)
		}
		if out.ServiceRequests.TotalCount != len(got) {
			t.Errorf("serviceRequests(%v): total %d, %d edges", f, out.ServiceRequests.TotalCount, len(got))
		}
		return got
	}
	if got := list(map[string]any{"states": []string{"IN_FULFILMENT"}}); !slices.Equal(got, []string{r3.Number, r2.Number}) {
		t.Errorf("in fulfilment: %v", got)
	}
	if got := list(map[string]any{"states": []string{"FULFILLED", "IN_FULFILMENT"}}); !slices.Equal(got, []string{r3.Number, r2.Number, r1.Number}) {
		t.Errorf("fulfilled or in fulfilment: %v", got)
	}
	if got := list(map[string]any{"itemId": rt.vpn}); !slices.Equal(got, []string{r3.Number, r2.Number, r1.Number}) {
		t.Errorf("vpn: %v", got)
	}
	if got := list(map[string]any{"itemId": rt.laptop}); len(got) != 0 {
		t.Errorf("laptop: %v", got)
	}
	e.fail(t, rt.rita, listQuery, nil, "FORBIDDEN")
}

// TestRequestInboxesReadOnce: an approver's inbox showing each request it
// decides, and a requester's own list, are one read transaction each: a
// server allowing one transaction per response serves both.
func TestRequestInboxesReadOnce(t *testing.T) {
	rt := newRequestTeam(t)
	for range 3 {
		rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()})
	}
	one := rt.e.sibling(t, app.Limits{Request: limits.Request{MaxTransactions: 1}})
	var inbox struct {
		MyApprovals struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Request *named
				}
			}
		}
	}
	one.ok(t, rt.fred, `{ myApprovals(first: 10) { totalCount edges { node { id request { id name: number state } } } } }`, nil, &inbox)
	if inbox.MyApprovals.TotalCount != 3 || len(inbox.MyApprovals.Edges) != 3 {
		t.Fatalf("fred's inbox: %+v", inbox.MyApprovals)
	}
	for _, e := range inbox.MyApprovals.Edges {
		if e.Node.Request == nil || e.Node.Request.Name == "" {
			t.Fatalf("an approval without its request: %+v", inbox.MyApprovals)
		}
	}
	var mine struct {
		MyRequests struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Item struct{ Name string }
				}
			}
		}
	}
	one.ok(t, rt.rita, `{ myRequests(first: 10) { totalCount edges { node { id number item { name } } } } }`, nil, &mine)
	if mine.MyRequests.TotalCount != 3 || len(mine.MyRequests.Edges) != 3 || mine.MyRequests.Edges[0].Node.Item.Name != "Laptop" {
		t.Fatalf("rita's requests: %+v", mine.MyRequests)
	}
}

// TestRequestListsOrderAndRange: the requester's list, the approver's inbox
// and the task queue take an order by time (either direction, paged by
// cursor) and ranges on when their records were opened or modified, as
// every list of records does.
func TestRequestListsOrderAndRange(t *testing.T) {
	rt := newRequestTeam(t)
	e := rt.e
	var laptops, vpns []requestData
	var mid string
	for i := range 3 {
		if i == 1 {
			time.Sleep(20 * time.Millisecond)
			mid = time.Now().UTC().Format(time.RFC3339Nano)
			time.Sleep(20 * time.Millisecond)
		}
		laptops = append(laptops, rt.submit(t, rt.rita, map[string]any{"itemId": rt.laptop, "answers": laptopAnswers()}))
		vpns = append(vpns, rt.submit(t, rt.rita, map[string]any{"itemId": rt.vpn, "quantity": 1}))
	}
	numbers := func(rs []requestData) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, r.Number)
		}
		return out
	}
	type edges struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct {
			Node struct {
				Number  string
				Request *struct{ Number string }
			}
		}
	}
	// read pages through one list with one item per page, as numbers.
	read := func(t *testing.T, token, field, args string, vars map[string]any) (got []string, total int) {
		t.Helper()
		decl := "$after: String"
		for v, typ := range map[string]string{"$o": "TimeOrder", "$c": "TimeRange", "$u": "TimeRange"} {
			if strings.Contains(args, v) {
				decl += ", " + v + ": " + typ
			}
		}
		q := `query(` + decl + `) { list: ` + field + `(` + args + `, first: 1, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { ` + map[bool]string{true: "number", false: "request { number }"}[field == "myRequests"] + ` } } } }`
		var after any
		for range 10 {
			var out struct{ List edges }
			vars["after"] = after
			e.ok(t, token, q, vars, &out)
			for _, ed := range out.List.Edges {
				if ed.Node.Request != nil {
					got = append(got, ed.Node.Request.Number)
				} else {
					got = append(got, ed.Node.Number)
				}
			}
			total = out.List.TotalCount
			if !out.List.PageInfo.HasNextPage {
				break
			}
			after = out.List.PageInfo.EndCursor
		}
		return got, total
	}
	asc := map[string]any{"field": "CREATED_AT", "direction": "ASC"}
	desc := map[string]any{"field": "CREATED_AT", "direction": "DESC"}
	all := []requestData{laptops[0], vpns[0], laptops[1], vpns[1], laptops[2], vpns[2]}
	reversed := numbers(all)
	slices.Reverse(reversed)
	for _, c := range []struct {
		name, token, field, args string
		vars                     map[string]any
		want                     []string
	}{
		{"my requests, oldest first", rt.rita, "myRequests", "orderBy: $o", map[string]any{"o": asc}, numbers(all)},
		{"my requests, newest first", rt.rita, "myRequests", "orderBy: $o", map[string]any{"o": desc}, reversed},
		{"my requests since mid", rt.rita, "myRequests", "orderBy: $o, created: $c", map[string]any{"o": asc, "c": map[string]any{"from": mid}}, numbers(all[2:])},
		{"inbox, oldest first", rt.fred, "myApprovals", "orderBy: $o", map[string]any{"o": asc}, numbers(laptops)},
		{"inbox, newest first", rt.fred, "myApprovals", "orderBy: $o", map[string]any{"o": desc}, []string{laptops[2].Number, laptops[1].Number, laptops[0].Number}},
		{"inbox opened before mid", rt.fred, "myApprovals", "created: $c", map[string]any{"c": map[string]any{"before": mid}}, numbers(laptops[:1])},
		{"queue, newest first", rt.dan, "requestTaskQueue", "orderBy: $o", map[string]any{"o": desc}, []string{vpns[2].Number, vpns[1].Number, vpns[0].Number}},
		{"queue opened since mid", rt.dan, "requestTaskQueue", "created: $c", map[string]any{"c": map[string]any{"from": mid}}, numbers(vpns[1:])},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, total := read(t, c.token, c.field, c.args, c.vars); !slices.Equal(got, c.want) || total != len(c.want) {
				t.Errorf("%v (total %d), want %v", got, total, c.want)
			}
		})
	}

	// A task modified since a time comes back alone from the queue's
	// modification range, and first in an order by modification time.
	time.Sleep(20 * time.Millisecond)
	since := time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(20 * time.Millisecond)
	rt.write(t, rt.dan, updateTaskMutation, "updateRequestTask", map[string]any{"taskId": vpns[0].Tasks[0].ID, "expectedVersion": vpns[0].Version, "state": "IN_PROGRESS"})
	if got, total := read(t, rt.dan, "requestTaskQueue", "updated: $u", map[string]any{"u": map[string]any{"from": since}}); !slices.Equal(got, numbers(vpns[:1])) || total != 1 {
		t.Errorf("tasks modified since %s: %v (total %d)", since, got, total)
	}
	if got, _ := read(t, rt.dan, "requestTaskQueue", "orderBy: $o", map[string]any{"o": map[string]any{"field": "UPDATED_AT", "direction": "DESC"}}); len(got) != 3 || got[0] != vpns[0].Number {
		t.Errorf("tasks, last modified first: %v", got)
	}
	if got, _ := read(t, rt.rita, "myRequests", "orderBy: $o", map[string]any{"o": map[string]any{"field": "UPDATED_AT", "direction": "DESC"}}); len(got) != 6 || got[0] != vpns[0].Number {
		t.Errorf("my requests, last modified first: %v", got)
	}

	for name, q := range map[string]string{
		"inbox by modification":   `{ myApprovals(orderBy: {field: UPDATED_AT}) { totalCount } }`,
		"empty range on inbox":    `{ myApprovals(created: {from: "2026-02-01T00:00:00Z", before: "2026-01-01T00:00:00Z"}) { totalCount } }`,
		"empty range on queue":    `{ requestTaskQueue(updated: {from: "2026-02-01T00:00:00Z", before: "2026-02-01T00:00:00Z"}) { totalCount } }`,
		"cursor of another order": `{ myRequests(orderBy: {direction: ASC}, after: "eyJ2IjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJpIjoieCIsInMiOiJteVJlcXVlc3RzOmNyZWF0ZWRBdDpkZXNjQHRpbWUifQ") { totalCount } }`,
	} {
		t.Run(name, func(t *testing.T) { e.fail(t, rt.dan, q, nil, "BAD_USER_INPUT") })
	}
}
