package resolvers

import (
	"context"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/sla"
)

// clocksOf computes the SLA clocks of a batch of incidents: the incidents
// (in the reader's scope), their history and the covering SLAs are three
// reads whatever the batch size.
func (r *Resolver) clocksOf(ctx context.Context, keys []string) (map[string][]sla.TicketClocks, error) {
	ts, err := loadedTickets(ctx, keys)
	if err != nil {
		return nil, err
	}
	m, err := r.SLAMgmt.ClocksOf(ctx, ts)
	return withEmpty(keys, m, err)
}

// holdClocksOf computes the OLA clocks of a batch of incidents likewise,
// over the same tickets: a response asking for both reads them once.
func (r *Resolver) holdClocksOf(ctx context.Context, keys []string) (map[string][]sla.TicketHoldClocks, error) {
	ts, err := loadedTickets(ctx, keys)
	if err != nil {
		return nil, err
	}
	m, err := r.SLAMgmt.HoldClocksOf(ctx, ts)
	return withEmpty(keys, m, err)
}

// loadedTickets are the tickets of keys the reader may see, through the
// response's loader.
func loadedTickets(ctx context.Context, keys []string) ([]sla.Ticket, error) {
	got, err := slaLoadersFrom(ctx).tickets.LoadAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	ts := make([]sla.Ticket, 0, len(got))
	for _, t := range got {
		if t != nil {
			ts = append(ts, *t)
		}
	}
	return ts, nil
}

// incidentTickets reads the incidents of keys in the reader's scope, with
// their history, as the clocks see them: two reads whatever the number. An
// incident out of scope maps to nil.
func (r *Resolver) incidentTickets(ctx context.Context, keys []string) (map[string]*sla.Ticket, error) {
	v, err := r.viewer(ctx)
	if err != nil {
		return nil, err
	}
	incs, err := r.IncidentMgmt.GetMany(ctx, v, keys)
	if err != nil {
		return nil, err
	}
	// The reader's history suffices: it keeps state, priority and group
	// changes whole, which is all a ticket's clocks read.
	history, err := r.IncidentMgmt.History(ctx, v, keys)
	if err != nil {
		return nil, err
	}
	ts := make(map[string]*sla.Ticket, len(incs))
	for id, inc := range incs {
		t := incident.Ticket(inc, history[id])
		ts[id] = &t
	}
	return withEmpty(keys, ts, nil)
}

// ticketEvents are the recorded SLA events of a ticket the reader already
// holds, for staff: requesters do not read SLAs, so they get none.
func ticketEvents(ctx context.Context, ticketID string) ([]*model.SLAEvent, error) {
	if !principal(ctx).HasAny(auth.Staff) {
		return []*model.SLAEvent{}, nil
	}
	es, err := slaLoadersFrom(ctx).events.Load(ctx, ticketID)
	return mapSlice(es, slaEventModel), err
}

// loadSLA loads an SLA for a reference field; null when it disappeared.
func loadSLA(ctx context.Context, id string) (*model.SLA, error) {
	a, err := slaLoadersFrom(ctx).slas.Load(ctx, id)
	if err != nil {
		return nil, notFoundAsNull(err)
	}
	return slaModel(a), nil
}

// clockList lists a ticket's clocks under every SLA covering it.
func clockList(tcs []sla.TicketClocks) []*model.SLAClock {
	out := []*model.SLAClock{}
	for _, tc := range tcs {
		out = append(out, clockModels(tc)...)
	}
	return out
}

func clockModels(tc sla.TicketClocks) []*model.SLAClock {
	a := slaModel(tc.SLA)
	return mapSlice(tc.Clocks, func(c sla.Clock) *model.SLAClock {
		return &model.SLAClock{SLA: a, Metric: model.SLAMetric(c.Metric), Priority: optionalPriority(c.Priority),
			TargetMinutes: int(c.Target / time.Minute), ElapsedSeconds: int(c.Elapsed / time.Second),
			DueAt: optionalTime(c.Due), WarnAt: optionalTime(c.WarnAt), StoppedAt: optionalTime(c.StoppedAt),
			Status: model.SLAClockStatus(c.Status), Warning: c.Warning, Breached: c.Breached()}
	})
}

