package incident

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/validate"
)

// MaxImport bounds the incidents of one importIncidents call.
const MaxImport = 500

// importScope scopes the source keys of imported incidents: one key names
// one incident of the tool they came from, whoever imports it.
const importScope = "importIncidents"

// Historical is an incident from another ITSM tool with its original times.
// Its state follows from them: CLOSED with ClosedAt, RESOLVED with
// ResolvedAt, IN_PROGRESS once acknowledged, ASSIGNED with a group, NEW
// otherwise.
type Historical struct {
	// SourceKey is its id in the tool it came from: importing the same key
	// again creates nothing.
	SourceKey string
	CreateInput
	OpenedAt        time.Time
	AcknowledgedAt  *time.Time
	ResolvedAt      *time.Time
	ResolutionCode  ResolutionCode
	ResolutionNotes string
	ClosedAt        *time.Time
}

// ImportRow is one incident to import, built and checked, with its trail
// at the original times and its source key.
type ImportRow struct {
	Incident Incident
	Records  Records
	Key      ids.IdempotencyKey
}

// Importer says who may import: an ADMIN, or a service account (a
// migration tool) holding AGENT.
type Importer struct {
	Principal      auth.Principal
	ServiceAccount bool
}

// Import loads incidents from another tool with their original times, so
// that their SLA clocks and reports count from when things happened. The
// whole batch is checked first and written in one transaction: a bad row
// writes nothing. Rows whose source key was imported before come back as
// they are (created false); a key imported with other content is a
// CONFLICT. Imports publish no live events: they are history.
//
// FORBIDDEN unless an ADMIN or an AGENT service account; BAD_USER_INPUT
// naming the row and field (incidents[i].field) for bad rows; NOT_FOUND
// likewise for unknown references.
func (s *Service) Import(ctx context.Context, who Importer, rows []Historical) ([]Incident, []bool, error) {
	p := who.Principal
	if !p.Has(auth.Admin) && !(who.ServiceAccount && p.Has(auth.Agent)) {
		return nil, nil, apperr.New(apperr.Forbidden, "importing incidents needs ADMIN, or a service account with AGENT")
	}
	if len(rows) == 0 || len(rows) > MaxImport {
		return nil, nil, apperr.Invalid("incidents", "must hold 1 to %d incidents (got %d)", MaxImport, len(rows))
	}
	m, err := s.Matrix(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	built := make([]ImportRow, len(rows))
	seen := map[string]int{}
	for i, h := range rows {
		if j, dup := seen[h.SourceKey]; dup {
			return nil, nil, apperr.Invalid(fmt.Sprintf("incidents[%d].sourceKey", i), "repeats incidents[%d]'s %q; give each incident once", j, h.SourceKey)
		}
		seen[h.SourceKey] = i
		if built[i], err = s.historical(ctx, p, m, h, now); err != nil {
			return nil, nil, InRow(i, err)
		}
	}
	return s.store.ImportIncidents(ctx, built)
}

// historical builds one imported incident and its trail.
func (s *Service) historical(ctx context.Context, p auth.Principal, m Matrix, h Historical, now time.Time) (ImportRow, error) {
	if err := validate.Text("sourceKey", h.SourceKey, true, MaxIdemKeyLen); err != nil {
		return ImportRow{}, err
	}
	if err := checkTimes(h, now); err != nil {
		return ImportRow{}, err
	}
	opened := h.OpenedAt.UTC()
	inc := Incident{
		ID: s.newID(IncidentPrefix), ShortDescription: h.ShortDescription, Description: h.Description,
		CallerID: deref(h.CallerID), OpenedBy: p.Subject, Channel: ChannelPhone, Category: h.Category,
		CIIDs: sortedSet(h.CIIDs), ServiceIDs: sortedSet(h.ServiceIDs), Impact: h.Impact, Urgency: h.Urgency,
		AssignmentGroupID: deref(h.AssignmentGroupID), AssigneeID: deref(h.AssigneeID), OpeningGroupID: deref(h.AssignmentGroupID),
		Outage: OutageFromGraph, State: New, AlertCount: 1, Version: 1, CreatedAt: opened, UpdatedAt: opened,
		RespondedAt: utc(h.AcknowledgedAt), ResolvedAt: utc(h.ResolvedAt), ClosedAt: utc(h.ClosedAt),
		ResolutionCode: h.ResolutionCode, ResolutionNotes: h.ResolutionNotes, IdempotencyKey: h.SourceKey,
	}
	if h.Channel != nil {
		inc.Channel = *h.Channel
	}
	if inc.CallerID == "" {
		inc.CallerID = p.Subject
	}
	if err := validateIncident(inc); err != nil {
		return ImportRow{}, err
	}
	if inc.AssigneeID != "" && inc.AssignmentGroupID == "" {
		return ImportRow{}, apperr.Invalid("assigneeId", "an assignee needs an assignment group; give assignmentGroupId too")
	}
	if (inc.ResolvedAt != nil) != (inc.ResolutionCode != "") {
		return ImportRow{}, apperr.Invalid("resolutionCode", "a resolved incident needs a resolution code, and only a resolved one takes it")
	}
	if inc.ResolvedAt != nil {
		if err := validate.Enum("resolutionCode", inc.ResolutionCode, ResolutionCodes()); err != nil {
			return ImportRow{}, err
		}
		if err := validate.Text("resolutionNotes", inc.ResolutionNotes, true, MaxNotesLen); err != nil {
			return ImportRow{}, err
		}
	}
	inc.Priority = m.Priority(inc.Impact, inc.Urgency)
	if err := s.computeImpact(ctx, &inc); err != nil {
		return ImportRow{}, err
	}
	entry := func(at time.Time, field HistoryField, from, to, comment string) HistoryEntry {
		return HistoryEntry{ID: s.newID(HistoryPrefix), At: at, Actor: p.Subject, Field: field, From: from, To: to, Comment: comment, CommentVisibility: Internal}
	}
	hist := []HistoryEntry{entry(opened, FieldState, "", string(New), "imported from "+h.SourceKey)}
	move := func(at time.Time, to State) {
		hist = append(hist, entry(at, FieldState, string(inc.State), string(to), ""))
		inc.State, inc.UpdatedAt = to, at
	}
	if inc.AssignmentGroupID != "" {
		move(opened, Assigned)
		hist = append(hist, handOver(s.newID(HistoryPrefix), opened, p.Subject, "", inc.AssignmentGroupID))
		if inc.RespondedAt != nil {
			move(*inc.RespondedAt, InProgress)
		}
	}
	if inc.ResolvedAt != nil {
		move(*inc.ResolvedAt, Resolved)
	}
	if inc.ClosedAt != nil {
		move(*inc.ClosedAt, Closed)
	}
	// The row as given identifies the request: whoever imports it.
	key := ids.IdempotencyKey{Scope: importScope, Key: h.SourceKey, Fingerprint: ids.Fingerprint(h)}
	return ImportRow{Incident: inc, Records: Records{History: hist}, Key: key}, nil
}

// checkTimes requires the original times in the past and in order.
func checkTimes(h Historical, now time.Time) error {
	if h.OpenedAt.IsZero() {
		return apperr.Invalid("openedAt", "is required: when the incident was logged")
	}
	last, lastField := h.OpenedAt, "openedAt"
	for _, st := range []struct {
		field string
		at    *time.Time
	}{{"openedAt", &h.OpenedAt}, {"acknowledgedAt", h.AcknowledgedAt}, {"resolvedAt", h.ResolvedAt}, {"closedAt", h.ClosedAt}} {
		if st.at == nil {
			continue
		}
		if st.at.After(now) {
			return apperr.Invalid(st.field, "%s is in the future; an import carries what already happened", st.at.UTC().Format(time.RFC3339))
		}
		if st.at.Before(last) {
			return apperr.Invalid(st.field, "must not be before %s (%s)", lastField, last.UTC().Format(time.RFC3339))
		}
		last, lastField = *st.at, st.field
	}
	if h.ClosedAt != nil && h.ResolvedAt == nil {
		return apperr.Invalid("closedAt", "a closed incident was resolved first; give resolvedAt too")
	}
	return nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// InRow names the row of an import at fault in err's field and message.
func InRow(i int, err error) error {
	var app *apperr.Error
	if !errors.As(err, &app) {
		return err
	}
	field := fmt.Sprintf("incidents[%d]", i)
	if app.Field != "" {
		field += "." + app.Field
	}
	out := apperr.New(app.Code, "%s: %s", field, app.Message)
	out.Field = field
	return out
}
