package tests

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/limits"
)

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
	var netOLA struct {
		CreateOLA struct{ OLA named } `json:"createOLA"`
	}
	e.ok(t, w.owner, createOLAMutation, map[string]any{"in": olaTerms(w, t, "Network fix", "OLA", network, 2)}, &netOLA)

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
	// A problem linked to Rita's incident and the desk's: staff reach it
	// through Incident.problems, Rita never.
	prb, _ := e.createProblem(t, e.mint(t, "walk-problem-owner", auth.ProblemManager), map[string]any{"title": "orders-db saturates",
		"impact": "HIGH", "urgency": "MEDIUM", "configurationItemIds": []string{w.id(t, "orders-db")}, "incidentIds": []string{ritas.ID, desks.ID}})

	// Knowledge articles about orders-db: a published public one Rita
	// reads, a published internal one and a draft she never does.
	kb := kbTeam{author: e.mint(t, "walk-kb-author", auth.Agent), manager: e.mint(t, "walk-kb-manager", auth.KnowledgeManager)}
	kbPublic := e.publishArticle(t, kb, map[string]any{"title": "orders-db slow: what to try", "audience": "PUBLIC",
		"configurationItemIds": []string{w.id(t, "orders-db")}})
	kbInternal := e.publishArticle(t, kb, map[string]any{"title": "orders-db failover runbook", "audience": "INTERNAL",
		"configurationItemIds": []string{w.id(t, "orders-db")}, "incidentIds": []string{ritas.ID}, "problemIds": []string{prb.ID}})
	kbDraft, _ := e.createArticle(t, kb.author, map[string]any{"title": "orders-db draft notes", "audience": "PUBLIC"})
	// VPN access, offered to everyone, ordered by Rita: a task for the
	// network team, which the desk agent never sees.
	var vpn struct {
		CreateCatalogueItem struct {
			Item named `json:"item"`
		} `json:"createCatalogueItem"`
	}
	e.ok(t, w.owner, createItemMutation, map[string]any{"in": map[string]any{"name": "VPN access", "serviceId": w.id(t, "Shop"), "price": 0,
		"currency": "EUR", "fulfilmentTargetHours": 8, "plan": []map[string]any{{"name": "Grant VPN", "groupId": network}}}}, &vpn)
	var ordered struct {
		SubmitRequest struct {
			Request named `json:"request"`
		} `json:"submitRequest"`
	}
	e.ok(t, ritaToken, `mutation($in: SubmitRequestInput!) { submitRequest(input: $in) { request { id name: number } } }`,
		map[string]any{"in": map[string]any{"itemId": vpn.CreateCatalogueItem.Item.ID}}, &ordered)
	itemID, requestID := vpn.CreateCatalogueItem.Item.ID, ordered.SubmitRequest.Request.ID

	// A change on orders-db, submitted: its assessment lists the open
	// incidents on its scope, all three of them.
	tpl := struct {
		CreateChangeTemplate struct {
			Template named `json:"template"`
		} `json:"createChangeTemplate"`
	}{}
	e.ok(t, cm, `mutation { createChangeTemplate(input: {name: "Restart", implementationPlan: "restart", backoutPlan: "none", configurationItemTypes: [DATABASE, APPLICATION]}) { template { id name } } }`, nil, &tpl)
	frz := struct {
		CreateFreezeWindow struct {
			FreezeWindow named `json:"freezeWindow"`
		} `json:"createFreezeWindow"`
	}{}
	e.ok(t, cm, `mutation($in: CreateFreezeWindowInput!) { createFreezeWindow(input: $in) { freezeWindow { id name } } }`,
		map[string]any{"in": map[string]any{"name": "Sale", "start": "2026-03-09T00:00:00Z", "end": "2026-03-12T00:00:00Z", "serviceIds": []string{w.id(t, "Shop")}}}, &frz)
	c := e.createChange(t, team.agent, normalChange("Patch orders-db", w.idsOf(t, "orders-db"), "2026-03-10T20:00:00Z", "2026-03-10T22:00:00Z"))
	c = e.transitionChange(t, team.agent, c, "SUBMITTED", "ready")
	var got changeOpenIncidents
	e.ok(t, e.analyst, `query($id: ID!) { change(id: $id) { assessment { openIncidents { id } } } }`, map[string]any{"id": c.ID}, &got)
	if n := len(got.Change.Assessment.OpenIncidents); n != 3 {
		t.Fatalf("the assessment found %d open incidents, want 3", n)
	}

	var hist struct {
		ConfigurationItem struct {
			History historyConn `json:"history"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { history { edges { node { id } } } } }`, map[string]any{"id": w.id(t, "orders-db")}, &hist)

	var bl struct {
		CreateBaseline struct{ Baseline named }
	}
	e.ok(t, e.cm, `mutation($r: ID!) { createBaseline(input: {name: "Shop", rootId: $r, scope: SUPPORTING_TREE}) { baseline { id name } } }`,
		map[string]any{"r": w.id(t, "Shop")}, &bl)

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
		c.ID, tpl.CreateChangeTemplate.Template.ID, frz.CreateFreezeWindow.FreezeWindow.ID, gold, ritas.ID, desks.ID, queued.ID, prb.ID,
		kbPublic.ID, kbInternal.ID, kbDraft.ID, itemID, requestID}
	incidents := []map[string]any{{"id": ritas.ID}, {"id": desks.ID}, {"id": queued.ID}}
	var nodes []map[string]any
	for _, id := range ww.nodeIDs {
		nodes = append(nodes, map[string]any{"id": id})
	}
	ww.samples = map[string][]map[string]any{
		"me": one(nil), "node": nodes, "nodes": one(map[string]any{"ids": ww.nodeIDs}), "search": one(map[string]any{"text": "orders"}), "eventLog": one(nil), "webhooks": one(nil),
		"configurationItem": one(map[string]any{"id": w.id(t, "orders-db")}), "configurationItems": one(nil), "relationshipTypes": one(nil), "reconciliationRules": one(nil),
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
		"slaEventLog":         one(nil),
		"ola":                 one(map[string]any{"id": netOLA.CreateOLA.OLA.ID}), "olas": one(nil),
		"olaReport":  one(map[string]any{"olaId": netOLA.CreateOLA.OLA.ID, "from": from, "to": to}),
		"slaReviews": one(map[string]any{"slaId": gold}), "upcomingReviews": one(map[string]any{"withinDays": 366}),
		"changesNear":       one(map[string]any{"ciId": w.id(t, "orders-app")}),
		"problemCandidates": one(map[string]any{"minIncidents": 1}),
		"problem":           one(map[string]any{"id": prb.ID}), "problems": one(nil), "knownErrors": one(nil),
		"knowledgeArticle":  {{"id": kbPublic.ID}, {"id": kbInternal.ID}, {"id": kbDraft.ID}},
		"knowledgeArticles": one(nil), "searchKnowledge": one(map[string]any{"query": "orders-db"}), "articlesDueForReview": one(nil),
		"suggestKnowledge": one(map[string]any{"text": "orders-db slow", "configurationItemIds": []string{w.id(t, "orders-app")}}),
		"requestCatalogue": one(nil), "catalogueItems": one(nil), "catalogueItem": one(map[string]any{"id": itemID}),
		"serviceRequest": one(map[string]any{"id": requestID}), "myRequests": one(nil), "myApprovals": one(nil),
		"requestTaskQueue": {nil, {"groupId": network}}, "serviceRequests": one(nil),
		"requestReport": one(map[string]any{"from": from, "to": to}),
		"baseline":      one(map[string]any{"id": bl.CreateBaseline.Baseline.ID}), "baselines": one(nil),
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