func slaModel(a sla.SLA) *model.SLA {
	return &model.SLA{
		ID: a.ID, Name: a.Name, Description: optional(a.Description), CustomerID: a.CustomerID, ServiceIDs: a.ServiceIDs,
		Targets: mapSlice(a.Targets, func(t sla.Target) *model.SLATarget {
			return &model.SLATarget{Priority: model.Priority(t.Priority), ResponseMinutes: int(t.Response / time.Minute), ResolutionMinutes: int(t.Resolution / time.Minute)}
		}),
		Availability: a.Availability, Schedule: scheduleModel(a.Schedule), WarningThreshold: a.WarningThreshold,
		ReviewPeriod: model.ReviewPeriod(a.ReviewPeriod), ReviewStart: a.ReviewStart, Version: a.Version, PauseOn: enumList[model.HoldReason](a.PauseOn),
		RaisePriorityOnBreach: a.RaiseOnBreach,
		CreatedAt:             a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

func scheduleModel(s sla.Schedule) *model.SLASchedule {
	return &model.SLASchedule{Kind: model.ScheduleKind(s.Kind), TimeZone: optional(s.TimeZone),
		Weekdays: mapSlice(s.Weekdays, weekdayModel), StartMinute: s.StartMinute, EndMinute: s.EndMinute, Holidays: nonNil(s.Holidays)}
}

// weekdayModel and weekdayOf map between the schema's Monday-first enum
// and Go's Sunday-first numbering.
func weekdayModel(d time.Weekday) model.Weekday { return model.AllWeekday[(int(d)+6)%7] }

func weekdayOf(d model.Weekday) time.Weekday {
	for i, w := range model.AllWeekday {
		if w == d {
			return time.Weekday((i + 1) % 7)
		}
	}
	return -1 // refused by Schedule.Validate
}

// minutes converts a whole number of minutes, saturating so that absurd
// input reaches the domain's range checks instead of overflowing.
func minutes(n int) time.Duration {
	const most = int(sla.MaxTarget/time.Minute) + 1
	return time.Duration(min(max(n, -1), most)) * time.Minute
}

func slaTerms(in *model.SLATermsInput) sla.Terms {
	t := sla.Terms{
		Name: in.Name, Description: deref(in.Description), CustomerID: in.CustomerID, ServiceIDs: in.ServiceIds,
		Targets: mapSlice(in.Targets, func(t *model.SLATargetInput) sla.Target {
			return sla.Target{Priority: sla.Priority(t.Priority), Response: minutes(t.ResponseMinutes), Resolution: minutes(t.ResolutionMinutes)}
		}),
		Availability: in.Availability, WarningThreshold: in.WarningThreshold, ReviewPeriod: sla.ReviewPeriod(in.ReviewPeriod), ReviewStart: in.ReviewStart,
	}
	if in.RaisePriorityOnBreach != nil {
		t.RaiseOnBreach = *in.RaisePriorityOnBreach
	}
	if in.PauseOn != nil { // nil leaves the default
		t.PauseOn = enumList[string](in.PauseOn)
	}
	t.Schedule = scheduleOf(in.Schedule)
	return t
}

func scheduleOf(s *model.SLAScheduleInput) sla.Schedule {
	if s == nil {
		return sla.Schedule{}
	}
	out := sla.Schedule{Kind: sla.ScheduleKind(s.Kind), TimeZone: deref(s.TimeZone), Weekdays: mapSlice(s.Weekdays, weekdayOf), Holidays: s.Holidays}
	if s.StartMinute != nil {
		out.StartMinute = *s.StartMinute
	}
	if s.EndMinute != nil {
		out.EndMinute = *s.EndMinute
	}
	return out
}

func reviewModel(r sla.Review) *model.SLAReview {
	return &model.SLAReview{ID: r.ID, SLAID: r.SLAID, Date: r.Date, Attendees: r.Attendees, Notes: optional(r.Notes),
		Actions: mapSlice(r.Actions, func(a sla.ReviewAction) *model.SLAReviewAction {
			return &model.SLAReviewAction{Description: a.Description, OwnerID: optional(a.OwnerID), Due: optionalTime(a.Due)}
		}),
		RecordedBy: r.RecordedBy, RecordedAt: r.RecordedAt}
}

func slaEventModel(e sla.Event) *model.SLAEvent {
	return &model.SLAEvent{ID: e.ID, SLAID: e.SLAID, TicketID: e.TicketID, Metric: model.SLAMetric(e.Metric),
		Kind: model.SLAEventKind(e.Kind), Priority: optionalPriority(e.Priority), At: e.At, RecordedAt: e.RecordedAt}
}

// optionalPriority is null for a clock without one (a request's
// fulfilment).
func optionalPriority(p sla.Priority) *model.Priority {
	if p == "" {
		return nil
	}
	m := model.Priority(p)
	return &m
}

// slaLoaders batch the SLAs and clocks fields refer to.
type slaLoaders struct {
	tickets    *dataloadgen.Loader[string, *sla.Ticket]
	clocks     *dataloadgen.Loader[string, []sla.TicketClocks]
	holdClocks *dataloadgen.Loader[string, []sla.TicketHoldClocks]
	slas       *dataloadgen.Loader[string, sla.SLA]
	events     *dataloadgen.Loader[string, []sla.Event]
}

func slaLoadersFrom(ctx context.Context) *slaLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *slaLoaders {
		return &slaLoaders{
			tickets:    dataloadgen.NewMappedLoader(r.incidentTickets, wait),
			clocks:     dataloadgen.NewMappedLoader(r.clocksOf, wait),
			holdClocks: dataloadgen.NewMappedLoader(r.holdClocksOf, wait),
			slas:       dataloadgen.NewMappedLoader(r.SLAMgmt.GetMany, wait),
			events: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []string) (map[string][]sla.Event, error) {
				es, err := r.SLAMgmt.Events(ctx, keys)
				m := map[string][]sla.Event{}
				for _, e := range es {
					m[e.TicketID] = append(m[e.TicketID], e)
				}
				return withEmpty(keys, m, err)
			}, wait),
		}
	})
}

