package cmdb

import (
	"strings"
	"time"
)

// Feeds create CIs and relationships by the thousand, and a history node
// and edges per row would halve the import rate. So the first entry of
// what a feed creates is not stored: as long as a CI has not changed, its
// CREATED entry is fully described by the CI itself (CreationEntry), and a
// relationship's RELATIONSHIP_ADDED entry by the relationship
// (RelationshipEntry). The store derives them when history is read, and
// records them before what they describe changes or goes: a CI's CREATED
// entry before its first update, a relationship's ADDED entry before it is
// removed. A derived entry has a fixed id (the uuid of what it describes
// under the history prefix), which it keeps once recorded.

// CreationEntryID is the id of ci's CREATED entry.
func CreationEntryID(ciID string) string {
	return derivedID(ciID, CIPrefix)
}

// RelationshipEntryID is the id of a feed relationship's ADDED entry.
func RelationshipEntryID(relID string) string {
	return derivedID(relID, RelationshipPrefix)
}

func derivedID(id, prefix string) string {
	return HistoryPrefix + "_" + strings.TrimPrefix(id, prefix+"_")
}

// DerivedFrom returns the ids of the CI and of the relationship whose
// derived entry would have id entryID; at most one of them exists.
func DerivedFrom(entryID string) (ciID, relID string, ok bool) {
	rest, ok := strings.CutPrefix(entryID, HistoryPrefix+"_")
	if !ok || rest == "" {
		return "", "", false
	}
	return CIPrefix + "_" + rest, RelationshipPrefix + "_" + rest, true
}

// CreationEntry is the CREATED entry of ci as it was created: every field
// it was given, by whom and when.
func CreationEntry(ci CI) HistoryEntry {
	return HistoryEntry{
		ID:      CreationEntryID(ci.ID),
		At:      ci.CreatedAt,
		Actor:   ci.CreatedBy,
		Action:  ActionCreated,
		Changes: diff(CI{}, ci),
	}
}

// RelationshipEntry is the RELATIONSHIP_ADDED entry of a relationship a
// feed created, as Relate would have recorded it.
func RelationshipEntry(r Relationship) HistoryEntry {
	e := addedEntry(RelationshipEntryID(r.ID), r.CreatedAt, r.CreatedBy, "", r.Source, r.Type, r.Target)
	e.Feed = r.Feed
	return e
}

func addedEntry(id string, at time.Time, actor, changeID string, source CI, relType string, target CI) HistoryEntry {
	return HistoryEntry{
		ID: id, At: at, Actor: actor, Action: ActionRelationshipAdded, ChangeID: changeID,
		Changes: []FieldChange{{Field: "relationship", After: relText(source, relType, target)}},
	}
}
