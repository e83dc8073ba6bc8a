package catalog

import (
	"time"

	"github.com/itsm-graph/itsm/cmdb"
)

// Catalogue items keep a history like CIs (SPEC §2.4): their creation,
// every change of a service, and every link made or removed, the last
// recorded on both ends — a CI a technical service depends on shows the
// link in its own history.

// HistoryPrefix is the id prefix of the entries, shared with CI history:
// the entries are one kind of record, read by one reader.
const HistoryPrefix = cmdb.HistoryPrefix

// text renders a value as history does.
func text(v string) *string {
	if v == "" {
		return nil
	}
	return cmdb.ValueText(v)
}

// field is one named value of an item, as history records it.
type field struct{ name, value string }

// fieldChanges lists the fields whose values differ between two readings
// of the same fields, in order, as CI history does; a nil before is a
// creation.
func fieldChanges(before, after []field) []cmdb.FieldChange {
	var out []cmdb.FieldChange
	for i, a := range after {
		var b string
		if before != nil {
			b = before[i].value
		}
		if b != a.value {
			out = append(out, cmdb.FieldChange{Field: a.name, Before: text(b), After: text(a.value)})
		}
	}
	return out
}

func serviceFields(s Service) []field {
	return []field{{"name", s.Name}, {"kind", string(s.Kind)}, {"description", s.Description}, {"status", string(s.Status)},
		{"criticality", string(s.Criticality)}, {"ownerGroupId", s.OwnerGroupID}}
}

// entry is a history entry about one item or link.
func (c *Catalog) entry(at time.Time, actor string, action cmdb.Action, changes []cmdb.FieldChange) cmdb.HistoryEntry {
	return cmdb.HistoryEntry{ID: c.newID(HistoryPrefix), At: at, Actor: actor, Action: action, Changes: changes}
}

// linkChange describes a link by both ends' ids and their names then.
func linkChange(src Ref, typ string, tgt Ref, removed bool) []cmdb.FieldChange {
	t := cmdb.RelationshipText(src.ID, src.Name, typ, tgt.ID, tgt.Name)
	if removed {
		return []cmdb.FieldChange{{Field: "relationship", Before: t}}
	}
	return []cmdb.FieldChange{{Field: "relationship", After: t}}
}
