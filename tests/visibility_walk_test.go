package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/limits"
	"github.com/itsm-graph/itsm/resolvers"
)

// This file proves issue 11, item 7: every object, however it is reached,
// passes its own type's row rule. TestEveryObjectPassesItsTypesRule walks
// every field of the schema reachable from Query, as every role, over
// HTTP, and checks each object that comes back against what the root
// reader of its type answers to the same role. TestTraversalLeaks names
// the three leaks of the issue; TestSLAEventsFollowIncidentScope covers a
// subscription stream (incidentChanged is covered in incident_live_test).
// Mutation payloads show what the write wrote (each write checks its row
// first: incident_rows_test); the types beneath them are the ones walked
// here.

// rootReaders are the queries that read one object of a type by its id
// ($id): an object of the type may reach a reader only if one of them
// answers it to that reader. Snapshots read as the record they show.
var rootReaders = map[string][]string{
	"Incident":          {`incident(id: $id) { id }`},
	"AssessedIncident":  {`incident(id: $id) { id }`},
	"SLA":               {`sla(id: $id) { id }`},
	"AssessedSLA":       {`sla(id: $id) { id }`},
	"Change":            {`change(id: $id) { id }`},
	"ConfigurationItem": {`configurationItem(id: $id) { id }`},
	"Service":           {`service(id: $id) { id }`, `businessCatalog { id }`},
	"User":              {`user(id: $id) { id }`, `me { user { id } }`},
	"Group":             {`group(id: $id) { id }`, `me { user { groups { id } } }`},
	"BusinessUnit":      {`node(id: $id) { id }`},
	"BusinessProcess":   {`node(id: $id) { id }`},
	"Relationship":      {`node(id: $id) { id }`},
	"CIHistoryEntry":    {`node(id: $id) { id }`},
	"ChangeTemplate":    {`node(id: $id) { id }`},
	"FreezeWindow":      {`node(id: $id) { id }`},
}

// roleAllows reports whether a field's @auth lets role through (ADMIN
// holds every role; @auth without roles and @public let everyone through).
func roleAllows(f *ast.FieldDefinition, role auth.Role) bool {
	d := f.Directives.ForName("auth")
	if d == nil || role == auth.Admin {
		return true
	}
	roles := resolvers.DirectiveRoles(d)
	return roles == nil || slices.Contains(roles, role)
}

func needsArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// walker builds, for one root field and one role, a selection that reaches
// every field the role may select from it: every object-valued field of a
// type is expanded once, where the type is first reached (breadth first);
// its other occurrences select __typename and id only. Every object
// selects __typename, so that answers can be checked type by type.
type walker struct {
	s        *ast.Schema
	role     auth.Role
	depth    map[string]int  // type → shallowest depth reached
	done     map[string]bool // "Type.field" expanded in this query
	fields   map[string]bool // "Type.field" selected in this query
	skipped  map[string]bool // fields with required arguments (none today)
	maxDepth int
}

func newWalker(s *ast.Schema, role auth.Role, rootType string) *walker {
	w := &walker{s: s, role: role, depth: map[string]int{}, done: map[string]bool{}, fields: map[string]bool{},
		skipped: map[string]bool{}, maxDepth: 12}
	// Breadth first over the types the role may reach.
	queue := []string{rootType}
	w.depth[rootType] = 1
	for len(queue) > 0 {
		typ := queue[0]
		queue = queue[1:]
		for _, next := range w.children(typ) {
			if _, seen := w.depth[next]; !seen {
				w.depth[next] = w.depth[typ] + 1
				queue = append(queue, next)
			}
		}
	}
	return w
}

// children lists the object types one step from typ: the types of its
// object-valued fields (the possible types of interfaces and unions).
func (w *walker) children(typ string) []string {
	def := w.s.Types[typ]
	var out []string
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		for _, p := range w.s.GetPossibleTypes(def) {
			out = append(out, p.Name)
		}
		return out
	}
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || !roleAllows(f, w.role) || needsArgs(f) {
			continue
		}
		if ft := w.s.Types[f.Type.Name()]; ft.Kind == ast.Object || ft.Kind == ast.Interface || ft.Kind == ast.Union {
			out = append(out, ft.Name)
		}
	}
	return out
}

func (w *walker) leaf(typ string) string {
	if w.s.Types[typ].Fields.ForName("id") != nil {
		return "__typename id"
	}
	return "__typename"
}

