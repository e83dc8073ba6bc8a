package tests

import (
	"cmp"
	"slices"
	"strconv"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

const listQuery = `
query($filter: ConfigurationItemFilter, $orderBy: ConfigurationItemOrder, $first: Int, $after: String) {
  configurationItems(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
  }
}`

type listPage struct {
	TotalCount int      `json:"totalCount"`
	PageInfo   pageInfo `json:"pageInfo"`
	Edges      []struct {
		Cursor string `json:"cursor"`
		Node   named  `json:"node"`
	} `json:"edges"`
}

func (e *env) list(t testing.TB, vars map[string]any) listPage {
	t.Helper()
	var out struct {
		ConfigurationItems listPage `json:"configurationItems"`
	}
	e.ok(t, e.analyst, listQuery, vars, &out)
	return out.ConfigurationItems
}

func (p listPage) names() []string {
	out := []string{}
	for _, ed := range p.Edges {
		out = append(out, ed.Node.Name)
	}
	return out
}

func (p listPage) ids() []string {
	out := []string{}
	for _, ed := range p.Edges {
		out = append(out, ed.Node.ID)
	}
	return out
}

// TestListCIsFiltersAndOrder: every filter of configurationItems, alone and
// combined, with exact results and counts, and every order.
func TestListCIsFiltersAndOrder(t *testing.T) {
	e := newEnv(t, app.Limits{})
	alpha := e.createGroup(t, "Alpha Team")
	beta := e.createGroup(t, "Beta Team")
	attrs := func(kv ...string) []map[string]any {
		var out []map[string]any
		for i := 0; i < len(kv); i += 2 {
			out = append(out, map[string]any{"key": kv[i], "value": kv[i+1]})
		}
		return out
	}
	inputs := []map[string]any{
		{"name": "web-frontend", "type": "APPLICATION", "status": "ACTIVE", "criticality": "HIGH", "ownerGroupId": alpha, "attributes": attrs("os", "linux", "tier", "web")},
		{"name": "web-backend", "type": "APPLICATION", "status": "ACTIVE", "environment": "STAGING", "ownerGroupId": alpha, "attributes": attrs("os", "linux")},
		{"name": "orders-db", "type": "DATABASE", "status": "ACTIVE", "criticality": "CRITICAL", "ownerGroupId": beta, "attributes": attrs("os", "windows")},
		{"name": "reports-db", "type": "DATABASE", "environment": "DEVELOPMENT", "criticality": "LOW"},
		{"name": "edge-router", "type": "NETWORK_DEVICE", "status": "ACTIVE", "source": "netbox", "externalId": "r-1"},
		{"name": "legacy-web", "type": "SERVER", "status": "ACTIVE"},
		{"name": "webhook-relay", "type": "MIDDLEWARE", "status": "ACTIVE", "environment": "TEST", "attributes": attrs("tier", "web")},
	}
	byName := map[string]ciData{}
	for _, in := range inputs {
		c := e.createCI(t, in)
		byName[c.Name] = c
	}
	e.updateCI(t, map[string]any{"id": byName["edge-router"].ID, "expectedVersion": 1, "status": "MAINTENANCE"})
	e.retireCI(t, byName["legacy-web"].ID, 1, "")
	// Renaming must move the CI in name filters and order.
	e.updateCI(t, map[string]any{"id": byName["reports-db"].ID, "expectedVersion": 1, "name": "analytics-db"})

	live := []string{"analytics-db", "edge-router", "orders-db", "web-backend", "web-frontend", "webhook-relay"}
	rev := slices.Clone(live)
	slices.Reverse(rev)
	createdOrder := []string{"web-frontend", "web-backend", "orders-db", "analytics-db", "edge-router", "webhook-relay"}
	createdDesc := slices.Clone(createdOrder)
	slices.Reverse(createdDesc)

	type m = map[string]any
	cases := []struct {
		name    string
		filter  m
		orderBy m
		want    []string
	}{
		{"no filter leaves out RETIRED, by name", nil, nil, live},
		{"types", m{"types": []string{"DATABASE"}}, nil, []string{"analytics-db", "orders-db"}},
		{"two types", m{"types": []string{"DATABASE", "APPLICATION"}}, nil, []string{"analytics-db", "orders-db", "web-backend", "web-frontend"}},
		{"nameContains is case-insensitive", m{"nameContains": "WEB"}, nil, []string{"web-backend", "web-frontend", "webhook-relay"}},
		{"nameContains with all statuses", m{"nameContains": "web", "statuses": allStatuses}, nil, []string{"legacy-web", "web-backend", "web-frontend", "webhook-relay"}},
		{"nameContains follows a rename", m{"nameContains": "analytics"}, nil, []string{"analytics-db"}},
		{"nameContains old name after rename", m{"nameContains": "reports"}, nil, []string{}},
		{"attribute", m{"attribute": m{"key": "os", "value": "linux"}}, nil, []string{"web-backend", "web-frontend"}},
		{"attribute other key", m{"attribute": m{"key": "tier", "value": "web"}}, nil, []string{"web-frontend", "webhook-relay"}},
		{"attribute value is exact", m{"attribute": m{"key": "os", "value": "LINUX"}}, nil, []string{}},
		{"attribute nobody has", m{"attribute": m{"key": "color", "value": "red"}}, nil, []string{}},
		{"ownerGroupId", m{"ownerGroupId": alpha}, nil, []string{"web-backend", "web-frontend"}},
		{"ownerGroupId and types", m{"ownerGroupId": beta, "types": []string{"APPLICATION"}}, nil, []string{}},
		{"statuses", m{"statuses": []string{"MAINTENANCE"}}, nil, []string{"edge-router"}},
		{"statuses RETIRED", m{"statuses": []string{"RETIRED"}}, nil, []string{"legacy-web"}},
		{"statuses PLANNED", m{"statuses": []string{"PLANNED"}}, nil, []string{"analytics-db"}},
		{"environments", m{"environments": []string{"PRODUCTION"}}, nil, []string{"edge-router", "orders-db", "web-frontend"}},
		{"criticalities", m{"criticalities": []string{"CRITICAL", "LOW"}}, nil, []string{"analytics-db", "orders-db"}},
		{"source", m{"source": "netbox"}, nil, []string{"edge-router"}},
		{"types and environments", m{"types": []string{"APPLICATION"}, "environments": []string{"STAGING"}}, nil, []string{"web-backend"}},
		{"NAME ASC", nil, m{"field": "NAME", "direction": "ASC"}, live},
		{"NAME default direction", nil, m{"field": "NAME"}, live},
		{"NAME DESC", nil, m{"field": "NAME", "direction": "DESC"}, rev},
		{"NAME DESC with filter", m{"nameContains": "web"}, m{"field": "NAME", "direction": "DESC"}, []string{"webhook-relay", "web-frontend", "web-backend"}},
		{"CREATED_AT ASC", nil, m{"field": "CREATED_AT"}, createdOrder},
		{"CREATED_AT DESC", nil, m{"field": "CREATED_AT", "direction": "DESC"}, createdDesc},
		{"UPDATED_AT DESC", nil, m{"field": "UPDATED_AT", "direction": "DESC"},
			[]string{"analytics-db", "edge-router", "webhook-relay", "orders-db", "web-backend", "web-frontend"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vars := m{"filter": tc.filter, "orderBy": tc.orderBy}
			p := e.list(t, vars)
			if got := p.names(); !slices.Equal(got, tc.want) {
				t.Errorf("names = %v, want %v", got, tc.want)
			}
			if p.TotalCount != len(tc.want) {
				t.Errorf("totalCount = %d, want %d", p.TotalCount, len(tc.want))
			}
			if p.PageInfo.HasNextPage || p.PageInfo.HasPreviousPage {
				t.Errorf("pageInfo = %+v, want a single page", p.PageInfo)
			}
			if len(tc.want) == 0 && (p.PageInfo.StartCursor != nil || p.PageInfo.EndCursor != nil) {
				t.Errorf("empty page has cursors %+v", p.PageInfo)
			}
		})
	}
}

// TestListCIsPaging walks every order in pages, across runs of equal names,
// and checks that the pages join up to the full list with no duplicate or gap.
func TestListCIsPaging(t *testing.T) {
	e := newEnv(t, app.Limits{})
	names := []string{"n-b", "n-d", "n-a", "n-b", "n-e", "n-c", "n-b", "n-d"}
	type item struct{ name, id string }
	var created []item
	for _, n := range names {
		c := e.createCI(t, map[string]any{"name": n, "type": "CONTAINER"})
		created = append(created, item{n, c.ID})
	}
	// A retired CI must not appear in any page or count.
	gone := e.createCI(t, map[string]any{"name": "n-c", "type": "CONTAINER"})
	e.retireCI(t, gone.ID, 1, "")
	// Updating the first one moves it to the end of UPDATED_AT order.
	e.updateCI(t, map[string]any{"id": created[0].id, "expectedVersion": 1, "description": "touched"})

	byName := slices.Clone(created)
	slices.SortFunc(byName, func(a, b item) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.id, b.id)) })
	ids := func(items []item) []string {
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = it.id
		}
		return out
	}
	reversed := func(s []string) []string {
		out := slices.Clone(s)
		slices.Reverse(out)
		return out
	}
	nameAsc := ids(byName)
	createdAsc := ids(created)
	updatedAsc := append(slices.Clone(createdAsc[1:]), createdAsc[0])

	type m = map[string]any
	orders := []struct {
		name    string
		orderBy m
		want    []string
	}{
		{"NAME ASC", m{"field": "NAME", "direction": "ASC"}, nameAsc},
		{"NAME DESC", m{"field": "NAME", "direction": "DESC"}, reversed(nameAsc)},
		{"CREATED_AT ASC", m{"field": "CREATED_AT", "direction": "ASC"}, createdAsc},
		{"CREATED_AT DESC", m{"field": "CREATED_AT", "direction": "DESC"}, reversed(createdAsc)},
		{"UPDATED_AT ASC", m{"field": "UPDATED_AT", "direction": "ASC"}, updatedAsc},
		{"UPDATED_AT DESC", m{"field": "UPDATED_AT", "direction": "DESC"}, reversed(updatedAsc)},
	}
	for _, o := range orders {
		for _, size := range []int{1, 3, 8, 100} {
			t.Run(o.name+"/first "+strconv.Itoa(size), func(t *testing.T) {
				var got []string
				var after any
				for page := 0; ; page++ {
					if page > len(o.want) {
						t.Fatalf("more than %d pages: the cursor does not advance", len(o.want))
					}
					p := e.list(t, m{"orderBy": o.orderBy, "first": size, "after": after})
					wantLen := min(size, len(o.want)-len(got))
					if len(p.Edges) != wantLen {
						t.Fatalf("page %d has %d edges, want %d", page, len(p.Edges), wantLen)
					}
					if p.TotalCount != len(o.want) {
						t.Errorf("page %d totalCount = %d, want %d", page, p.TotalCount, len(o.want))
					}
					wantNext := len(got)+len(p.Edges) < len(o.want)
					if p.PageInfo.HasNextPage != wantNext || p.PageInfo.HasPreviousPage != (after != nil) {
						t.Errorf("page %d pageInfo = %+v, want hasNextPage %v hasPreviousPage %v", page, p.PageInfo, wantNext, after != nil)
					}
					if deref(p.PageInfo.StartCursor) != p.Edges[0].Cursor || deref(p.PageInfo.EndCursor) != p.Edges[len(p.Edges)-1].Cursor {
						t.Errorf("page %d pageInfo cursors %+v do not match its edges", page, p.PageInfo)
					}
					got = append(got, p.ids()...)
					if !p.PageInfo.HasNextPage {
						break
					}
					after = deref(p.PageInfo.EndCursor)
				}
				if !slices.Equal(got, o.want) {
					t.Errorf("pages joined = %v\nwant          %v", got, o.want)
				}
			})
		}
	}

	t.Run("filtered pages", func(t *testing.T) {
		var bs []string
		for _, it := range byName {
			if it.name == "n-b" {
				bs = append(bs, it.id)
			}
		}
		p1 := e.list(t, m{"filter": m{"nameContains": "n-b"}, "first": 2})
		p2 := e.list(t, m{"filter": m{"nameContains": "n-b"}, "first": 2, "after": deref(p1.PageInfo.EndCursor)})
		if got := append(p1.ids(), p2.ids()...); !slices.Equal(got, bs) || p1.TotalCount != 3 || p2.TotalCount != 3 ||
			!p1.PageInfo.HasNextPage || p2.PageInfo.HasNextPage {
			t.Errorf("filtered pages = %v (+%v / %+v), want %v with totalCount 3", got, p1.PageInfo, p2.PageInfo, bs)
		}
	})

	t.Run("default page size is 20", func(t *testing.T) {
		for i := 0; i < 13; i++ {
			e.createCI(t, map[string]any{"name": "z-" + strconv.Itoa(100+i), "type": "CONTAINER"})
		}
		p := e.list(t, nil)
		if len(p.Edges) != 20 || p.TotalCount != 21 || !p.PageInfo.HasNextPage {
			t.Errorf("default page: %d edges, totalCount %d, hasNextPage %v; want 20, 21, true", len(p.Edges), p.TotalCount, p.PageInfo.HasNextPage)
		}
		p = e.list(t, map[string]any{"first": 100})
		if len(p.Edges) != 21 || p.PageInfo.HasNextPage {
			t.Errorf("first: 100: %d edges, hasNextPage %v; want 21, false", len(p.Edges), p.PageInfo.HasNextPage)
		}
	})
}
