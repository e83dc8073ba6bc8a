package resolvers

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/incident"
)

func testSchema() *ast.Schema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
}

// Every type that node(id:) can answer is a kind the rules know, and every
// kind names a record type of the schema.
func TestEveryRecordTypeHasAKind(t *testing.T) {
	s := testSchema()
	types := map[string]bool{}
	for _, k := range kinds() {
		types[k.typ] = true
		if def := s.Types[k.typ]; def == nil || def.Kind != ast.Object {
			t.Errorf("kind of type %s: no such object type", k.typ)
		}
	}
	nodes := s.GetPossibleTypes(s.Types["Node"])
	if len(nodes) < 10 {
		t.Fatalf("only %d Node types; is the schema loaded?", len(nodes))
	}
	for _, def := range nodes {
		if !types[def.Name] {
			t.Errorf("%s implements Node but no kind of id says who may read it", def.Name)
		}
	}
}

// The kinds' readers are the roles of each kind's own query, so that
// node(id:) answers exactly as that query does.
func TestKindsMirrorTheirQueries(t *testing.T) {
	s := testSchema()
	queries := map[string]string{
		"ConfigurationItem": "configurationItem", "Relationship": "configurationItem", "CIHistoryEntry": "configurationItem",
		"User": "user", "Group": "group", "BusinessUnit": "businessUnits", "BusinessProcess": "businessProcesses",
		"Change": "change", "ChangeTemplate": "changeTemplates", "FreezeWindow": "changeCalendar", "SLA": "sla", "OLA": "ola",
		"Incident": "incident", "Problem": "problem", "KnowledgeArticle": "knowledgeArticle", "CatalogueItem": "catalogueItem", "ServiceRequest": "serviceRequest",
	}
	for prefix, k := range kinds() {
		q := queries[k.typ]
		switch prefix {
		case catalog.BusinessServicePrefix:
			q = "businessCatalog"
		case catalog.TechnicalServicePrefix:
			q = "technicalCatalog"
		}
		f := s.Query.Fields.ForName(q)
		if f == nil {
			t.Errorf("kind %s (%s): no query %q to compare with", prefix, k.typ, q)
			continue
		}
		roles := DirectiveRoles(f.Directives.ForName("auth"))
		got, want := slices.Sorted(slices.Values(k.readers)), slices.Sorted(slices.Values(roles))
		if !slices.Equal(got, want) {
			t.Errorf("kind %s (%s): readers %v, but Query.%s allows %v", prefix, k.typ, got, q, want)
		}
	}
}

func fixedSeer(p auth.Principal, groups []string, inScope map[string]incident.Incident) *seer {
	return &seer{
		p: &p,
		viewer: func(context.Context) (incident.Viewer, error) {
			return incident.Viewer{Principal: p, GroupIDs: groups}, nil
		},
		incidents: func(_ context.Context, ids []string) (map[string]incident.Incident, error) {
			out := map[string]incident.Incident{}
			for _, id := range ids {
				if inc, ok := inScope[id]; ok {
					out[id] = inc
				}
			}
			return out, nil
		},
	}
}

func TestVisibilityRules(t *testing.T) {
	ctx := context.Background()
	requester := auth.Principal{Subject: "usr_me", Roles: []auth.Role{auth.Requester}}
	agent := auth.Principal{Subject: "usr_agent", Roles: []auth.Role{auth.Agent}}
	analyst := auth.Principal{Subject: "usr_analyst", Roles: []auth.Role{auth.Analyst}}
	mine := incident.Incident{ID: "inc_mine", CallerID: "usr_me", AssignmentGroupID: "grp_net"}
	desk := incident.Incident{ID: "inc_desk", CallerID: "usr_x", AssignmentGroupID: "grp_desk"}
	objs := []any{
		&model.Incident{ID: mine.ID, Domain: mine},
		&model.Incident{ID: desk.ID, Domain: desk},
		&model.AssessedIncident{ID: mine.ID},
		&model.AssessedIncident{ID: desk.ID},
		&model.SLA{ID: "sla_1"},
		&model.Service{ID: "bsv_1"},
		&model.Service{ID: "tsv_1"},
		&model.BusinessUnit{ID: "bu_1"},
		&model.User{ID: "usr_me"},
		&model.User{ID: "usr_other"},
		&model.Group{ID: "grp_desk"},
		&model.SLAEvent{SLAID: "sla_1", TicketID: desk.ID},
		&model.SLAEvent{SLAID: "sla_1", TicketID: mine.ID},
		&model.ConfigurationItem{ID: "nope_1"}, // unknown kind: nobody's
		&model.RiskFactor{},                    // belongs to its parent
	}
	cases := []struct {
		who  string
		s    *seer
		want []bool
	}{
		{"requester", fixedSeer(requester, nil, map[string]incident.Incident{mine.ID: mine}),
			[]bool{true, false, true, false, false, true, false, false, true, false, false, false, false, false, true}},
		{"desk agent", fixedSeer(agent, []string{"grp_desk"}, map[string]incident.Incident{desk.ID: desk}),
			[]bool{false, true, false, true, true, true, true, true, true, true, true, true, false, false, true}},
		{"analyst", fixedSeer(analyst, nil, nil),
			[]bool{true, true, true, true, true, true, true, true, true, true, true, true, true, false, true}},
	}
	for _, c := range cases {
		got, err := c.s.visible(ctx, objs)
		if err != nil {
			t.Fatal(err)
		}
		for i := range objs {
			if got[i] != c.want[i] {
				t.Errorf("%s sees %T %v: %v, want %v", c.who, objs[i], objs[i], got[i], c.want[i])
			}
		}
	}
	// A requester who belongs to a group sees it (me.user.groups).
	member := fixedSeer(requester, []string{"grp_desk"}, nil)
	if got, _ := member.visible(ctx, []any{&model.Group{ID: "grp_desk"}}); !got[0] {
		t.Error("a member does not see their own group")
	}
}

func TestShapes(t *testing.T) {
	for _, c := range []struct {
		v    any
		want shape
	}{
		{"x", plain}, {[]string{"a"}, plain}, {&model.Risk{}, plain}, {[]*model.RiskFactor{}, plain},
		{&model.Incident{}, one}, {&model.SLAClock{}, plain}, {&model.AssessedIncident{}, one},
		{[]*model.AssessedIncident{}, many}, {[]model.GraphItem{}, many}, {[]*model.BusinessUnit{}, many},
		{make(chan *model.Incident), plain},
	} {
		if got := (&Resolver{}).shapeOf(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("shape of %T = %v, want %v", c.v, got, c.want)
		}
	}
}
