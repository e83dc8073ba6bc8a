package neo4j_test

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/sla"
)

func goldInput(f *incidentFixture) sla.Terms {
	var ts []sla.Target
	for i, p := range sla.Priorities() {
		n := time.Duration(1 << i)
		ts = append(ts, sla.Target{Priority: p, Response: n * time.Hour, Resolution: 4 * n * time.Hour})
	}
	return sla.Terms{Name: "Gold webshop", CustomerID: f.ids["Sales"], ServiceIDs: []string{f.ids["Webshop"]}, Targets: ts,
		Availability: 99.5, Schedule: sla.TwentyFourSeven(), WarningThreshold: 0.75, ReviewPeriod: sla.Monthly,
		ReviewStart: time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)}
}

func TestSLACrudAndReviews(t *testing.T) {
	f := newIncidents(t)
	svc := sla.NewService(f.store.SLAs(), f.clock.Now, ids.New)
	in := goldInput(f)
	in.Schedule = sla.Schedule{Kind: sla.WorkingHours, TimeZone: "Europe/Berlin", Weekdays: []time.Weekday{time.Monday, time.Friday},
		StartMinute: 480, EndMinute: 1080, Holidays: []string{"2026-12-25"}}
	a, err := svc.Create(f.ctx, auth.Principal{}, sla.CreateInput{Terms: in})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Get(f.ctx, a.ID)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(a) {
		t.Fatalf("read back\n got %+v\nwant %+v\n%v", got, a, err)
	}
	many, err := svc.GetMany(f.ctx, []string{a.ID, "sla_nope"})
	if err != nil || len(many) != 1 || fmt.Sprint(many[a.ID]) != fmt.Sprint(a) {
		t.Fatalf("batch read %+v %v", many, err)
	}
	bad := in
	bad.CustomerID = f.ids["Webshop"]
	if _, err := svc.Create(f.ctx, auth.Principal{}, sla.CreateInput{Terms: bad}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("customer that is no unit: %v", err)
	}
	bad = in
	bad.ServiceIDs = []string{f.ids["db"]}
	if _, err := svc.Create(f.ctx, auth.Principal{}, sla.CreateInput{Terms: bad}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("CI as service: %v", err)
	}
	in.ServiceIDs = append(in.ServiceIDs, f.ids["Reports"])
	if _, err := svc.Update(f.ctx, auth.Principal{}, sla.UpdateInput{ID: a.ID, ExpectedVersion: 5, Terms: in}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale: %v", err)
	}
	up, err := svc.Update(f.ctx, auth.Principal{}, sla.UpdateInput{ID: a.ID, ExpectedVersion: 1, Terms: in})
	if err != nil || up.Version != 2 || len(up.ServiceIDs) != 2 {
		t.Fatalf("update %+v %v", up, err)
	}
	cov, err := svc.Covering(f.ctx, []string{f.ids["Reports"]})
	if err != nil || len(cov) != 1 || cov[0].ID != a.ID {
		t.Fatalf("covering %+v %v", cov, err)
	}
	page, err := svc.List(f.ctx, f.ids["Sales"], paging.Request{First: 10})
	if err != nil || page.Total != 1 {
		t.Fatalf("list %+v %v", page, err)
	}

	// Reviews: the first falls on 15 March; recording it moves the next
	// to 15 April.
	up1, err := svc.UpcomingReviews(f.ctx, 30*24*time.Hour)
	if err != nil || len(up1) != 1 || !up1[0].Date.Equal(in.ReviewStart) {
		t.Fatalf("upcoming %+v %v", up1, err)
	}
	due := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	r, err := svc.RecordReview(f.ctx, auth.Principal{Subject: "usr_owner"}, sla.RecordReviewInput{SLAID: a.ID, Date: in.ReviewStart, Attendees: []string{"Sales lead", "Service owner"},
		Notes: "fine", Actions: []sla.ReviewAction{{Description: "add Reports", OwnerID: "usr_owner", Due: &due}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordReview(f.ctx, auth.Principal{Subject: "x"}, sla.RecordReviewInput{SLAID: "sla_nope", Date: due, Attendees: []string{"a"}}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("review of unknown SLA: %v", err)
	}
	if _, err := svc.RecordReview(f.ctx, auth.Principal{Subject: "x"}, sla.RecordReviewInput{SLAID: a.ID, Date: due}); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("review without attendees: %v", err)
	}
	reviews, err := svc.Reviews(f.ctx, a.ID)
	if err != nil || len(reviews) != 1 || fmt.Sprint(reviews[0]) != fmt.Sprint(r) {
		t.Fatalf("reviews\n got %+v\nwant %+v\n%v", reviews, r, err)
	}
	up2, err := svc.UpcomingReviews(f.ctx, 60*24*time.Hour)
	if err != nil || len(up2) != 1 || !up2[0].Date.Equal(time.Date(2026, 4, 15, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("after the review %+v %v", up2, err)
	}
}

func TestSLAClocksEventsReportAndAvailability(t *testing.T) {
	f := newIncidents(t)
	svc := sla.NewService(f.store.SLAs(), f.clock.Now, ids.New)
	gold, err := svc.Create(f.ctx, auth.Principal{}, sla.CreateInput{Terms: goldInput(f)})
	if err != nil {
		t.Fatal(err)
	}
	start := f.clock.Now()
	// The db alert is P2 (high impact, medium urgency): 2h to respond, 8h
	// to resolve; it impacts Webshop, which gold covers.
	inc, _ := f.alert(t, "db-1", "x")
	// A second incident on the app, an hour later, overlaps the first
	// outage of Webshop; it is resolved before the first one.
	f.clock.Advance(time.Hour)
	app, _, err := f.inc.Create(f.ctx, f.agent, incident.CreateInput{ShortDescription: "app crash", CIIDs: []string{f.ids["app"]},
		Impact: incident.High, Urgency: incident.High, AssignmentGroupID: &f.group.ID})
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func() string {
		t.Helper()
		events, err := svc.Evaluate(f.ctx, f.inc)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, e := range events {
			who := "db"
			if e.TicketID == app.ID {
				who = "app"
			}
			parts = append(parts, fmt.Sprintf("%s:%s:%s", who, e.Metric, e.Kind))
		}
		sort.Strings(parts)
		return strings.Join(parts, " ")
	}
	if got := evaluate(); got != "" {
		t.Fatalf("fresh: %s", got)
	}
	// 1h35m after the db alert: its response warning (at 1h30m) is due.
	f.clock.Advance(35 * time.Minute)
	if got := evaluate(); got != "db:RESPONSE:WARNING" {
		t.Fatalf("first warning: %q", got)
	}
	if got := evaluate(); got != "" {
		t.Fatalf("repeat evaluation: %q", got)
	}
	// The app incident resolves within its P1 targets (responded when
	// logged with a group; 4h to resolve).
	_, err = f.inc.Transition(f.ctx, f.as(f.agent), incident.TransitionInput{ID: app.ID, ExpectedVersion: app.Version, To: incident.Resolved,
		ResolutionCode: incident.ResolvedFixed, ResolutionNotes: "restarted"})
	if err != nil {
		t.Fatal(err)
	}
	// Past 8h: the db incident breached response and resolution; two
	// evaluators racing record each event once between them.
	f.clock.Advance(7 * time.Hour)
	var wg sync.WaitGroup
	results := make([]string, 2)
	for n := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[n] = evaluate() }()
	}
	wg.Wait()
	all := strings.Fields(results[0] + " " + results[1])
	sort.Strings(all)
	if got := strings.Join(all, " "); got != "db:RESOLUTION:BREACH db:RESOLUTION:WARNING db:RESPONSE:BREACH" {
		t.Fatalf("racing evaluators: %q", got)
	}
	events, err := svc.Events(f.ctx, []string{inc.ID, app.ID})
	if err != nil || len(events) != 4 {
		t.Fatalf("recorded %+v %v", events, err)
	}
	// A restarted evaluator (a new service over the same store) adds
	// nothing.
	restarted := sla.NewService(f.store.SLAs(), f.clock.Now, ids.New)
	if again, err := restarted.Evaluate(f.ctx, f.inc); err != nil || len(again) != 0 {
		t.Fatalf("after restart: %v %v", again, err)
	}
	// The clocks of tickets, as the API shows them: one batch for both.
	tk, err := f.inc.GetMany(f.ctx, f.viewer(f.agent), []string{inc.ID, app.ID})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := f.inc.History(f.ctx, f.viewer(f.agent), []string{inc.ID, app.ID})
	clocks, err := svc.ClocksOf(f.ctx, []sla.Ticket{incident.Ticket(tk[inc.ID], h[inc.ID]), incident.Ticket(tk[app.ID], h[app.ID])})
	if err != nil || len(clocks) != 2 {
		t.Fatalf("clocks %+v %v", clocks, err)
	}
	dbc := clocks[inc.ID]
	if len(dbc) != 1 || dbc[0].SLA.ID != gold.ID || len(dbc[0].Clocks) != 2 || !dbc[0].Clocks[0].Breached() || !dbc[0].Clocks[1].Breached() {
		t.Fatalf("db clocks %+v", dbc)
	}
	if a := clocks[app.ID]; len(a) != 1 || a[0].Clocks[0].Status != sla.Met || a[0].Clocks[1].Status != sla.Met {
		t.Fatalf("app clocks %+v", a)
	}

	// Resolve the db incident 10h after it was logged.
	f.clock.Advance(time.Hour + 25*time.Minute)
	cur, _ := f.inc.Get(f.ctx, f.viewer(f.agent), inc.ID)
	resolved, err := f.inc.Transition(f.ctx, f.as(f.agent), incident.TransitionInput{ID: inc.ID, ExpectedVersion: cur.Version, To: incident.Resolved,
		ResolutionCode: incident.ResolvedFixed, ResolutionNotes: "disk replaced"})
	if err != nil {
		t.Fatal(err)
	}
	end := f.clock.Now()
	report, err := svc.Report(f.ctx, gold.ID, start, end, f.inc)
	if err != nil || report.Tickets != 2 || report.Met != 1 || report.Breached != 1 || math.Abs(report.Compliance-50) > 1e-9 {
		t.Fatalf("report %+v %v", report, err)
	}
	// Webshop was down from the db alert until its resolution; the app
	// outage inside it counts once. The period is twice that long.
	dbOutage := resolved.ResolvedAt.Sub(cur.CreatedAt)
	from := cur.CreatedAt.Add(-dbOutage / 2)
	to := resolved.ResolvedAt.Add(dbOutage / 2)
	avail, err := svc.ServiceAvailability(f.ctx, f.ids["Webshop"], "", from, to, f.inc)
	if err != nil || avail.Downtime != dbOutage || len(avail.Outages) != 1 {
		t.Fatalf("availability %+v %v (db outage %s)", avail, err, dbOutage)
	}
	if math.Abs(avail.Percent-50) > 1e-9 {
		t.Fatalf("availability %v%%", avail.Percent)
	}
	// Reports was hit by the db incident only: DOWN through Warehouse.
	if avail, err := svc.ServiceAvailability(f.ctx, f.ids["Reports"], "", from, to, f.inc); err != nil || avail.Downtime != avail.Outages[0].End.Sub(avail.Outages[0].Start) {
		t.Fatalf("reports availability %+v %v", avail, err)
	}
	if _, err := svc.Report(f.ctx, "sla_nope", start, end, f.inc); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown SLA: %v", err)
	}
	if _, err := svc.Report(f.ctx, gold.ID, end, start, f.inc); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("reversed period: %v", err)
	}
}
