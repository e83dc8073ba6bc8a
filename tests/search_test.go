package tests

import (
	"maps"
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

type searchBoxPage struct {
	Search struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct {
				Kind  string
				Score float64
				Item  struct{ ID string }
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   string
		}
	}
}

const searchBoxQuery = `query($text: String!, $kinds: [SearchKind!], $first: Int, $after: String) {
  search(text: $text, kinds: $kinds, first: $first, after: $after) {
    totalCount edges { cursor node { kind score item { id } } } pageInfo { hasNextPage endCursor } } }`

func (p searchBoxPage) ids() []string {
	var out []string
	for _, e := range p.Search.Edges {
		out = append(out, e.Node.Item.ID)
	}
	return out
}

// TestSearch: one search box finds CIs, services, business units and
// processes, incidents, changes and problems by number, name and text, best
// match first, pages through them, and shows each caller only what they may
// read, counts included.
func TestSearch(t *testing.T) {
	e, w, team, _ := newChangeEnv(t, app.Limits{})
	iteam := newIncidentTeam(t, e)
	start, end := nowWindow()
	ci := e.createCI(t, map[string]any{"name": "payroll-db", "type": "DATABASE"})
	svc := w.id(t, "Payroll") // a business service of the change world
	own, _ := e.createIncident(t, iteam.caller, map[string]any{"shortDescription": "payroll login fails", "impact": "LOW", "urgency": "LOW"})
	other, _ := e.createIncident(t, iteam.agent, map[string]any{"shortDescription": "payroll export is late", "callerId": subjOther, "impact": "LOW", "urgency": "LOW"})
	chg := e.createChange(t, team.requester, normalChange("Upgrade payroll", w.idsOf(t, "cache"), start, end))
	pm := e.mint(t, "search-problem-manager", auth.ProblemManager)
	prb, _ := e.createProblem(t, pm, map[string]any{"title": "payroll slowness", "impact": "LOW", "urgency": "LOW"})
	e.createCI(t, map[string]any{"name": "unrelated-host", "type": "SERVER"})

	search := func(t *testing.T, token, text string, kinds []string, first int, after string) searchBoxPage {
		t.Helper()
		vars := map[string]any{"text": text, "first": first}
		if kinds != nil {
			vars["kinds"] = kinds
		}
		if after != "" {
			vars["after"] = after
		}
		var p searchBoxPage
		e.ok(t, token, searchBoxQuery, vars, &p)
		return p
	}

	t.Run("staff find every kind", func(t *testing.T) {
		p := search(t, e.analyst, "payroll", nil, 20, "")
		got := p.ids()
		for _, id := range []string{ci.ID, svc, own.ID, other.ID, chg.ID, prb.ID} {
			if !slices.Contains(got, id) {
				t.Errorf("search payroll lacks %s: %v", id, got)
			}
		}
		if p.Search.TotalCount != 6 || len(got) != 6 {
			t.Errorf("totalCount %d, %d hits; want 6: %v", p.Search.TotalCount, len(got), got)
		}
		for i := 1; i < len(p.Search.Edges); i++ {
			if p.Search.Edges[i].Node.Score > p.Search.Edges[i-1].Node.Score {
				t.Errorf("hits not best first: %v", p.Search.Edges)
			}
		}
	})

	t.Run("by number", func(t *testing.T) {
		p := search(t, e.analyst, other.Number, nil, 5, "")
		if len(p.Search.Edges) == 0 || p.Search.Edges[0].Node.Item.ID != other.ID || p.Search.Edges[0].Node.Kind != "INCIDENT" {
			t.Errorf("search %s: %v", other.Number, p.ids())
		}
	})

	t.Run("kinds", func(t *testing.T) {
		p := search(t, e.analyst, "payroll", []string{"INCIDENT", "PROBLEM"}, 20, "")
		if got := p.ids(); len(got) != 3 || slices.Contains(got, ci.ID) || slices.Contains(got, chg.ID) {
			t.Errorf("incidents and problems: %v", got)
		}
	})

	t.Run("pages", func(t *testing.T) {
		all := search(t, e.analyst, "payroll", nil, 20, "").ids()
		var paged []string
		after := ""
		for range 10 {
			p := search(t, e.analyst, "payroll", nil, 2, after)
			paged = append(paged, p.ids()...)
			if !p.Search.PageInfo.HasNextPage {
				break
			}
			after = p.Search.PageInfo.EndCursor
		}
		if !slices.Equal(paged, all) {
			t.Errorf("paged %v, want %v", paged, all)
		}
	})

	t.Run("a customer sees their own", func(t *testing.T) {
		p := search(t, iteam.caller, "payroll", nil, 20, "")
		if got := p.ids(); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values([]string{own.ID, svc}))) || p.Search.TotalCount != 2 {
			t.Errorf("requester found %v (total %d), want their incident and the business service", got, p.Search.TotalCount)
		}
		e.fail(t, iteam.caller, searchBoxQuery, map[string]any{"text": "payroll", "kinds": []string{"CHANGE"}}, "FORBIDDEN")
		hr := w.id(t, "HR") // a technical service
		if got := search(t, e.analyst, "HR", nil, 20, "").ids(); !slices.Contains(got, hr) {
			t.Errorf("staff search HR: %v, want the technical service", got)
		}
		if p := search(t, iteam.caller, "HR", nil, 20, ""); len(p.ids()) != 0 || p.Search.TotalCount != 0 {
			t.Errorf("requester search HR: %v (total %d), want no technical service", p.ids(), p.Search.TotalCount)
		}
	})

	t.Run("business units and processes", func(t *testing.T) {
		unit := w.createUnit(t, w.owner, "Treasury office")
		process := w.createProcess(t, w.owner, "Treasury reconciliation")
		db := e.createCI(t, map[string]any{"name": "treasury-db", "type": "DATABASE"})
		kindOf := func(p searchBoxPage) map[string]string {
			out := map[string]string{}
			for _, e := range p.Search.Edges {
				out[e.Node.Item.ID] = e.Node.Kind
			}
			return out
		}
		cases := []struct {
			name  string
			kinds []string
			want  map[string]string // id → kind
		}{
			{"every kind", nil, map[string]string{unit: "BUSINESS_UNIT", process: "BUSINESS_PROCESS", db.ID: "CONFIGURATION_ITEM"}},
			{"units", []string{"BUSINESS_UNIT"}, map[string]string{unit: "BUSINESS_UNIT"}},
			{"processes", []string{"BUSINESS_PROCESS"}, map[string]string{process: "BUSINESS_PROCESS"}},
			{"units and processes", []string{"BUSINESS_UNIT", "BUSINESS_PROCESS"}, map[string]string{unit: "BUSINESS_UNIT", process: "BUSINESS_PROCESS"}},
			{"CIs only", []string{"CONFIGURATION_ITEM"}, map[string]string{db.ID: "CONFIGURATION_ITEM"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := search(t, e.analyst, "treasury", c.kinds, 20, "")
				if got := kindOf(p); !maps.Equal(got, c.want) || p.Search.TotalCount != len(c.want) {
					t.Errorf("found %v (total %d), want %v", got, p.Search.TotalCount, c.want)
				}
			})
		}
		// Staff read units and processes as nodes, customers neither.
		var item struct {
			Search struct {
				Edges []struct {
					Node struct {
						Item struct {
							Typename string `json:"__typename"`
							Name     string
						}
					}
				}
			}
		}
		e.ok(t, e.analyst, `{ search(text: "reconciliation", kinds: [BUSINESS_PROCESS]) { edges { node { item { __typename ... on BusinessProcess { name } } } } } }`, nil, &item)
		if got := item.Search.Edges; len(got) != 1 || got[0].Node.Item.Typename != "BusinessProcess" || got[0].Node.Item.Name != "Treasury reconciliation" {
			t.Errorf("the process as a node: %+v", got)
		}
		for _, kinds := range [][]string{{"BUSINESS_UNIT"}, {"BUSINESS_PROCESS"}, {"BUSINESS_UNIT", "BUSINESS_PROCESS"}} {
			e.fail(t, iteam.caller, searchBoxQuery, map[string]any{"text": "treasury", "kinds": kinds}, "FORBIDDEN")
		}
		if p := search(t, iteam.caller, "treasury", nil, 20, ""); len(p.ids()) != 0 || p.Search.TotalCount != 0 {
			t.Errorf("requester search treasury: %v (total %d), want nothing", p.ids(), p.Search.TotalCount)
		}
	})

	t.Run("bad text", func(t *testing.T) {
		for _, text := range []string{"", "  ", "*:* && ()"} {
			e.fail(t, e.analyst, searchBoxQuery, map[string]any{"text": text}, "BAD_USER_INPUT")
		}
		// Query syntax is searched as words, never run.
		p := search(t, e.analyst, "payroll AND NOT title:x*", nil, 20, "")
		if len(p.ids()) == 0 {
			t.Errorf("operators in the text: no hits")
		}
	})
}
