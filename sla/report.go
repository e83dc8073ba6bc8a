package sla

import (
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

// Report sums up how tickets under an SLA did in a period.
type Report struct {
	// Tickets counts the tickets opened in the period (cancelled ones left
	// out).
	Tickets int
	// Met counts resolved tickets whose clocks all met their targets.
	Met int
	// Breached counts tickets with a breached clock, resolved or not.
	Breached int
	// Compliance is Met / (Met + Breached) in percent; 100 when neither
	// (nothing was assessed, so nothing failed).
	Compliance float64
	// MeanTimeToRespond and MeanTimeToResolve average the working time
	// (under the SLA's schedule, pauses excluded) of the tickets that
	// responded or resolved; zero when none did.
	MeanTimeToRespond time.Duration
	MeanTimeToResolve time.Duration
	// MeanTimeToFulfil averages the same for requests, from approval to
	// fulfilment, of those fulfilled.
	MeanTimeToFulfil time.Duration
}

// CheckPeriod returns BAD_USER_INPUT unless from is before to.
func CheckPeriod(from, to time.Time) error {
	if !from.Before(to) {
		return apperr.Invalid("to", "must be after from (got from %s, to %s)", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	return nil
}

// BuildReport computes the report of s over the tickets opened in
// [from, to) on its services (as Tickets.TicketsOpened gives them), judged
// at now; tickets another customer raised are left out.
func BuildReport(s SLA, tickets []Ticket, from, to, now time.Time) (Report, error) {
	if err := CheckPeriod(from, to); err != nil {
		return Report{}, err
	}
	var r Report
	var sums [3]time.Duration
	var counts [3]int
	slot := map[Metric]int{Response: 0, Resolution: 1, Fulfilment: 2}
	for _, t := range tickets {
		if t.Cancelled || t.OpenedAt.Before(from) || !t.OpenedAt.Before(to) || !s.Serves(t) {
			continue
		}
		r.Tickets++
		clocks, err := Clocks(s, t, now)
		if err != nil {
			return Report{}, err
		}
		breached, stopped := false, true
		for _, c := range clocks {
			breached = breached || c.Breached()
			stopped = stopped && c.StoppedAt != nil
			if c.StoppedAt == nil || c.Status == NotTargeted {
				continue
			}
			sums[slot[c.Metric]] += c.Elapsed
			counts[slot[c.Metric]]++
		}
		switch {
		case breached:
			r.Breached++
		case stopped:
			r.Met++
		}
	}
	r.Compliance = 100
	if n := r.Met + r.Breached; n > 0 {
		r.Compliance = 100 * float64(r.Met) / float64(n)
	}
	means := [3]*time.Duration{&r.MeanTimeToRespond, &r.MeanTimeToResolve, &r.MeanTimeToFulfil}
	for i, m := range means {
		if counts[i] > 0 {
			*m = sums[i] / time.Duration(counts[i])
		}
	}
	return r, nil
}

// Availability is how much of the agreed service time a service was up.
type Availability struct {
	// Agreed is the service time in the period under the schedule.
	Agreed time.Duration
	// Downtime is the agreed time covered by outages, each instant once.
	Downtime time.Duration
	// Percent is 100 × (Agreed − Downtime) / Agreed; 100 without agreed
	// time.
	Percent float64
	// Outages are the merged outage spans clipped to the period.
	Outages []Interval
}

// ComputeAvailability measures a service over [from, to) given its outages
// (an open one lasts until to). Overlapping outages — several incidents on
// shared infrastructure taking the same service down — are merged first, so
// each instant of downtime counts once. Only time the schedule counts is
// agreed service time.
func ComputeAvailability(sched Schedule, from, to time.Time, outages []Interval) (Availability, error) {
	if err := CheckPeriod(from, to); err != nil {
		return Availability{}, err
	}
	var a Availability
	var err error
	if a.Agreed, err = sched.Between(from, to); err != nil {
		return Availability{}, err
	}
	for _, o := range Merge(outages) {
		start, end := o.Start, to
		if o.End != nil && o.End.Before(to) {
			end = *o.End
		}
		if start.Before(from) {
			start = from
		}
		if !end.After(start) {
			continue
		}
		d, err := sched.Between(start, end)
		if err != nil {
			return Availability{}, err
		}
		a.Downtime += d
		e := end
		a.Outages = append(a.Outages, Interval{Start: start, End: &e})
	}
	a.Percent = 100
	if a.Agreed > 0 {
		a.Percent = 100 * float64(a.Agreed-a.Downtime) / float64(a.Agreed)
	}
	return a, nil
}
