package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

const slaFields = `
fragment S on SLA {
  id name version customerId customer { id name } services { id name } availability warningThreshold reviewPeriod reviewStart
  targets { priority responseMinutes resolutionMinutes }
  schedule { kind timeZone weekdays startMinute endMinute holidays }
}`

type slaData struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Version      int     `json:"version"`
	Customer     *named  `json:"customer"`
	Services     []named `json:"services"`
	ReviewPeriod string  `json:"reviewPeriod"`
	Targets      []struct {
		Priority        string `json:"priority"`
		ResponseMinutes int    `json:"responseMinutes"`
	} `json:"targets"`
	Schedule struct {
		Kind        string   `json:"kind"`
		TimeZone    *string  `json:"timeZone"`
		Weekdays    []string `json:"weekdays"`
		StartMinute int      `json:"startMinute"`
		EndMinute   int      `json:"endMinute"`
		Holidays    []string `json:"holidays"`
	} `json:"schedule"`
}

// TestSLALifecycle: an SLA on working hours is created, read back as
// written, updated under optimistic concurrency, listed by customer, and
// reviewed; upcomingReviews moves on after the review.
func TestSLALifecycle(t *testing.T) {
	e, w, _, _ := newIncidentEnv(t, app.Limits{}, t0)
	in := goldSLA(w, t)
	terms := in["terms"].(map[string]any)
	terms["schedule"] = map[string]any{"kind": "WORKING_HOURS", "timeZone": "Europe/Berlin",
		"weekdays": []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SUNDAY"}, "startMinute": 480, "endMinute": 1080,
		"holidays": []string{"2026-12-25"}}
	id := e.createSLA(t, w.owner, in)

	var read struct {
		SLA slaData `json:"sla"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { sla(id: $id) { ...S } }`+slaFields, map[string]any{"id": id}, &read)
	s := read.SLA
	// Go counts weekdays from Sunday; the schema from Monday.
	if s.Name != "Retail gold" || s.Version != 1 || s.Customer == nil || s.Customer.Name != "Retail" || !slices.Equal(names(s.Services), []string{"Shop"}) ||
		s.Schedule.Kind != "WORKING_HOURS" || deref(s.Schedule.TimeZone) != "Europe/Berlin" ||
		!slices.Equal(sorted(s.Schedule.Weekdays), []string{"FRIDAY", "MONDAY", "SUNDAY", "THURSDAY", "TUESDAY", "WEDNESDAY"}) ||
		s.Schedule.StartMinute != 480 || s.Schedule.EndMinute != 1080 || !slices.Equal(s.Schedule.Holidays, []string{"2026-12-25"}) ||
		len(s.Targets) != 5 || s.Targets[1].Priority != "P2" || s.Targets[1].ResponseMinutes != 120 {
		t.Fatalf("read back %+v", s)
	}

	const update = `mutation($in: UpdateSLAInput!) { updateSLA(input: $in) { sla { ...S } } }` + slaFields
	terms["serviceIds"] = w.idsOf(t, "Shop", "Payroll")
	e.fail(t, w.owner, update, map[string]any{"in": map[string]any{"id": id, "expectedVersion": 3, "terms": terms}}, "CONFLICT")
	var up struct {
		UpdateSLA struct {
			SLA slaData `json:"sla"`
		} `json:"updateSLA"`
	}
	e.ok(t, w.owner, update, map[string]any{"in": map[string]any{"id": id, "expectedVersion": 1, "terms": terms}}, &up)
	if up.UpdateSLA.SLA.Version != 2 || !slices.Equal(sorted(names(up.UpdateSLA.SLA.Services)), []string{"Payroll", "Shop"}) {
		t.Fatalf("updated %+v", up.UpdateSLA.SLA)
	}

	var list struct {
		Slas struct {
			TotalCount int `json:"totalCount"`
		} `json:"slas"`
	}
	e.ok(t, e.analyst, `query($c: ID) { slas(customerId: $c) { totalCount } }`, map[string]any{"c": w.id(t, "Retail")}, &list)
	if list.Slas.TotalCount != 1 {
		t.Fatalf("Retail's SLAs: %d", list.Slas.TotalCount)
	}
	e.ok(t, e.analyst, `query($c: ID) { slas(customerId: $c) { totalCount } }`, map[string]any{"c": w.id(t, "Shop")}, &list)
	if list.Slas.TotalCount != 0 {
		t.Fatalf("Shop is no customer, yet lists %d", list.Slas.TotalCount)
	}

	// The first review falls on reviewStart; recording it moves the next
	// one a quarter on.
	const upcoming = `{ upcomingReviews(withinDays: 366) { sla { id } date overdue } }`
	var due struct {
		UpcomingReviews []struct {
			SLA     named  `json:"sla"`
			Date    string `json:"date"`
			Overdue bool   `json:"overdue"`
		} `json:"upcomingReviews"`
	}
	e.ok(t, e.analyst, upcoming, nil, &due)
	if len(due.UpcomingReviews) != 1 || due.UpcomingReviews[0].SLA.ID != id || due.UpcomingReviews[0].Date != "2026-04-01T09:00:00Z" || due.UpcomingReviews[0].Overdue {
		t.Fatalf("upcoming %+v", due.UpcomingReviews)
	}
	var rec struct {
		RecordSLAReview struct {
			Review struct {
				ID         string   `json:"id"`
				Attendees  []string `json:"attendees"`
				RecordedBy string   `json:"recordedBy"`
				SLA        named    `json:"sla"`
				Actions    []struct {
					Description string `json:"description"`
				} `json:"actions"`
			} `json:"review"`
		} `json:"recordSLAReview"`
	}
	e.ok(t, w.owner, `mutation($in: RecordSLAReviewInput!) { recordSLAReview(input: $in) { review { id attendees recordedBy sla { id name } actions { description } } } }`,
		map[string]any{"in": map[string]any{"slaId": id, "date": "2026-04-01T09:00:00Z", "attendees": []string{"Retail lead", "Service manager"},
			"notes": "all targets met", "actions": []map[string]any{{"description": "add Payroll to the report"}}}}, &rec)
	rv := rec.RecordSLAReview.Review
	if rv.SLA.ID != id || len(rv.Attendees) != 2 || len(rv.Actions) != 1 || rv.RecordedBy != "e2e-service-owner" {
		t.Fatalf("review %+v", rv)
	}
	e.fail(t, w.owner, `mutation { recordSLAReview(input: {slaId: "sla_nope", date: "2026-04-01T09:00:00Z", attendees: ["x"]}) { review { id } } }`, nil, "NOT_FOUND")
	e.ok(t, e.analyst, upcoming, nil, &due)
	if len(due.UpcomingReviews) != 1 || due.UpcomingReviews[0].Date != "2026-07-01T09:00:00Z" {
		t.Fatalf("after the review %+v", due.UpcomingReviews)
	}
	var reviews struct {
		SLAReviews []struct {
			ID string `json:"id"`
		} `json:"slaReviews"`
	}
	e.ok(t, e.analyst, `query($id: ID!) { slaReviews(slaId: $id) { id } }`, map[string]any{"id": id}, &reviews)
	if len(reviews.SLAReviews) != 1 || reviews.SLAReviews[0].ID != rv.ID {
		t.Fatalf("reviews %+v", reviews.SLAReviews)
	}
	e.fail(t, e.analyst, `{ upcomingReviews(withinDays: 0) { date } }`, nil, "BAD_USER_INPUT")
}