// sel is the selection of a value of type typ reached at depth.
func (w *walker) sel(typ string, depth int) string {
	def := w.s.Types[typ]
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		// Possible types with fields of one name and different types
		// (User.kind, Group.kind, ...) need aliases to share a selection.
		typesOf := map[string]map[string]bool{}
		for _, p := range w.s.GetPossibleTypes(def) {
			for _, f := range p.Fields {
				if typesOf[f.Name] == nil {
					typesOf[f.Name] = map[string]bool{}
				}
				typesOf[f.Name][f.Type.String()] = true
			}
		}
		clash := map[string]bool{}
		for name, ts := range typesOf {
			clash[name] = len(ts) > 1
		}
		parts := []string{w.leaf(typ)}
		for _, p := range w.s.GetPossibleTypes(def) {
			parts = append(parts, "... on "+p.Name+" { "+w.objectSel(p.Name, depth, clash)+" }")
		}
		return strings.Join(parts, " ")
	}
	return w.objectSel(typ, depth, nil)
}

func (w *walker) objectSel(typ string, depth int, clash map[string]bool) string {
	parts := []string{"__typename"}
	for _, f := range w.s.Types[typ].Fields {
		key := typ + "." + f.Name
		if strings.HasPrefix(f.Name, "__") || !roleAllows(f, w.role) {
			continue
		}
		if needsArgs(f) {
			w.skipped[key] = true
			continue
		}
		name := f.Name
		if clash[f.Name] {
			name = typ + "_" + f.Name + ": " + f.Name
		}
		ft := w.s.Types[f.Type.Name()]
		if ft.Kind == ast.Scalar || ft.Kind == ast.Enum {
			parts = append(parts, name)
			continue
		}
		w.fields[key] = true
		if !w.done[key] && depth == w.depth[typ] && depth < w.maxDepth {
			w.done[key] = true
			parts = append(parts, name+" { "+w.sel(ft.Name, depth+1)+" }")
			continue
		}
		parts = append(parts, name+" { "+w.leaf(ft.Name)+" }")
	}
	return strings.Join(parts, " ")
}

