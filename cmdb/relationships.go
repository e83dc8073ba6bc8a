package cmdb

import (
	"context"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

// RelateInput names a relationship (source)-[:Type]->(target) to create.
type RelateInput struct {
	SourceID string
	Type     string
	TargetID string
	// ChangeID is the implementing change the relationship is made under
	// (none when empty), which history records.
	ChangeID string
}

// Relate creates (source)-[:Type]->(target). BAD_USER_INPUT for an unknown
// type, a self-relationship, a retired end, or MEMBER_OF a CI that is not a
// redundancy group; NOT_FOUND for an unknown CI.
func (s *Service) Relate(ctx context.Context, caller auth.Principal, in RelateInput) (Relationship, bool, error) {
	if err := s.checkChange(ctx, in.ChangeID, in.SourceID, in.TargetID); err != nil {
		return Relationship{}, false, err
	}
	rt, ok := LookupRelType(in.Type)
	if !ok || rt.CatalogOnly {
		return Relationship{}, false, apperr.Invalid("type", "unknown relationship type %q between CIs; valid types are %v (see the relationshipTypes query)", in.Type, CIRelTypeNames())
	}
	if in.SourceID == in.TargetID {
		return Relationship{}, false, apperr.Invalid("targetId", "a CI cannot be related to itself")
	}
	now := s.now().UTC()
	rel := Relationship{ID: s.newID(RelationshipPrefix), Type: rt.Name, Source: CI{ID: in.SourceID}, Target: CI{ID: in.TargetID}, CreatedAt: now, CreatedBy: caller.Subject}
	entryID := s.newID(HistoryPrefix)
	check := func(src, tgt CI) (HistoryEntry, error) {
		for _, c := range []CI{src, tgt} {
			if c.Status == StatusRetired {
				return HistoryEntry{}, apperr.Invalid("sourceId", "CI %s (%s) is retired; retired CIs take no new relationships", c.ID, c.Name)
			}
		}
		if rt.Name == MemberOf && tgt.MinimumUp == 0 {
			return HistoryEntry{}, apperr.Invalid("targetId", "CI %s (%s) is not a redundancy group; set its redundancyMinimumUp before adding MEMBER_OF members", tgt.ID, tgt.Name)
		}
		return addedEntry(entryID, now, caller.Subject, in.ChangeID, src, rt.Name, tgt), nil
	}
	r, created, err := s.store.Relate(ctx, rel, check)
	if err != nil {
		return Relationship{}, false, err
	}
	return r, created, nil
}

// UnrelateInput names a relationship (source)-[:Type]->(target) to remove.
type UnrelateInput struct {
	SourceID string
	Type     string
	TargetID string
	// ChangeID is the implementing change the removal is made under (none
	// when empty), which history records.
	ChangeID string
}

// Unrelate removes (source)-[:Type]->(target); NOT_FOUND when absent.
func (s *Service) Unrelate(ctx context.Context, caller auth.Principal, in UnrelateInput) (string, error) {
	if err := s.checkChange(ctx, in.ChangeID, in.SourceID, in.TargetID); err != nil {
		return "", err
	}
	rt, ok := LookupRelType(in.Type)
	if !ok || rt.CatalogOnly {
		return "", apperr.Invalid("type", "unknown relationship type %q between CIs; valid types are %v", in.Type, CIRelTypeNames())
	}
	entryID, now := s.newID(HistoryPrefix), s.now().UTC()
	entry := func(src, tgt CI) HistoryEntry {
		return HistoryEntry{
			ID: entryID, At: now, Actor: caller.Subject, Action: ActionRelationshipRemoved, ChangeID: in.ChangeID,
			Changes: []FieldChange{{Field: "relationship", Before: relText(src, rt.Name, tgt)}},
		}
	}
	id, err := s.store.Unrelate(ctx, in.SourceID, rt.Name, in.TargetID, entry)
	if err != nil {
		return "", err
	}
	return id, nil
}

// MaxRelationshipsPerCI caps CI.relationships.
const MaxRelationshipsPerCI = 500

// Relationships returns up to q.Limit relationships of each CI.
func (s *Service) Relationships(ctx context.Context, ciIDs []string, q RelationshipQuery) (map[string][]Relationship, error) {
	if q.Limit < 1 || q.Limit > MaxRelationshipsPerCI {
		return nil, apperr.Invalid("first", "must be between 1 and %d (got %d)", MaxRelationshipsPerCI, q.Limit)
	}
	for _, t := range q.Types {
		if _, ok := LookupRelType(t); !ok {
			return nil, apperr.Invalid("types", "unknown relationship type %q; valid types are %v", t, RelTypeNames())
		}
	}
	return s.store.Relationships(ctx, ciIDs, q)
}

// Relationship returns one relationship; NOT_FOUND when absent.
func (s *Service) Relationship(ctx context.Context, id string) (Relationship, error) {
	return s.store.Relationship(ctx, id)
}
