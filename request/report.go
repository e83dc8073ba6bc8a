package request

import (
	"context"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

// MaxReportRequests bounds the requests one report reads.
const MaxReportRequests = 5000

// ReportRow is what a report says of one item or group.
type ReportRow struct {
	ID, Name            string
	Requests, Surveys   int
	MeanSatisfaction    *float64
	MeanApprovalHours   *float64
	MeanFulfilmentHours *float64
	WithinTarget        int
}

// Report is satisfaction, approval time and fulfilment time against
// target, per item and per group, of the requests fulfilled in a period.
type Report struct {
	From, To time.Time
	Requests int
	Items    []ReportRow
	Groups   []ReportRow
}

// tally sums one row's figures.
type tally struct {
	row                      ReportRow
	rating, approval, fulfil float64
	approvals, fulfils       int
}

func (t *tally) add(rec Record, fulfilHours float64) {
	r := rec.Request
	t.row.Requests++
	if r.Satisfaction > 0 {
		t.row.Surveys++
		t.rating += float64(r.Satisfaction)
	}
	if r.ApprovedAt != nil {
		t.approvals++
		t.approval += r.ApprovedAt.Sub(r.CreatedAt).Hours()
	}
	if fulfilHours >= 0 {
		t.fulfils++
		t.fulfil += fulfilHours
	}
	if r.ApprovedAt != nil && r.FulfilledAt != nil && r.FulfilledAt.Sub(*r.ApprovedAt) <= r.Item.Target {
		t.row.WithinTarget++
	}
}

func mean(sum float64, n int) *float64 {
	if n == 0 {
		return nil
	}
	m := sum / float64(n)
	return &m
}

func (t *tally) done() ReportRow {
	t.row.MeanSatisfaction = mean(t.rating, t.row.Surveys)
	t.row.MeanApprovalHours = mean(t.approval, t.approvals)
	t.row.MeanFulfilmentHours = mean(t.fulfil, t.fulfils)
	return t.row
}

// BuildReport computes a report over recs: per item (by the item each
// request was ordered from), and per group that had a task on it, whose
// fulfilment time is its tasks' open time.
func BuildReport(from, to time.Time, recs []Record) Report {
	items, groups := map[string]*tally{}, map[string]*tally{}
	for _, rec := range recs {
		r := rec.Request
		it := items[r.Item.ID]
		if it == nil {
			it = &tally{row: ReportRow{ID: r.Item.ID, Name: r.Item.Name}}
			items[r.Item.ID] = it
		}
		hours := -1.0
		if r.ApprovedAt != nil && r.FulfilledAt != nil {
			hours = r.FulfilledAt.Sub(*r.ApprovedAt).Hours()
		}
		it.add(rec, hours)
		worked := map[string]float64{}
		for _, t := range rec.Tasks {
			if t.OpenedAt != nil && t.DoneAt != nil {
				worked[t.GroupID] += t.DoneAt.Sub(*t.OpenedAt).Hours()
			}
		}
		for g, h := range worked {
			gt := groups[g]
			if gt == nil {
				gt = &tally{row: ReportRow{ID: g, Name: g}}
				groups[g] = gt
			}
			gt.add(rec, h)
		}
	}
	rows := func(m map[string]*tally) []ReportRow {
		out := []ReportRow{}
		for _, t := range m {
			out = append(out, t.done())
		}
		slices.SortFunc(out, func(a, b ReportRow) int {
			if a.Name != b.Name {
				if a.Name < b.Name {
					return -1
				}
				return 1
			}
			if a.ID < b.ID {
				return -1
			}
			return 1
		})
		return out
	}
	return Report{From: from, To: to, Requests: len(recs), Items: rows(items), Groups: rows(groups)}
}

// Report returns the report of the requests fulfilled in [from, to).
// BAD_USER_INPUT for an empty period or one holding more than
// MaxReportRequests.
func (s *Service) Report(ctx context.Context, v Viewer, from, to time.Time) (Report, error) {
	if !SeesAll(v.Principal) {
		return Report{}, apperr.New(apperr.Forbidden, "request reports need the SERVICE_OWNER or ANALYST role")
	}
	if !to.After(from) {
		return Report{}, apperr.Invalid("to", "must be after from")
	}
	recs, err := s.store.Finished(ctx, from.UTC(), to.UTC(), MaxReportRequests+1)
	if err != nil {
		return Report{}, err
	}
	if len(recs) > MaxReportRequests {
		return Report{}, apperr.Invalid("from", "the period holds more than %d fulfilled requests; report on a shorter one", MaxReportRequests)
	}
	return BuildReport(from.UTC(), to.UTC(), recs), nil
}