// literal writes v as a GraphQL input literal.
func literal(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int:
		return strconv.Itoa(x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + literal(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	panic(fmt.Sprintf("literal of %T", v))
}

func argList(args map[string]any) string {
	if len(args) == 0 {
		return ""
	}
	lit := literal(args)
	return "(" + lit[1:len(lit)-1] + ")"
}

// seenObject is one object of a type with a row rule found in an answer.
type seenObject struct{ typ, id, path string }

// collect finds every object with a __typename among rootReaders' types
// and an id in an answer.
func collect(v any, path string, out map[seenObject]bool) {
	switch x := v.(type) {
	case map[string]any:
		if tn, ok := x["__typename"].(string); ok {
			if id, ok := x["id"].(string); ok && rootReaders[tn] != nil {
				out[seenObject{tn, id, path}] = true
			}
		}
		for k, c := range x {
			collect(c, path+"."+k, out)
		}
	case []any:
		for _, c := range x {
			collect(c, path+"[]", out)
		}
	}
}

// walkWorld is the data the walk reads: every kind of record, incidents
// in and out of each reader's reach, a change whose assessment found
// incidents, an SLA with clocks on incidents and a review.
type walkWorld struct {
	e       *env
	tokens  map[auth.Role]string
	samples map[string][]map[string]any // root field → argument sets
	nodeIDs []string
	// out of the AGENT's reach / the REQUESTER's own
	agentCannot, requesterOwn string
	changeID                  string
}

func newWalkWorld(t *testing.T) *walkWorld {
	t.Helper()
	e, w, team, _ := newIncidentEnv(t, app.Limits{Request: limits.Request{MaxDepth: 64, MaxComplexity: 1 << 40, MaxBodyBytes: 8 << 20,
		MaxTokens: 1_000_000, MaxAliases: 100_000, MaxFields: 1_000_000, MaxFieldRepeats: 100_000, MaxTransactions: 1_000_000}}, t0)
	w.build(t, "bs:Shop SUPPORTS bp:Ordering")
	network := e.createGroup(t, "Network")
	e.createUser(t, map[string]any{"username": "net-agent", "displayName": "Net Agent", "roles": []string{"AGENT"}, "groupIds": []string{network}})
	retailStaff := e.createGroup(t, "Retail staff")
	rita := e.createUser(t, map[string]any{"username": "rita", "displayName": "Rita Requester", "roles": []string{"REQUESTER"}, "groupIds": []string{retailStaff}})
	ritaToken := e.mint(t, rita.ID, auth.Requester)
	cm := e.mint(t, "walk-change-manager", auth.ChangeManager)

	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	e.ok(t, w.owner, `mutation($in: RecordSLAReviewInput!) { recordSLAReview(input: $in) { review { id } } }`,
		map[string]any{"in": map[string]any{"slaId": gold, "date": "2026-03-01T09:00:00Z", "attendees": []string{"Retail"}, "notes": "fine"}}, nil)

	// Rita's incident, worked by the network team: out of the desk agent's
	// reach. Another requester's incident with the desk. A third one,
	// unassigned (the triage queue every agent reads).
	ritas, _ := e.createIncident(t, team.monitor, map[string]any{"shortDescription": "orders-db slow", "impact": "HIGH", "urgency": "MEDIUM",
		"callerId": rita.ID, "configurationItemIds": []string{w.id(t, "orders-db")}, "serviceIds": []string{w.id(t, "Shop")}, "assignmentGroupId": network})
	e.ok(t, ritaToken, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": ritas.ID, "kind": "COMMENT", "body": "checkout is slow"}}, nil)
	desks, _ := e.createIncident(t, team.monitor, map[string]any{"shortDescription": "Shop errors", "impact": "MEDIUM", "urgency": "MEDIUM",
		"callerId": subjOther, "serviceIds": []string{w.id(t, "Shop")}})
	desks = e.incidentWrite(t, team.agent, reassignIncidentMutation, "reassignIncident", map[string]any{
		"id": desks.ID, "expectedVersion": desks.Version, "groupId": team.deskID, "assigneeId": team.agentID, "reason": "triage"})
	e.ok(t, team.agent, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": desks.ID, "kind": "WORK_NOTE", "body": "looking"}}, nil)
	queued, _ := e.createIncident(t, team.other, map[string]any{"shortDescription": "Shop slow", "impact": "LOW", "urgency": "LOW",
		"serviceIds": []string{w.id(t, "Shop")}})

	// A change on orders-db, submitted: its assessment lists the open
	// incidents on its scope, all three of them.
	tpl := struct {
		CreateChangeTemplate struct {
			Template named `json:"template"`
		} `json:"createChangeTemplate"`
	}{}
	e.ok(t, cm, `mutation { createChangeTemplate(input: {name: "Restart", implementationPlan: "restart", backoutPlan: "none"}) { template { id name } } }`, nil, &tpl)
	frz := struct {
		CreateFreezeWindow struct {
			FreezeWindow named `json:"freezeWindow"`
		} `json:"createFreezeWindow"`
	}{}
	e.ok(t, cm, `mutation($in: CreateFreezeWindowInput!) { createFreezeWindow(input: $in) { freezeWindow { id name } } }`,
		map[string]any{"in": map[string]any{"name": "Sale", "start": "2026-03-09T00:00:00Z", "end": "2026-03-12T00:00:00Z", "serviceIds": []string{w.id(t, "Shop")}}}, &frz)
	c := e.createChange(t, team.agent, normalChange("Patch orders-db", w.idsOf(t, "orders-db"), "2026-03-10T20:00:00Z", "2026-03-10T22:00:00Z"))
	c = e.transitionChange(t, team.agent, c, "SUBMITTED", "ready")
	var got struct {
		Change struct {
			Assessment struct {
				OpenIncidents []struct {
					ID string `json:"id"`
				} `json:"openIncidents"`
			} `json:"assessment"`
		} `json:"change"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { change(id: $id) { assessment { openIncidents { id } } } }`, map[string]any{"id": c.ID}, &got)
	if n := len(got.Change.Assessment.OpenIncidents); n != 3 {
		t.Fatalf("the assessment found %d open incidents, want 3", n)
	}

	var hist struct {
		ConfigurationItem struct {
			History struct {
				Edges []struct {
					Node struct {
						ID string `json:"id"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"history"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history { edges { node { id } } } } }`, map[string]any{"id": w.id(t, "orders-db")}, &hist)

	from, to := t0.Add(-24*time.Hour).Format(time.RFC3339), t0.Add(30*24*time.Hour).Format(time.RFC3339)
	one := func(args map[string]any) []map[string]any { return []map[string]any{args} }
	ww := &walkWorld{e: e, agentCannot: ritas.ID, requesterOwn: ritas.ID, changeID: c.ID,
		tokens: map[auth.Role]string{auth.Requester: ritaToken, auth.Agent: team.agent, auth.Admin: e.admin, auth.Analyst: e.analyst,
			auth.ConfigManager: e.cm, auth.ChangeManager: cm, auth.ServiceOwner: w.owner}}
	for _, r := range auth.AllRoles {
		if ww.tokens[r] == "" {
			ww.tokens[r] = e.mint(t, "walk-"+strings.ToLower(string(r)), r)
		}
	}
	ww.nodeIDs = []string{w.id(t, "orders-db"), w.rels["orders-app-DEPENDS_ON->orders-db"], hist.ConfigurationItem.History.Edges[0].Node.ID,
		team.agentID, rita.ID, team.deskID, retailStaff, w.id(t, "Shop"), w.id(t, "Orders"), w.id(t, "Retail"), w.id(t, "Ordering"),
		c.ID, tpl.CreateChangeTemplate.Template.ID, frz.CreateFreezeWindow.FreezeWindow.ID, gold, ritas.ID, desks.ID, queued.ID}
	incidents := []map[string]any{{"id": ritas.ID}, {"id": desks.ID}, {"id": queued.ID}}
	var nodes []map[string]any
	for _, id := range ww.nodeIDs {
		nodes = append(nodes, map[string]any{"id": id})
	}
	ww.samples = map[string][]map[string]any{
		"me": one(nil), "node": nodes,
		"configurationItem": one(map[string]any{"id": w.id(t, "orders-db")}), "configurationItems": one(nil), "relationshipTypes": one(nil),
		"user": one(map[string]any{"id": team.agentID}), "users": one(nil), "group": one(map[string]any{"id": team.deskID}), "groups": one(nil),
		"service": one(map[string]any{"id": w.id(t, "Shop")}), "services": one(nil), "technicalCatalog": one(nil),
		"businessCatalog":   {nil, {"businessUnitId": w.id(t, "Retail")}},
		"businessUnits":     one(nil),
		"businessProcesses": one(nil),
		"impactAnalysis":    one(map[string]any{"input": map[string]any{"ciIds": []string{w.id(t, "orders-db")}}}),
		"serviceImpact":     one(map[string]any{"serviceId": w.id(t, "Orders")}),
		"dependencies":      one(map[string]any{"id": w.id(t, "Shop")}), "dependents": one(map[string]any{"id": w.id(t, "orders-db")}),
		"supportingTree": one(map[string]any{"serviceId": w.id(t, "Shop")}), "neighbourhood": one(map[string]any{"id": w.id(t, "orders-app")}),
		"paths":  one(map[string]any{"fromId": w.id(t, "orders-db"), "toId": w.id(t, "Shop")}),
		"change": one(map[string]any{"id": c.ID}), "changes": one(nil), "changeCalendar": one(map[string]any{"from": from, "to": to}),
		"changeConflicts": one(map[string]any{"changeId": c.ID}), "unauthorizedChanges": one(map[string]any{"since": from}),
		"changeTemplates": one(nil), "incident": incidents, "incidents": one(nil), "priorityMatrix": one(nil),
		"sla": one(map[string]any{"id": gold}), "slas": one(nil), "slaReport": one(map[string]any{"slaId": gold, "from": from, "to": to}),
		"serviceAvailability": one(map[string]any{"serviceId": w.id(t, "Shop"), "from": from, "to": to}),
		"slaReviews":          one(map[string]any{"slaId": gold}), "upcomingReviews": one(map[string]any{"withinDays": 366}),
	}
	return ww
}

// walk runs every root query the role may call with every field reachable
// from it, and returns the objects of row-ruled types that came back, with
// the number of Type.field selected.
func (ww *walkWorld) walk(t *testing.T, role auth.Role) (map[seenObject]bool, int) {
	t.Helper()
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	seen := map[seenObject]bool{}
	selected := map[string]bool{}
	for _, f := range s.Query.Fields {
		if strings.HasPrefix(f.Name, "__") || !roleAllows(f, role) {
			continue
		}
		samples, ok := ww.samples[f.Name]
		if !ok {
			t.Fatalf("no sample arguments for Query.%s: add them to newWalkWorld so that the walk covers it", f.Name)
		}
		for _, args := range samples {
			w := newWalker(s, role, f.Type.Name())
			query := "{ " + f.Name + argList(args) + " { " + w.sel(f.Type.Name(), 1) + " } }"
			for k := range w.skipped {
				t.Errorf("%s cannot be walked: it has required arguments; teach the walker about them", k)
			}
			for k := range w.fields {
				selected[k] = true
			}
			r := ww.e.gql(t, ww.tokens[role], query, nil)
			if r.Status != 200 {
				t.Fatalf("Query.%s%s: HTTP %d %s", f.Name, argList(args), r.Status, truncate(r.Body))
			}
			for _, er := range r.Errors {
				// A read by id of a row out of reach, or of a kind the
				// role may not read (node), is refused at the root.
				atRoot := len(er.Path) == 1
				if !atRoot || (er.Extensions.Code != "NOT_FOUND" && er.Extensions.Code != "FORBIDDEN") {
					t.Errorf("Query.%s%s: %s at %v: %s", f.Name, argList(args), er.Extensions.Code, er.Path, er.Message)
				}
			}
			var data any
			if err := json.Unmarshal(r.Data, &data); err != nil {
				t.Fatalf("Query.%s: %v", f.Name, err)
			}
			collect(data, f.Name+argList(args), seen)
		}
	}
	return seen, len(selected)
}

// readable asks the root readers of typ for id as token; true when one
// answers it.
func (ww *walkWorld) readable(t *testing.T, token, typ, id string) bool {
	t.Helper()
	for _, q := range rootReaders[typ] {
		query := "query($id: ID!) { " + q + " }"
		vars := map[string]any{"id": id}
		if !strings.Contains(q, "$id") {
			query, vars = "{ "+q+" }", nil
		}
		r := ww.e.gql(t, token, query, vars)
		if strings.Contains(string(r.Data), strconv.Quote(id)) {
			return true
		}
	}
	return false
}

// TestEveryObjectPassesItsTypesRule walks the whole schema as every role
// and checks each object that comes back, however it was reached, against
// its type's root reader answering the same role.
func TestEveryObjectPassesItsTypesRule(t *testing.T) {
	ww := newWalkWorld(t)
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	// Every record type has a root reader the check can ask.
	for _, def := range s.GetPossibleTypes(s.Types["Node"]) {
		if rootReaders[def.Name] == nil {
			t.Fatalf("type %s implements Node but rootReaders has no reader for it", def.Name)
		}
	}
	t.Run("roles", func(t *testing.T) {
		for _, role := range auth.AllRoles {
			t.Run(string(role), func(t *testing.T) {
				t.Parallel()
				seen, fields := ww.walk(t, role)
				types := map[string]int{}
				verdict := map[[2]string]bool{}
				var bad []string
				for o := range seen {
					types[o.typ]++
					k := [2]string{o.typ, o.id}
					ok, asked := verdict[k]
					if !asked {
						ok = ww.readable(t, ww.tokens[role], o.typ, o.id)
						verdict[k] = ok
					}
					if !ok {
						bad = append(bad, fmt.Sprintf("%s %s at %s", o.typ, o.id, o.path))
					}
				}
				sort.Strings(bad)
				for _, b := range bad {
					t.Errorf("%s reached %s, which its type's root reader does not answer them", role, b)
				}
				t.Logf("%s: %d object-valued fields walked; %d records checked (occurrences by type %v)", role, fields, len(verdict), types)
				// The walk must reach what each role legitimately reads,
				// or it proves nothing.
				var want []string
				switch role {
				case auth.Requester:
					want = []string{"Incident", "Service", "User", "Group"}
				case auth.Agent:
					want = []string{"Incident", "AssessedIncident", "SLA", "BusinessUnit", "BusinessProcess"}
				case auth.Analyst:
					want = []string{"Incident", "AssessedIncident", "AssessedSLA", "SLA", "Change", "ConfigurationItem", "Service", "User",
						"Group", "BusinessUnit", "BusinessProcess", "Relationship", "CIHistoryEntry", "ChangeTemplate", "FreezeWindow"}
				}
				for _, typ := range want {
					if types[typ] == 0 {
						t.Errorf("the walk as %s met no %s", role, typ)
					}
				}
			})
		}
	})
}

// TestTraversalLeaks: the three leaks issue 11 names, each reached the way
// the issue reaches it.
func TestTraversalLeaks(t *testing.T) {
	ww := newWalkWorld(t)
	e := ww.e
	t.Run("change.assessment.openIncidents holds only incidents the AGENT may read", func(t *testing.T) {
		var out struct {
			Change struct {
				Assessment struct {
					OpenIncidents []struct {
						ID string `json:"id"`
					} `json:"openIncidents"`
				} `json:"assessment"`
			} `json:"change"`
		}
		e.ok(t, ww.tokens[auth.Agent], `query($id: ID!) { change(id: $id) { assessment { openIncidents { id title state priority } } } }`,
			map[string]any{"id": ww.changeID}, &out)
		got := out.Change.Assessment.OpenIncidents
		for _, i := range got {
			if i.ID == ww.agentCannot {
				t.Errorf("the AGENT read %s through change.assessment.openIncidents; incident(id:) answers NOT_FOUND", i.ID)
			}
		}
		if len(got) != 2 {
			t.Errorf("the AGENT sees %d open incidents, want the 2 they may read", len(got))
		}
	})
	t.Run("incident.slaClocks.sla is null for a REQUESTER", func(t *testing.T) {
		r := e.gql(t, ww.tokens[auth.Requester], `query($id: ID!) { incident(id: $id) { slaClocks { metric status sla { id name targets { priority } } } } }`,
			map[string]any{"id": ww.requesterOwn})
		var out struct {
			Incident struct {
				SLAClocks []struct {
					Status string `json:"status"`
					SLA    *named `json:"sla"`
				} `json:"slaClocks"`
			} `json:"incident"`
		}
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
			t.Fatalf("errors %v: %s", r.codes(), truncate(r.Body))
		}
		if len(out.Incident.SLAClocks) == 0 {
			t.Fatal("the requester's incident has no clocks: the check proves nothing")
		}
		for _, c := range out.Incident.SLAClocks {
			if c.SLA != nil {
				t.Errorf("the REQUESTER read SLA %s through incident.slaClocks.sla; sla(id:) answers FORBIDDEN", c.SLA.Name)
			}
		}
	})
	t.Run("businessCatalog hands a REQUESTER no business units or processes", func(t *testing.T) {
		var out struct {
			BusinessCatalog []struct {
				Name      string  `json:"name"`
				Consumers []named `json:"consumers"`
				Supports  []named `json:"supports"`
			} `json:"businessCatalog"`
		}
		e.ok(t, ww.tokens[auth.Requester], `{ businessCatalog { name consumers { id name } supports { id name } } }`, nil, &out)
		if len(out.BusinessCatalog) == 0 {
			t.Fatal("empty business catalogue: the check proves nothing")
		}
		for _, s := range out.BusinessCatalog {
			if len(s.Consumers) > 0 || len(s.Supports) > 0 {
				t.Errorf("the REQUESTER read units %v and processes %v of %s; node(id:) answers FORBIDDEN", names(s.Consumers), names(s.Supports), s.Name)
			}
		}
		// Staff still read them.
		e.ok(t, ww.tokens[auth.Agent], `{ businessCatalog { name consumers { id name } supports { id name } } }`, nil, &out)
		var units, procs []string
		for _, s := range out.BusinessCatalog {
			units, procs = append(units, names(s.Consumers)...), append(procs, names(s.Supports)...)
		}
		if !slices.Contains(units, "Retail") || !slices.Contains(procs, "Ordering") {
			t.Errorf("the AGENT reads units %v and processes %v", units, procs)
		}
	})
}

// TestSLAEventsFollowIncidentScope: the objects inside subscription events
// pass the same rules: an AGENT hears the SLA events of the incidents they
// may read, not those of another group's incident (whose id, priority and
// breach the event would tell); a reading role hears both.
func TestSLAEventsFollowIncidentScope(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{CORSOrigins: []string{okOrigin}}, t0)
	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	network := e.createGroup(t, "Network")
	logged := func(group string) incidentData {
		inc, _ := e.createIncident(t, team.monitor, map[string]any{"shortDescription": "Shop down", "impact": "HIGH", "urgency": "MEDIUM",
			"callerId": subjCaller, "serviceIds": []string{w.id(t, "Shop")}, "assignmentGroupId": group})
		return inc
	}
	mine, theirs := logged(team.deskID), logged(network)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const events = `subscription($id: ID) { slaEvents(slaId: $id) { kind metric ticketId incident { id } sla { id } } }`
	listen := func(token string) *wsClient {
		c := e.connectWS(t, ctx, okOrigin, map[string]any{"Authorization": "Bearer " + token})
		c.expectAck(t)
		c.subscribe(t, "1", events, map[string]any{"id": gold})
		c.subscribe(t, "2", `subscription($id: ID) { incidentChanged(id: $id) { id state version } }`, map[string]any{"id": mine.ID})
		e.awaitLive(t, c, "2", team.agent, mine.ID)
		return c
	}
	agent, analyst := listen(team.agent), listen(e.analyst)

	bg, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.api.Run(bg, app.Background{EvaluateSLAs: 20 * time.Millisecond, AutoClose: time.Hour})
	}()
	t.Cleanup(func() { stop(); <-done })

	// Past 8h: both resolution clocks (P2: 8h) warned and breached.
	clock.Advance(8*time.Hour + time.Minute)
	heard := func(c *wsClient, want int, wait time.Duration) []string {
		var tickets []string
		for len(tickets) < want {
			ev, ok := nextEvent(t, c, "1", "slaEvents", wait)
			if !ok {
				break
			}
			d := ev.Data["slaEvents"]
			tickets = append(tickets, d.TicketID)
			if d.Incident == nil || d.Incident.ID != d.TicketID {
				t.Errorf("event on %s shows incident %v", d.TicketID, d.Incident)
			}
		}
		sort.Strings(tickets)
		return tickets
	}
	all := heard(analyst, 4, 10*time.Second)
	if want := sortedStrings(mine.ID, mine.ID, theirs.ID, theirs.ID); !slices.Equal(all, want) {
		t.Fatalf("the ANALYST heard %v, want warning and breach of both %v", all, want)
	}
	if got := heard(agent, 4, 2*time.Second); !slices.Equal(got, []string{mine.ID, mine.ID}) {
		t.Errorf("the AGENT heard events on %v; they may read only %s (not %s)", got, mine.ID, theirs.ID)
	}
}

// TestOwnAccountStaysVisible: the rules that hide users and groups from
// requesters leave them their own account and groups, however reached:
// through me, through the login that answers with the account, and as the
// caller of their own incident.
func TestOwnAccountStaysVisible(t *testing.T) {
	e := newEnv(t, app.Limits{})
	group := e.createGroup(t, "Retail staff")
	rita := e.createUser(t, map[string]any{"username": "rita", "displayName": "Rita", "roles": []string{"REQUESTER"},
		"password": "correct-horse-battery", "groupIds": []string{group}})
	type account struct {
		ID     string  `json:"id"`
		Groups []named `json:"groups"`
	}
	var login struct {
		Login struct {
			Token string  `json:"token"`
			User  account `json:"user"`
		} `json:"login"`
	}
	e.ok(t, "", `mutation { login(input: {username: "rita", password: "correct-horse-battery"}) { token user { id groups { id name } } } }`, nil, &login)
	if u := login.Login.User; u.ID != rita.ID || len(u.Groups) != 1 || u.Groups[0].ID != group {
		t.Errorf("login answers %+v", u)
	}
	token := login.Login.Token
	var me struct {
		Me struct {
			User *account `json:"user"`
		} `json:"me"`
	}
	e.ok(t, token, `{ me { user { id groups { id name } } } }`, nil, &me)
	if u := me.Me.User; u == nil || u.ID != rita.ID || len(u.Groups) != 1 || u.Groups[0].ID != group {
		t.Errorf("me.user = %+v", u)
	}
	inc, _ := e.createIncident(t, token, map[string]any{"shortDescription": "laptop slow", "impact": "LOW", "urgency": "LOW"})
	var mine struct {
		Incident struct {
			Caller *account `json:"caller"`
		} `json:"incident"`
	}
	e.ok(t, token, `query($id: ID!) { incident(id: $id) { caller { id groups { id } } } }`, map[string]any{"id": inc.ID}, &mine)
	if c := mine.Incident.Caller; c == nil || c.ID != rita.ID || len(c.Groups) != 1 {
		t.Errorf("the caller of their own incident: %+v", c)
	}
	// Other accounts and groups stay staff-only.
	e.fail(t, token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": group}, "FORBIDDEN")
	e.fail(t, token, `{ me { user { groups { members { id } } } } }`, nil, "FORBIDDEN")
}