// slaProcess registers service level management.
func slaProcess() process {
	return process{
		kinds: []kind{
			staffKind(sla.SLAPrefix, "SLA", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(slaModel)(r.SLAMgmt.Get(ctx, id))
			}),
			staffKind(sla.OLAPrefix, "OLA", func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
				return asNode(olaModel)(r.SLAMgmt.GetOLA(ctx, id))
			}),
		},
		// Reports, reviews and events show the SLA (and ticket) they are of.
		snapshots: []snapshot{
			shows(func(o *model.SLAEvent) []string { return []string{o.SLAID, o.TicketID} }),
			shows(func(o *model.SLAReport) []string { return []string{o.SLAID} }),
			shows(func(o *model.SLAReview) []string { return []string{o.SLAID} }),
			shows(func(o *model.UpcomingReview) []string {
				if o.SLA == nil {
					return nil
				}
				return []string{o.SLA.ID}
			}),
			shows(func(o *model.ServiceAvailability) []string {
				if o.SLAID == "" {
					return []string{o.ServiceID}
				}
				return []string{o.ServiceID, o.SLAID}
			}),
		},
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			c.Query.Slas = func(child int, _ *string, _ *model.TimeOrder, _, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.Olas = func(child int, _ *string, _ *model.TimeOrder, _, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.SLAEventLog = func(child int, _ *model.SLAEventFilter, _ *model.TimeOrder, first *int, _ *string) int {
				return connection(child, first)
			}
		},
	}
}

func availabilityModel(from, to time.Time, a sla.Availability) *model.ServiceAvailability {
	spans := func(is []sla.Interval) []*model.TimeInterval {
		return mapSlice(is, func(o sla.Interval) *model.TimeInterval {
			return &model.TimeInterval{Start: o.Start.UTC(), End: o.End.UTC()}
		})
	}
	m := &model.ServiceAvailability{ServiceID: a.ServiceID, From: from.UTC(), To: to.UTC(), AgreedSeconds: int(a.Agreed / time.Second),
		DowntimeSeconds: int(a.Downtime / time.Second), DegradedSeconds: int(a.Degraded / time.Second), Percent: a.Percent,
		Met: a.Met(), Outages: spans(a.Outages), Degradations: spans(a.Degradations)}
	if a.SLA != nil {
		m.SLAID, m.Target = a.SLA.ID, &a.SLA.Availability
	}
	return m
}
