package cmdb

import (
	"context"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/paging"
)

// ChangeGate decides whether modifications of CIs may be recorded against
// a change (SPEC §2.3): change management implements it.
type ChangeGate interface {
	CheckImplementing(ctx context.Context, changeID string, ciIDs []string) error
}

// WithChangeGate returns a copy of s that records modifications against the
// changes g admits. Without a gate, naming a change is refused.
func (s *Service) WithChangeGate(g ChangeGate) *Service {
	c := *s
	c.gate = g
	return &c
}

// checkChange admits changeID for a modification of ciIDs; an empty
// changeID is a modification made outside any change, which is allowed
// and later reported as unauthorised.
func (s *Service) checkChange(ctx context.Context, changeID string, ciIDs ...string) error {
	if changeID == "" {
		return nil
	}
	if s.gate == nil {
		return apperr.Invalid("changeId", "change management is not available on this server")
	}
	return s.gate.CheckImplementing(ctx, changeID, ciIDs)
}

// Modification is a history entry with the CIs it touched.
type Modification struct {
	Entry HistoryEntry
	CIIDs []string
	// OutsideWindow: made under a change a change manager let start
	// outside its planned window.
	OutsideWindow bool
}

// Unauthorized lists, newest first, the modifications of CIs since a time
// that no implementing change authorised. Creations are left out: a new
// CI changes nothing that already depended on the CMDB.
func (s *Service) Unauthorized(ctx context.Context, since time.Time, p paging.Request) (paging.Page[Modification], error) {
	return s.store.Unauthorized(ctx, since.UTC(), p)
}
