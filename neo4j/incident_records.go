package neo4j

import (
	"context"
	"strings"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/incident"
)

// Trail labels: the only labels spliced into the record statements.
const (
	labelHistory       = "IncidentHistory"
	labelEscalation    = "IncidentEscalation"
	labelCommunication = "IncidentCommunication"
	labelTimeline      = "IncidentTimeline"
)

func trailStatement(template, label string) string {
	switch label {
	case labelHistory, labelEscalation, labelCommunication, labelTimeline:
		return strings.ReplaceAll(template, "$$LABEL", label)
	}
	panic("unknown incident trail label " + label)
}

const appendTrail = `
MATCH (i:Incident {id: $id})
UNWIND $rows AS row
CREATE (r:IncidentRecord:$$LABEL)
SET r = row
CREATE (i)-[:HAS_RECORD]->(r)`

// trailRows turns records into property maps per label; seq keeps the
// order of records written in one transaction, which share a time.
func trailRows(rec incident.Records) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for n, h := range rec.History {
		out[labelHistory] = append(out[labelHistory], map[string]any{"id": h.ID, "at": h.At, "seq": int64(n), "actor": h.Actor,
			"field": string(h.Field), "from": nullable(h.From), "to": h.To, "comment": nullable(h.Comment),
			"commentVisibility": string(storedVisibility(h.CommentVisibility)), "holdReason": nullable(string(h.HoldReason))})
	}
	for n, e := range rec.Escalations {
		out[labelEscalation] = append(out[labelEscalation], map[string]any{"id": e.ID, "at": e.At, "seq": int64(n), "actor": e.Actor,
			"fromGroupId": nullable(e.FromGroupID), "toGroupId": e.ToGroupID, "fromAssigneeId": nullable(e.FromAssigneeID),
			"toAssigneeId": nullable(e.ToAssigneeID), "reason": e.Reason, "reasonVisibility": string(storedVisibility(e.ReasonVisibility))})
	}
	for n, c := range rec.Communications {
		out[labelCommunication] = append(out[labelCommunication], map[string]any{"id": c.ID, "at": c.At, "seq": int64(n), "actor": c.Actor,
			"audience": c.Audience, "channel": c.Channel, "message": c.Message, "visibility": string(storedVisibility(c.Visibility))})
	}
	for n, e := range rec.Timeline {
		out[labelTimeline] = append(out[labelTimeline], map[string]any{"id": e.ID, "at": e.At, "seq": int64(n), "author": e.Author,
			"kind": string(e.Kind), "body": e.Body})
	}
	return out
}

// storedVisibility is the visibility a text is stored and read with.
// Records written before texts had one carry none: they were written
// without the writer choosing, so they read as INTERNAL, which needs no
// rewrite of old rows and cannot show a requester more than before.
func storedVisibility(v incident.Visibility) incident.Visibility {
	if v == incident.CustomerVisible {
		return v
	}
	return incident.Internal
}

func appendTrails(ctx context.Context, tx driver.ManagedTransaction, id string, rec incident.Records) error {
	for _, label := range []string{labelHistory, labelEscalation, labelCommunication, labelTimeline} {
		rows := trailRows(rec)[label]
		if len(rows) == 0 {
			continue
		}
		if _, err := collect(ctx, tx, trailStatement(appendTrail, label), map[string]any{"id": id, "rows": rows}); err != nil {
			return err
		}
	}
	return nil
}

const readTrail = `
MATCH (i:Incident)-[:HAS_RECORD]->(r:$$LABEL)
WHERE i.id IN $ids AND ($kinds IS NULL OR r.kind IN $kinds)
RETURN i.id AS id, properties(r) AS r
ORDER BY r.at, r.seq`

func readTrails[T any](ctx context.Context, s *Store, label string, ids []string, kinds any, decode func(map[string]any) T) (map[string][]T, error) {
	return read(ctx, s, func(tx driver.ManagedTransaction) (map[string][]T, error) {
		return trailsIn(ctx, tx, label, ids, kinds, decode)
	})
}

func trailsIn[T any](ctx context.Context, tx driver.ManagedTransaction, label string, ids []string, kinds any, decode func(map[string]any) T) (map[string][]T, error) {
	recs, err := collect(ctx, tx, trailStatement(readTrail, label), map[string]any{"ids": ids, "kinds": kinds})
	if err != nil {
		return nil, err
	}
	return groupAll(recs, "r", infallible(decode))
}

func historyFromProps(p map[string]any) incident.HistoryEntry {
	return incident.HistoryEntry{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"), Field: incident.HistoryField(str(p, "field")),
		From: str(p, "from"), To: str(p, "to"), Comment: str(p, "comment"),
		CommentVisibility: storedVisibility(incident.Visibility(str(p, "commentVisibility"))), HoldReason: incident.HoldReason(str(p, "holdReason"))}
}

// History implements incident.Store.
func (m *Incidents) History(ctx context.Context, ids []string) (map[string][]incident.HistoryEntry, error) {
	return readTrails(ctx, m.s, labelHistory, ids, nil, historyFromProps)
}

// Escalations implements incident.Store.
func (m *Incidents) Escalations(ctx context.Context, ids []string) (map[string][]incident.Escalation, error) {
	return readTrails(ctx, m.s, labelEscalation, ids, nil, func(p map[string]any) incident.Escalation {
		return incident.Escalation{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"),
			FromGroupID: str(p, "fromGroupId"), ToGroupID: str(p, "toGroupId"),
			FromAssigneeID: str(p, "fromAssigneeId"), ToAssigneeID: str(p, "toAssigneeId"), Reason: str(p, "reason"),
			ReasonVisibility: storedVisibility(incident.Visibility(str(p, "reasonVisibility")))}
	})
}

// Communications implements incident.Store.
func (m *Incidents) Communications(ctx context.Context, ids []string) (map[string][]incident.Communication, error) {
	return readTrails(ctx, m.s, labelCommunication, ids, nil, func(p map[string]any) incident.Communication {
		return incident.Communication{ID: str(p, "id"), At: tm(p, "at"), Actor: str(p, "actor"),
			Audience: str(p, "audience"), Channel: str(p, "channel"), Message: str(p, "message"),
			Visibility: storedVisibility(incident.Visibility(str(p, "visibility")))}
	})
}

// Timeline implements incident.Store.
func (m *Incidents) Timeline(ctx context.Context, ids []string, kinds []incident.EntryKind) (map[string][]incident.TimelineEntry, error) {
	return readTrails(ctx, m.s, labelTimeline, ids, nullList(kinds), func(p map[string]any) incident.TimelineEntry {
		return incident.TimelineEntry{ID: str(p, "id"), At: tm(p, "at"), Author: str(p, "author"),
			Kind: incident.EntryKind(str(p, "kind")), Body: str(p, "body")}
	})
}
