package tests

import (
	"slices"
	"testing"

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
