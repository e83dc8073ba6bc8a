package cmdb

import "strings"

// A CI's CREATED entry is not stored when the CI is written: creating
// thousands of CIs from a feed would otherwise write a history node and
// edge per CI, which halves the import rate. As long as a CI has not
// changed, its creation is fully described by the CI itself, so the store
// derives the entry with CreationEntry; the first change records the entry
// (from the CI as it was) before the CI is overwritten.

// CreationEntryID is the id of ci's CREATED entry: the CI's own id under the
// history prefix, so that the entry can be found without an index of its
// own.
func CreationEntryID(ciID string) string {
	return HistoryPrefix + "_" + strings.TrimPrefix(ciID, CIPrefix+"_")
}

// CreationCI is the id of the CI whose CREATED entry has id entryID, for an
// id made by CreationEntryID.
func CreationCI(entryID string) (string, bool) {
	rest, ok := strings.CutPrefix(entryID, HistoryPrefix+"_")
	if !ok || rest == "" {
		return "", false
	}
	return CIPrefix + "_" + rest, true
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
