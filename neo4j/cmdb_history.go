package neo4j

import (
	"context"
	"slices"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// fieldChangeDoc is one element of a history entry's changes document
// (see docs.go).
type fieldChangeDoc struct {
	Field  string  `json:"field"`
	Before *string `json:"before,omitempty"`
	After  *string `json:"after,omitempty"`
}

func entryParams(e cmdb.HistoryEntry) (map[string]any, error) {
	changes, err := jsonProp(convert(e.Changes, func(c cmdb.FieldChange) fieldChangeDoc {
		return fieldChangeDoc{Field: c.Field, Before: c.Before, After: c.After}
	}))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id":       e.ID,
		"at":       e.At,
		"actor":    e.Actor,
		"action":   string(e.Action),
		"changes":  changes,
		"changeId": nullable(e.ChangeID),
		"feed":     nullable(e.Feed),
	}, nil
}

// entryFromProps decodes a recorded entry; INTERNAL when its changes cannot
// be read.
func entryFromProps(p map[string]any) (cmdb.HistoryEntry, error) {
	e := cmdb.HistoryEntry{
		ID:       str(p, "id"),
		At:       tm(p, "at"),
		Actor:    str(p, "actor"),
		Action:   cmdb.Action(str(p, "action")),
		ChangeID: str(p, "changeId"),
		Feed:     str(p, "feed"),
	}
	var err error
	e.Changes, err = decodeList(p, "changes", "CI history entry", func(d fieldChangeDoc) cmdb.FieldChange {
		return cmdb.FieldChange{Field: d.Field, Before: d.Before, After: d.After}
	})
	if err != nil {
		return cmdb.HistoryEntry{}, err
	}
	return e, nil
}

const recordHistory = `
CREATE (h:CIHistory)
SET h = $entry
WITH h
MATCH (c:Item) WHERE c.id IN $ciIds
CREATE (c)-[:HAS_HISTORY]->(h)`

// recordCreation writes the CREATED entry of CIs about to change (see
// cmdb.CreationEntry), unless it is already written: by an earlier change,
// or because the CI was created before creations were derived.
const recordCreation = `
UNWIND $entries AS e
MATCH (c:CI:Item {id: e.ciId})
WHERE NOT EXISTS { (c)-[:HAS_HISTORY]->(:CIHistory {action: $created}) }
CREATE (h:CIHistory)
SET h = e.entry
CREATE (c)-[:HAS_HISTORY]->(h)`

func recordCreations(ctx context.Context, tx driver.ManagedTransaction, cis []cmdb.CI) error {
	entries := make([]map[string]any, len(cis))
	for i, c := range cis {
		params, err := entryParams(cmdb.CreationEntry(c))
		if err != nil {
			return err
		}
		entries[i] = map[string]any{"ciId": c.ID, "entry": params}
	}
	_, err := collect(ctx, tx, recordCreation, historyParams(map[string]any{"entries": entries}))
	return err
}

// linkToChange ties an entry to the change it was made under, so that a
// change lists its modifications without a scan of all history.
const linkToChange = `
MATCH (h:CIHistory {id: $entryId})
MATCH (ch:Change {id: $changeId})
CREATE (ch)-[:AUTHORISED]->(h)`

func recordEntry(ctx context.Context, tx driver.ManagedTransaction, e cmdb.HistoryEntry, ciIDs ...string) error {
	params, err := entryParams(e)
	if err != nil {
		return err
	}
	if _, err = collect(ctx, tx, recordHistory, map[string]any{"entry": params, "ciIds": ciIDs}); err != nil || e.ChangeID == "" {
		return err
	}
	_, err = collect(ctx, tx, linkToChange, map[string]any{"entryId": e.ID, "changeId": e.ChangeID})
	return err
}

// derivedRelEntry is what cmdb.RelationshipEntry needs of a relationship r
// whose ADDED entry is derived, with the entry's id (made as
// cmdb.RelationshipEntryID makes it) and the CIs it concerns; entryFromMap
// reads it.
const derivedRelEntry = `{rel: r.id, type: type(r), source: startNode(r).id, target: endNode(r).id,
  sourceName: startNode(r).name, targetName: endNode(r).name,
  at: r.createdAt, actor: r.createdBy, feed: r.feed, id: $entryPrefix + substring(r.id, size($relPrefix)),
  ciIds: [startNode(r).id, endNode(r).id]}`

// historyParams adds the parameters history statements use: those of
// derivedRelEntry, and the action of a CREATED entry.
func historyParams(params map[string]any) map[string]any {
	params["entryPrefix"], params["relPrefix"] = cmdb.HistoryPrefix+"_", cmdb.RelationshipPrefix+"_"
	params["created"] = string(cmdb.ActionCreated)
	return params
}

