package tests

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
)

// availabilityFragment is what the tests read of an availability;
// availabilityQuery reads a service's, under an SLA when $sla is given.
const (
	availabilityFragment = `
fragment A on ServiceAvailability {
  service { name } sla { id } agreedSeconds downtimeSeconds degradedSeconds percent target met
  outages { start end } degradations { start end } }`
	availabilityQuery = availabilityFragment + `
query($id: ID!, $from: DateTime!, $to: DateTime!, $sla: ID) {
  serviceAvailability(serviceId: $id, from: $from, to: $to, slaId: $sla) { ...A } }`
)

type availabilityData struct {
	Service         named  `json:"service"`
	SLA             *named `json:"sla"`
	AgreedSeconds   int    `json:"agreedSeconds"`
	DowntimeSeconds int    `json:"downtimeSeconds"`
	DegradedSeconds int    `json:"degradedSeconds"`
	Percent         float64
	Target          *float64
	Met             bool
	Outages         []struct{ Start, End string }
	Degradations    []struct{ Start, End string }
}

// TestOutagesCountWhatFailedWithinServiceHours: a question about a service
// takes nothing down; a failed cluster member only degrades it; an agent
// declares the service itself down; a database failure at night costs the
// SLA only the service hours it overlaps. The report says the target was
// missed.
func TestOutagesCountWhatFailedWithinServiceHours(t *testing.T) {
	e, w, team, clock := newIncidentEnv(t, app.Limits{}, t0)
	w.build(t, "k1 MEMBER_OF pool1:kiosk-pool", "k2 MEMBER_OF kiosk-pool", "ts:Kiosk DEPENDS_ON kiosk-pool", "Kiosk DEPENDS_ON kiosk-db")
	hours := goldSLA(w, t)
	terms := hours["terms"].(map[string]any)
	terms["name"], terms["serviceIds"], terms["availability"] = "Kiosk opening hours", w.idsOf(t, "Kiosk"), 99.0
	terms["schedule"] = map[string]any{"kind": "WORKING_HOURS", "timeZone": "UTC",
		"weekdays": []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}, "startMinute": 540, "endMinute": 1020}
	kioskSLA := e.createSLA(t, w.owner, hours)

	logOn := func(what string, items map[string]any) incidentData {
		in := map[string]any{"shortDescription": what, "callerId": subjCaller, "impact": "LOW", "urgency": "LOW", "assignmentGroupId": team.deskID}
		for k, v := range items {
			in[k] = v
		}
		inc, _ := e.createIncident(t, team.agent, in)
		return inc
	}
	resolve := func(inc incidentData) {
		inc = e.transitionIncident(t, team.agent, e.readIncident(t, team.agent, inc.ID), "IN_PROGRESS", nil)
		e.transitionIncident(t, team.agent, inc, "RESOLVED", map[string]any{"resolutionCode": "FIXED", "resolutionNotes": "done"})
	}
	out := func(inc incidentData) [2][]string {
		return [2][]string{names(inc.DownServices), names(inc.DegradedServices)}
	}

	// Only agents say what is out.
	e.fail(t, team.caller, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": "kiosk?", "serviceIds": w.idsOf(t, "Kiosk"),
		"impact": "LOW", "urgency": "LOW", "outage": "DECLARED"}}, "FORBIDDEN")
	e.fail(t, team.agent, createIncidentMutation, map[string]any{"in": map[string]any{"shortDescription": "kiosk?", "serviceIds": w.idsOf(t, "Kiosk"),
		"impact": "LOW", "urgency": "LOW", "outage": "SOMETIMES"}}, "BAD_USER_INPUT")

	// 09:00 a how-to question on the service: nothing is out.
	question := logOn("How do I print a receipt at the kiosk?", map[string]any{"serviceIds": w.idsOf(t, "Kiosk")})
	if question.Outage != "FROM_GRAPH" || len(question.DownServices)+len(question.DegradedServices) != 0 {
		t.Fatalf("question: outage %s, out %v", question.Outage, out(question))
	}
	// 10:00 one of two kiosk servers fails: the other carries on.
	clock.Advance(time.Hour)
	member := logOn("k1 is down", map[string]any{"configurationItemIds": w.idsOf(t, "k1")})
	if got := out(member); len(got[0]) != 0 || !slices.Equal(got[1], []string{"Kiosk"}) {
		t.Fatalf("member failure: down, degraded %v", got)
	}
	// 11:00 the desk hears the kiosk is down for everyone and says so.
	clock.Advance(time.Hour)
	declared := logOn("Kiosk down for everyone", map[string]any{"serviceIds": w.idsOf(t, "Kiosk")})
	if len(declared.DownServices) != 0 {
		t.Fatalf("before the declaration: %v", out(declared))
	}
	declared = e.incidentWrite(t, team.agent, updateIncidentMutation, "updateIncident",
		map[string]any{"id": declared.ID, "expectedVersion": declared.Version, "outage": "DECLARED"})
	if declared.Outage != "DECLARED" || !slices.Equal(names(declared.DownServices), []string{"Kiosk"}) {
		t.Fatalf("declared: %s %v", declared.Outage, out(declared))
	}
	if h := declared.History[len(declared.History)-1]; h.Field != "OUTAGE" || deref(h.From) != "FROM_GRAPH" || h.To != "DECLARED" {
		t.Fatalf("history %+v", h)
	}
	// 12:00 the question and the member are done, 13:00 the outage.
	clock.Advance(time.Hour)
	resolve(question)
	resolve(member)
	clock.Advance(time.Hour)
	resolve(declared)
	// 20:00 the database fails and stays down until 10:00 on Tuesday.
	clock.Advance(7 * time.Hour)
	db := logOn("kiosk-db not answering", map[string]any{"configurationItemIds": w.idsOf(t, "kiosk-db")})
	clock.Advance(14 * time.Hour)
	resolve(db)

	at := func(h int) string { return t0.Add(time.Duration(h) * time.Hour).Format(time.RFC3339) }
	from, to := t0.Add(-9*time.Hour).Format(time.RFC3339), t0.Add(39*time.Hour).Format(time.RFC3339)
	read := func(sla any) availabilityData {
		var got struct {
			ServiceAvailability availabilityData `json:"serviceAvailability"`
		}
		e.ok(t, e.analyst, availabilityQuery, map[string]any{"id": w.id(t, "Kiosk"), "from": from, "to": to, "sla": sla}, &got)
		return got.ServiceAvailability
	}
	spans := func(is []struct{ Start, End string }) []string {
		var out []string
		for _, i := range is {
			out = append(out, mustTime(t, i.Start).Format(time.RFC3339)+"/"+mustTime(t, i.End).Format(time.RFC3339))
		}
		return out
	}
	wantOutages := []string{at(2) + "/" + at(4), at(11) + "/" + at(25)}
	// Around the clock: two days, 2 + 14 hours down, and the hour 10–11
	// degraded before the declared outage began (11–12 it was down).
	round := read(nil)
	if round.AgreedSeconds != 48*3600 || round.DowntimeSeconds != 16*3600 || round.DegradedSeconds != 3600 || round.SLA != nil ||
		round.Target != nil || !round.Met || !slices.Equal(spans(round.Outages), wantOutages) ||
		!slices.Equal(spans(round.Degradations), []string{at(1) + "/" + at(3)}) {
		t.Fatalf("around the clock: %+v", round)
	}
	// Within the SLA's hours (Monday and Tuesday 09:00–17:00): 16 hours
	// agreed, 2 + 1 hours down, 81.25% against 99%.
	under := read(kioskSLA)
	if under.AgreedSeconds != 16*3600 || under.DowntimeSeconds != 3*3600 || under.DegradedSeconds != 3600 || under.SLA == nil ||
		under.SLA.ID != kioskSLA || math.Abs(under.Percent-81.25) > 0.01 || under.Target == nil || *under.Target != 99 || under.Met {
		t.Fatalf("under the SLA: %+v", under)
	}
	var rep struct {
		SLAReport struct {
			Availability    []availabilityData `json:"availability"`
			AvailabilityMet bool               `json:"availabilityMet"`
		} `json:"slaReport"`
	}
	e.ok(t, e.analyst, availabilityFragment+`
query($id: ID!, $from: DateTime!, $to: DateTime!) { slaReport(slaId: $id, from: $from, to: $to) { availability { ...A } availabilityMet } }`,
		map[string]any{"id": kioskSLA, "from": from, "to": to}, &rep)
	if r := rep.SLAReport; r.AvailabilityMet || len(r.Availability) != 1 || r.Availability[0].Service.Name != "Kiosk" ||
		r.Availability[0].DowntimeSeconds != under.DowntimeSeconds || r.Availability[0].Met {
		t.Fatalf("report: %+v", r)
	}

	// An SLA that does not cover the service cannot measure it.
	gold := e.createSLA(t, w.owner, goldSLA(w, t))
	e.fail(t, e.analyst, availabilityQuery, map[string]any{"id": w.id(t, "Kiosk"), "from": from, "to": to, "sla": gold}, "BAD_USER_INPUT")
	e.fail(t, e.analyst, availabilityQuery, map[string]any{"id": w.id(t, "Kiosk"), "from": from, "to": to, "sla": "sla_missing"}, "NOT_FOUND")
}
