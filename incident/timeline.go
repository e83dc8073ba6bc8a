package incident

import (
	"context"

	"github.com/itsm-graph/itsm/apperr"
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