// entryFromMap decodes a recorded entry's properties or a derivedRelEntry.
func entryFromMap(p map[string]any) (cmdb.HistoryEntry, error) {
	if _, derived := p["rel"]; !derived {
		return entryFromProps(p)
	}
	return cmdb.RelationshipEntry(cmdb.Relationship{
		ID: str(p, "rel"), Type: str(p, "type"),
		Source: cmdb.CI{ID: str(p, "source"), Name: str(p, "sourceName")}, Target: cmdb.CI{ID: str(p, "target"), Name: str(p, "targetName")},
		CreatedAt: tm(p, "at"), CreatedBy: str(p, "actor"), Feed: str(p, "feed"),
	}), nil
}

// A CI's history is its recorded entries and the derived ADDED entries of
// its feed relationships, merged in one order; its CREATED entry, while
// derived, is added in Go (it needs the CI whole). The entries are those
// recorded in the range $createdFrom..$createdBefore when given, newest
// first unless oldest; a page after a cursor starts after ($afterAt,
// $afterId).
func historyOf(after, oldest bool, created paging.TimeRange) string {
	inRange := func(v, prop string) *conditions {
		c := newConditions()
		c.between(v, prop, "created", created)
		return c
	}
	entries := inRange("entry", "at")
	dir, past := "DESC", "<"
	if oldest {
		dir, past = "ASC", ">"
	}
	if after {
		entries.add("(entry.at " + past + " $afterAt OR (entry.at = $afterAt AND entry.id " + past + " $afterId))")
	}
	return `
UNWIND $ids AS id
MATCH (c:Item {id: id})
CALL (c) {
  CALL (c) {
    MATCH (c)-[:HAS_HISTORY]->(h:CIHistory)
    RETURN properties(h) AS entry
    UNION ALL
    MATCH (c)-[r]-(:CI) WHERE r.derivedEntry
    RETURN ` + derivedRelEntry + ` AS entry
  }
  WITH entry` + entries.where() + `
  ORDER BY entry.at ` + dir + `, entry.id ` + dir + ` LIMIT $limit
  RETURN collect(entry) AS entries
}
RETURN id, entries,
  COUNT { MATCH (c)-[:HAS_HISTORY]->(h:CIHistory)` + inRange("h", "at").where() + ` } +
  COUNT { MATCH (c)-[r]-(:CI)` + inRange("r", "createdAt").where("r.derivedEntry") + ` } AS total,
  NOT c:CI OR EXISTS { (c)-[:HAS_HISTORY]->(:CIHistory {action: $created}) } AS recorded,
  properties(c) AS ci`
}

// historySort names the order of a history page in its cursors.
func historySort(oldest bool) string {
	if oldest {
		return "history:asc"
	}
	return "history"
}

// History implements cmdb.Store: the entries recorded in p.Created (all
// without it), newest first unless p orders them oldest first.
func (m *CMDB) History(ctx context.Context, ciIDs []string, p paging.Request) (map[string]paging.Page[cmdb.HistoryEntry], error) {
	oldest := p.Order != nil && p.Order.Asc
	sort := historySort(oldest)
	params := historyParams(map[string]any{"ids": ciIDs, "limit": int64(p.First + 1),
		"createdFrom": p.Created.From, "createdBefore": p.Created.Before})
	if p.After != "" {
		k, err := paging.Decode(p.After, sort)
		if err != nil {
			return nil, err
		}
		at, err := keysetTime(k)
		if err != nil {
			return nil, err
		}
		params["afterAt"], params["afterId"] = at, k.ID
	}
	// order is negative when e comes before (at, id) in the page's order.
	order := func(e cmdb.HistoryEntry, at time.Time, id string) int {
		if oldest {
			return -newerFirst(e, at, id)
		}
		return newerFirst(e, at, id)
	}
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (map[string]paging.Page[cmdb.HistoryEntry], error) {
		recs, err := collect(ctx, tx, historyOf(p.After != "", oldest, p.Created), params)
		if err != nil {
			return nil, err
		}
		out := make(map[string]paging.Page[cmdb.HistoryEntry], len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			v, _ := r.Get("entries")
			total, _ := r.Get("total")
			recorded, _ := r.Get("recorded")
			page := paging.Page[cmdb.HistoryEntry]{HasPrevious: p.After != ""}
			page.Total = int(total.(int64))
			stored := maps(v)
			entries := make([]cmdb.HistoryEntry, 0, len(stored)+1)
			for _, hp := range stored {
				e, err := entryFromMap(hp)
				if err != nil {
					return nil, err
				}
				entries = append(entries, e)
			}
			if created := cmdb.CreationEntry(ciFromProps(props(r, "ci"))); recorded != true && p.Created.Contains(created.At) {
				// The CI has not changed since it was created: its CREATED
				// entry is derived from it (see cmdb.CreationEntry).
				page.Total++
				if p.After == "" || order(created, params["afterAt"].(time.Time), params["afterId"].(string)) > 0 {
					entries = append(entries, created)
					slices.SortFunc(entries, func(a, b cmdb.HistoryEntry) int { return order(a, b.At, b.ID) })
				}
			}
			for _, e := range entries {
				if len(page.Items) == p.First {
					page.HasNext = true
					break
				}
				page.Items = append(page.Items, e)
				page.Cursors = append(page.Cursors, paging.Encode(paging.Keyset{Value: e.At.Format(time.RFC3339Nano), ID: e.ID, Sort: sort}))
			}
			out[id.(string)] = page
		}
		return out, nil
	})
}

