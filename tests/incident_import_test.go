package tests

import (
	"slices"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

const importIncidentsMutation = `mutation($in: ImportIncidentsInput!) { importIncidents(input: $in) {
  created incidents { id state priority createdAt respondedAt resolvedAt closedAt history { field from to at }
    slaClocks { sla { id } metric status elapsedSeconds } } } }`

type importedIncident struct {
	ID          string
	State       string
	Priority    string
	CreatedAt   string
	RespondedAt *string
	ResolvedAt  *string
	ClosedAt    *string
	History     []struct {
		Field string
		From  *string
		To    string
		At    string
	}
	SLAClocks []struct {
		SLA            named
		Metric         string
		Status         string
		ElapsedSeconds int
	}
}

// TestImportHistoricalIncidents: a migration loads incidents with their
// original times; their state, history, SLA clocks and the SLA report
// follow from those times; importing again creates nothing; only an admin
// or a service account may import, and a bad row writes nothing.
func TestImportHistoricalIncidents(t *testing.T) {
	e, w, team, _ := newIncidentEnv(t, app.Limits{}, t0)
	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	opened := t0.Add(-30 * 24 * time.Hour)
	at := func(d time.Duration) string { return opened.Add(d).Format(time.RFC3339) }
	closed := map[string]any{"sourceKey": "OLD-1", "shortDescription": "orders-db full", "callerId": subjCaller,
		"configurationItemIds": w.idsOf(t, "orders-db"), "impact": "HIGH", "urgency": "MEDIUM", "assignmentGroupId": team.deskID,
		"openedAt": at(0), "acknowledgedAt": at(20 * time.Minute), "resolvedAt": at(5 * time.Hour),
		"resolutionCode": "FIXED", "resolutionNotes": "grew the volume", "closedAt": at(48 * time.Hour)}
	open := map[string]any{"sourceKey": "OLD-2", "shortDescription": "printer jams", "impact": "LOW", "urgency": "LOW",
		"openedAt": t0.Add(-time.Hour).Format(time.RFC3339)}
	batch := map[string]any{"in": map[string]any{"incidents": []any{closed, open}}}

	run := func(token string) (int, []importedIncident) {
		var out struct {
			ImportIncidents struct {
				Created   int
				Incidents []importedIncident
			} `json:"importIncidents"`
		}
		e.ok(t, token, importIncidentsMutation, batch, &out)
		return out.ImportIncidents.Created, out.ImportIncidents.Incidents
	}
	created, incs := run(e.admin)
	if created != 2 || len(incs) != 2 {
		t.Fatalf("created %d of %d", created, len(incs))
	}
	a, b := incs[0], incs[1]
	if a.State != "CLOSED" || a.Priority != "P2" || !mustTime(t, a.CreatedAt).Equal(opened) ||
		!mustTime(t, deref(a.RespondedAt)).Equal(opened.Add(20*time.Minute)) || !mustTime(t, deref(a.ClosedAt)).Equal(opened.Add(48*time.Hour)) {
		t.Fatalf("imported closed incident %+v", a)
	}
	var moves []string
	for _, h := range a.History {
		if h.Field == "STATE" {
			moves = append(moves, h.To+"@"+mustTime(t, h.At).Sub(opened).String())
		}
	}
	if want := []string{"NEW@0s", "ASSIGNED@0s", "IN_PROGRESS@20m0s", "RESOLVED@5h0m0s", "CLOSED@48h0m0s"}; !slices.Equal(moves, want) {
		t.Fatalf("history %v, want %v", moves, want)
	}
	clocks := map[string]string{}
	for _, c := range a.SLAClocks {
		if c.SLA.ID == gold {
			clocks[c.Metric] = c.Status + " " + (time.Duration(c.ElapsedSeconds) * time.Second).String()
		}
	}
	if clocks["RESPONSE"] != "MET 20m0s" || clocks["RESOLUTION"] != "MET 5h0m0s" {
		t.Fatalf("clocks from the original times: %v", clocks)
	}
	if b.State != "NEW" || !mustTime(t, b.CreatedAt).Equal(t0.Add(-time.Hour)) {
		t.Fatalf("imported open incident %+v", b)
	}
	var rep struct {
		SLAReport struct{ Tickets, Met, MeanTimeToResolveSeconds int } `json:"slaReport"`
	}
	e.ok(t, e.analyst, `query($id: ID!, $from: DateTime!, $to: DateTime!) { slaReport(slaId: $id, from: $from, to: $to) { tickets met meanTimeToResolveSeconds } }`,
		map[string]any{"id": gold, "from": at(-time.Hour), "to": at(time.Hour)}, &rep)
	if rep.SLAReport.Tickets != 1 || rep.SLAReport.Met != 1 || rep.SLAReport.MeanTimeToResolveSeconds != 5*3600 {
		t.Fatalf("the SLA report of the imported month: %+v", rep.SLAReport)
	}

	// Again: nothing new, the same incidents.
	if again, incs2 := run(e.admin); again != 0 || incs2[0].ID != a.ID || incs2[1].ID != b.ID {
		t.Fatalf("re-import created %d: %v", again, incs2)
	}
	// A migration tool's service account may import; a person holding AGENT
	// may not.
	tool := e.createUser(t, map[string]any{"username": "migration", "displayName": "Migration", "kind": "SERVICE", "roles": []string{"AGENT"}})
	if again, _ := run(e.mint(t, tool.ID, auth.Agent)); again != 0 {
		t.Fatalf("the service account's re-import created %d", again)
	}
	e.fail(t, team.agent, importIncidentsMutation, batch, "FORBIDDEN")
	e.fail(t, team.caller, importIncidentsMutation, batch, "FORBIDDEN")

	// Bad rows: the good row beside them is not written either.
	fresh := func(key string, change map[string]any) map[string]any {
		row := map[string]any{"sourceKey": key, "shortDescription": "x", "impact": "LOW", "urgency": "LOW", "openedAt": at(0)}
		for k, v := range change {
			row[k] = v
		}
		return row
	}
	for _, c := range []struct {
		name string
		row  map[string]any
		code string
	}{
		{"opened in the future", fresh("N-1", map[string]any{"openedAt": t0.Add(time.Hour).Format(time.RFC3339)}), "BAD_USER_INPUT"},
		{"acknowledged before opened", fresh("N-2", map[string]any{"acknowledgedAt": at(-time.Minute)}), "BAD_USER_INPUT"},
		{"resolved before acknowledged", fresh("N-3", map[string]any{"acknowledgedAt": at(time.Hour), "resolvedAt": at(time.Minute),
			"resolutionCode": "FIXED", "resolutionNotes": "n"}), "BAD_USER_INPUT"},
		{"closed, never resolved", fresh("N-4", map[string]any{"closedAt": at(time.Hour)}), "BAD_USER_INPUT"},
		{"resolved without a code", fresh("N-5", map[string]any{"resolvedAt": at(time.Hour)}), "BAD_USER_INPUT"},
		{"no source key", fresh("", nil), "BAD_USER_INPUT"},
		{"an unknown CI", fresh("N-6", map[string]any{"configurationItemIds": []string{"ci_missing"}}), "NOT_FOUND"},
		{"a key imported with other content", fresh("OLD-2", nil), "CONFLICT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.fail(t, e.admin, importIncidentsMutation, map[string]any{"in": map[string]any{"incidents": []any{fresh("GOOD-"+c.name, nil), c.row}}}, c.code)
			var n struct {
				Incidents struct{ TotalCount int } `json:"incidents"`
			}
			if e.ok(t, e.analyst, `{ incidents { totalCount } }`, nil, &n); n.Incidents.TotalCount != 2 {
				t.Fatalf("a refused batch wrote: %d incidents", n.Incidents.TotalCount)
			}
		})
	}
	e.fail(t, e.admin, importIncidentsMutation, map[string]any{"in": map[string]any{"incidents": []any{}}}, "BAD_USER_INPUT")
	e.fail(t, e.admin, importIncidentsMutation, map[string]any{"in": map[string]any{"incidents": []any{fresh("D", nil), fresh("D", nil)}}}, "BAD_USER_INPUT")
}
