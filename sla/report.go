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
	// Availability holds one entry per service of the SLA, in its order,
	// measured within the SLA's service hours against its target.
	Availability []Availability
	// Underpinning reports the OLAs and underpinning contracts on the
	// SLA's services over the tickets the SLA counted, by OLA name.
	Underpinning []OLAReport
}

// compliance is met / (met + breached) in percent; 100 when neither
// (nothing was assessed, so nothing failed).
func compliance(met, breached int) float64 {
	if met+breached == 0 {
		return 100
	}
	return 100 * float64(met) / float64(met+breached)
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
	r.Compliance = compliance(r.Met, r.Breached)
	means := [3]*time.Duration{&r.MeanTimeToRespond, &r.MeanTimeToResolve, &r.MeanTimeToFulfil}
	for i, m := range means {
		if counts[i] > 0 {
			*m = sums[i] / time.Duration(counts[i])
		}
	}
	return r, nil
}

// Outage is a span during which a ticket took a service down, or only
// degraded it (the graph found redundancy left, or the agent said so).
type Outage struct {
	Interval
	Degraded bool
}

// Availability is how much of the agreed service time a service was up.
type Availability struct {
	ServiceID string
	// Agreed is the service time in the period under the schedule.
	Agreed time.Duration
	// Downtime is the agreed time covered by outages, each instant once.
	Downtime time.Duration
	// Degraded is the agreed time the service ran degraded but not down,
	// each instant once; it does not lower Percent.
	Degraded time.Duration
	// Percent is 100 × (Agreed − Downtime) / Agreed; 100 without agreed
	// time.
	Percent float64
	// Outages and Degradations are the merged spans clipped to the period
	// (degradations overlapping an outage included).
	Outages, Degradations []Interval
	// SLA is the agreement it was measured under: its schedule gave the
	// agreed time and its availability is the target. Nil for around the
	// clock without a target.
	SLA *SLA
}

// Met says whether the availability reached the SLA's target (true
// without an SLA: nothing was agreed, so nothing was missed).
func (a Availability) Met() bool {
	return a.SLA == nil || a.Percent >= a.SLA.Availability
}

// ComputeAvailability measures a service over [from, to) given its outages
// (an open one lasts until to). Overlapping outages — several incidents on
// shared infrastructure taking the same service down — are merged first, so
// each instant of downtime counts once. Only time the schedule counts is
// agreed service time, so an SLA whose service hours are Sunday night is
// not charged for a Tuesday outage. Degraded time is what degradations add
// to the downtime: an instant both down and degraded is down.
func ComputeAvailability(sched Schedule, from, to time.Time, outages []Outage) (Availability, error) {
	if err := CheckPeriod(from, to); err != nil {
		return Availability{}, err
	}
	var a Availability
	var err error
	if a.Agreed, err = sched.Between(from, to); err != nil {
		return Availability{}, err
	}
	var down, degraded []Interval
	for _, o := range outages {
		if o.Degraded {
			degraded = append(degraded, o.Interval)
		} else {
			down = append(down, o.Interval)
		}
	}
	var either time.Duration
	if a.Outages, a.Downtime, err = covered(sched, from, to, down); err != nil {
		return Availability{}, err
	}
	if a.Degradations, _, err = covered(sched, from, to, degraded); err != nil {
		return Availability{}, err
	}
	if _, either, err = covered(sched, from, to, append(down, degraded...)); err != nil {
		return Availability{}, err
	}
	a.Degraded = either - a.Downtime
	a.Percent = 100
	if a.Agreed > 0 {
		a.Percent = 100 * float64(a.Agreed-a.Downtime) / float64(a.Agreed)
	}
	return a, nil
}

// covered merges spans, clips them to [from, to) (an open one ends at to)
// and returns them with the agreed time they cover.
func covered(sched Schedule, from, to time.Time, spans []Interval) ([]Interval, time.Duration, error) {
	var out []Interval
	var total time.Duration
	for _, o := range Merge(spans) {
		start, end := o.Start, to
		if start.Before(from) {
			start = from
		}
		if o.End != nil && o.End.Before(to) {
			end = *o.End
		}
		if !end.After(start) {
			continue
		}
		d, err := sched.Between(start, end)
		if err != nil {
			return nil, 0, err
		}
		total += d
		out = append(out, Interval{Start: start, End: &end})
	}
	return out, total, nil
}