// newerFirst orders history entries newest first, then by id descending.
// It is negative when e comes before (at, id).
func newerFirst(e cmdb.HistoryEntry, at time.Time, id string) int {
	if c := at.Compare(e.At); c != 0 {
		return c
	}
	return strings.Compare(id, e.ID)
}

// historyEntryByID finds a recorded entry, or the CI whose CREATED entry
// would have the id if it is still derived.
const historyEntryByID = `
OPTIONAL MATCH (h:CIHistory {id: $id})
OPTIONAL MATCH (c:CI:Item {id: $ciId})
  WHERE NOT EXISTS { (c)-[:HAS_HISTORY]->(:CIHistory {action: $created}) }
RETURN properties(h) AS h, properties(c) AS c`

// derivedEntryByRel finds the feed relationship whose ADDED entry would
// have the id, one branch per type as in relationshipByID.
func derivedEntryByRel() string {
	var branches []string
	for _, t := range cmdb.CIRelTypeNames() {
		branches = append(branches, relStatement(`
  MATCH (:CI)-[r:$$TYPE]->(:CI) WHERE r.id = $relId AND r.derivedEntry
  RETURN `+derivedRelEntry+` AS entry`, t))
	}
	return "CALL () {" + strings.Join(branches, "\n  UNION") + "\n}\nRETURN entry"
}

// HistoryEntry implements cmdb.Store.
func (m *CMDB) HistoryEntry(ctx context.Context, id string) (cmdb.HistoryEntry, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (cmdb.HistoryEntry, error) {
		ciID, relID, _ := cmdb.DerivedFrom(id)
		recs, err := collect(ctx, tx, historyEntryByID, historyParams(map[string]any{"id": id, "ciId": ciID}))
		if err != nil {
			return cmdb.HistoryEntry{}, err
		}
		if h := props(recs[0], "h"); h != nil {
			return entryFromProps(h)
		}
		if c := props(recs[0], "c"); c != nil {
			return cmdb.CreationEntry(ciFromProps(c)), nil
		}
		if relID != "" {
			recs, err := collect(ctx, tx, derivedEntryByRel(), historyParams(map[string]any{"relId": relID}))
			if err != nil {
				return cmdb.HistoryEntry{}, err
			}
			if len(recs) > 0 {
				return entryFromMap(props(recs[0], "entry"))
			}
		}
		return cmdb.HistoryEntry{}, apperr.New(apperr.NotFound, "no history entry has id %q", id)
	})
}

// A derived ADDED entry names the relationship's ends as they are now, so
// before a CI is renamed the entries of its feed relationships are recorded
// with the names they had.
const (
	takeRelEntries = `
UNWIND $ids AS id
MATCH (:CI:Item {id: id})-[r]-(:CI) WHERE r.derivedEntry
WITH DISTINCT r
WITH r, ` + derivedRelEntry + ` AS e
REMOVE r.derivedEntry
RETURN e`
	recordEntries = `
UNWIND $entries AS e
CREATE (h:CIHistory)
SET h = e.entry
WITH h, e
MATCH (c:CI:Item) WHERE c.id IN e.ciIds
CREATE (c)-[:HAS_HISTORY]->(h)`
)

// recordBeforeRename records the derived relationship entries of the CIs of
// ids, which are about to be renamed.
func recordBeforeRename(ctx context.Context, tx driver.ManagedTransaction, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	recs, err := collect(ctx, tx, takeRelEntries, historyParams(map[string]any{"ids": ids}))
	if err != nil || len(recs) == 0 {
		return err
	}
	entries := make([]map[string]any, len(recs))
	for i, r := range recs {
		p := props(r, "e")
		e, err := entryFromMap(p)
		if err != nil {
			return err
		}
		params, err := entryParams(e)
		if err != nil {
			return err
		}
		entries[i] = map[string]any{"entry": params, "ciIds": p["ciIds"]}
	}
	_, err = collect(ctx, tx, recordEntries, map[string]any{"entries": entries})
	return err
}
