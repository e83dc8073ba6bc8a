package change

import (
	"context"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// checkFreeze refuses to schedule a non-emergency change inside a freeze
// window that covers it.
func (s *Service) checkFreeze(ctx context.Context, c Change) error {
	if c.Type == Emergency {
		return nil
	}
	res, _, err := s.analyzer.Impact(ctx, c.TargetIDs, nil)
	if err != nil {
		return err
	}
	freezes, err := s.store.FreezesIn(ctx, c.Window())
	if err != nil {
		return err
	}
	if hit := ApplicableFreezes(c, impactedIDs(res), freezes); len(hit) > 0 {
		f := hit[0]
		return apperr.New(apperr.Conflict, "the window overlaps freeze window %q (%s to %s) that covers this change; move the window or raise an EMERGENCY change",
			f.Name, f.Start.Format(time.RFC3339), f.End.Format(time.RFC3339))
	}
	return nil
}

// readyToImplement re-assesses c as implementation starts, so that what
// changed since it was scheduled — a freeze window created on a service it
// touches, another change now overlapping — is seen, and returns the fresh
// assessment. A freeze now covering a change that is not an EMERGENCY one
// stops it (CONFLICT), as at scheduling.
func (s *Service) readyToImplement(ctx context.Context, c Change) (*Assessment, error) {
	a, err := s.assess(ctx, c)
	if err != nil || c.Type == Emergency || len(a.FreezeWindowIDs) == 0 {
		return a, err
	}
	fs, err := s.store.Freezes(ctx, a.FreezeWindowIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range a.FreezeWindowIDs {
		if f, ok := fs[id]; ok {
			return nil, apperr.New(apperr.Conflict, "freeze window %q (%s to %s) now covers this change; reschedule it outside the freeze or raise an EMERGENCY change",
				f.Name, f.Start.Format(time.RFC3339), f.End.Format(time.RFC3339))
		}
	}
	return a, nil
}

// CreateFreezeInput is a freeze window to create.
type CreateFreezeInput struct {
	Name       string
	Reason     string
	Start, End time.Time
	ServiceIDs []string
}

// CreateFreeze records a freeze window, global when ServiceIDs is empty.
func (s *Service) CreateFreeze(ctx context.Context, caller auth.Principal, in CreateFreezeInput) (FreezeWindow, error) {
	f := FreezeWindow{ID: s.newID(FreezePrefix), Name: in.Name, Reason: in.Reason, Start: in.Start.UTC(), End: in.End.UTC(),
		ServiceIDs: dedupe(in.ServiceIDs), CreatedBy: caller.Subject, CreatedAt: s.now().UTC()}
	if err := validate.Text("name", f.Name, true, MaxTitleLen); err != nil {
		return FreezeWindow{}, err
	}
	if err := validate.Text("reason", f.Reason, false, MaxCommentLen); err != nil {
		return FreezeWindow{}, err
	}
	if !f.End.After(f.Start) {
		return FreezeWindow{}, apperr.Invalid("end", "must be after start")
	}
	if f.End.Sub(f.Start) > MaxCalendarLen {
		return FreezeWindow{}, apperr.Invalid("end", "a freeze window lasts at most %d days", int(MaxCalendarLen.Hours()/24))
	}
	if len(f.ServiceIDs) > MaxTargets {
		return FreezeWindow{}, apperr.Invalid("serviceIds", "at most %d services (got %d)", MaxTargets, len(f.ServiceIDs))
	}
	return s.store.CreateFreeze(ctx, f)
}

// DeleteFreezeInput names the freeze window to remove.
type DeleteFreezeInput struct {
	ID string
}

// DeleteFreeze removes a freeze window.
func (s *Service) DeleteFreeze(ctx context.Context, caller auth.Principal, in DeleteFreezeInput) error {
	return s.store.DeleteFreeze(ctx, in.ID)
}

// Freezes returns the freeze windows with these ids that exist.
func (s *Service) Freezes(ctx context.Context, ids []string) (map[string]FreezeWindow, error) {
	return s.store.Freezes(ctx, ids)
}
