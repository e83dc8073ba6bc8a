package incident

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/sla"
	"github.com/itsm-graph/itsm/validate"
)

// CommunicationInput is a message sent about a major incident.
type CommunicationInput struct {
	IncidentID string
	Audience   string
	Channel    string
	Message    string
	// Visibility is whether the caller reads it on the incident; nil for
	// the default (textVisibility: INTERNAL, as the writer is an agent).
	Visibility *Visibility
}

// AddCommunication records a message sent to an audience about a major
// incident. It appends to a trail and leaves the version alone. FORBIDDEN
// without AGENT; NOT_FOUND for an incident v may not read;
// INVALID_TRANSITION unless the incident is major; BAD_USER_INPUT for a
// missing or too long field.
func (s *Service) AddCommunication(ctx context.Context, v Viewer, in CommunicationInput) (Communication, error) {
	p := v.Principal
	if err := requireAgent(p, "recording a communication"); err != nil {
		return Communication{}, err
	}
	for _, c := range []error{
		validate.Text("audience", in.Audience, true, MaxAudienceLen),
		validate.Text("channel", in.Channel, true, MaxAudienceLen),
		validate.Text("message", in.Message, true, MaxEntryLen),
	} {
		if c != nil {
			return Communication{}, c
		}
	}
	visibility, err := textVisibility("visibility", p, in.Visibility)
	if err != nil {
		return Communication{}, err
	}
	id := in.IncidentID
	c := Communication{ID: s.newID(CommunicationPrefix), At: s.now().UTC(), Actor: p.Subject, Audience: in.Audience, Channel: in.Channel,
		Message: in.Message, Visibility: visibility}
	_, err = s.update(ctx, id, func(cur Incident) (Incident, *Records, error) {
		if err := workable(v, cur); err != nil {
			return Incident{}, nil, err
		}
		if !cur.Major {
			return Incident{}, nil, apperr.New(apperr.InvalidTransition, "incident %s is not a major incident; declare it major before recording communications", cur.ID)
		}
		return cur, &Records{Communications: []Communication{c}}, nil
	})
	return c, err
}

// Breached escalates incident id on an SLA breach: a work note saying
// which SLA's clock breached and when it was due, and, when raise is set
// (the SLA's RaiseOnBreach) and the incident is open, its priority one
// level up (up to P1), in the history. The write is published like any
// other, so the group holding the incident hears of it. Nothing for an id
// that is not an incident's (a request's breach).
func (s *Service) Breached(ctx context.Context, id, slaName string, e sla.Event, raise bool) (Incident, error) {
	now := s.now().UTC()
	note := TimelineEntry{ID: s.newID(TimelinePrefix), At: now, Author: "system", Kind: WorkNote,
		Body: fmt.Sprintf("SLA %s: the %s clock breached (due %s).", slaName, e.Metric, e.At.Format(time.RFC3339))}
	historyID := s.newID(HistoryPrefix)
	return s.update(ctx, id, func(cur Incident) (Incident, *Records, error) {
		rec := &Records{Timeline: []TimelineEntry{note}}
		up := Raised(cur.Priority)
		if !raise || !cur.Open() || up == cur.Priority {
			return cur, rec, nil
		}
		next := cur
		next.Priority, next.Version, next.UpdatedAt = up, cur.Version+1, now
		rec.History = []HistoryEntry{{ID: historyID, At: now, Actor: "system", Field: FieldPriority, From: string(cur.Priority), To: string(up),
			Comment: fmt.Sprintf("raised: SLA %s, %s breached", slaName, e.Metric), CommentVisibility: CustomerVisible}}
		return next, rec, nil
	})
}

// Raised is p one level up, P1 staying P1.
func Raised(p Priority) Priority {
	ps := priorities()
	if i := slices.Index(ps, p); i > 0 {
		return ps[i-1]
	}
	return p
}

// AddEntryInput is a work note or comment for an incident's timeline.
type AddEntryInput struct {
	ID   string
	Kind EntryKind
	Body string
}

// AddEntry adds a work note or a comment to an incident's timeline. Agents
// write both; the caller writes comments. It appends to a trail and leaves
// the version alone. FORBIDDEN otherwise; NOT_FOUND for an incident p may
// not read.
func (s *Service) AddEntry(ctx context.Context, v Viewer, in AddEntryInput) (TimelineEntry, error) {
	if err := validate.Enum("kind", in.Kind, EntryKinds()); err != nil {
		return TimelineEntry{}, err
	}
	if err := validate.Text("body", in.Body, true, MaxEntryLen); err != nil {
		return TimelineEntry{}, err
	}
	e := TimelineEntry{ID: s.newID(TimelinePrefix), At: s.now().UTC(), Author: v.Principal.Subject, Kind: in.Kind, Body: in.Body}
	_, err := s.update(ctx, in.ID, func(cur Incident) (Incident, *Records, error) {
		if err := readable(v, cur); err != nil {
			return Incident{}, nil, err
		}
		if err := checkCanWrite(v.Principal, cur, in.Kind); err != nil {
			return Incident{}, nil, err
		}
		return cur, &Records{Timeline: []TimelineEntry{e}}, nil
	})
	return e, err
}
