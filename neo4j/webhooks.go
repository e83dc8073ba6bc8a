package neo4j

import (
	"context"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/webhooks"
)

// Webhooks is the webhook part of the store.
type Webhooks struct{ s *Store }

// Webhooks returns the webhook part of the store.
func (s *Store) Webhooks() *Webhooks { return &Webhooks{s: s} }

var _ webhooks.Store = (*Webhooks)(nil)

func webhookMigrations() []string {
	return []string{
		"CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (w:Webhook) REQUIRE w.id IS UNIQUE",
		// A webhook's deliveries are listed newest first and pruned oldest first.
		"CREATE INDEX webhook_delivery_at IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.webhookId, d.at)",
	}
}

func webhookToProps(w webhooks.Webhook) map[string]any {
	return map[string]any{"id": w.ID, "url": w.URL, "kinds": stringList(w.Kinds), "recordIds": list(w.RecordIDs), "secret": w.Secret,
		"position": w.Position, "enabled": w.Enabled, "disabledReason": nullable(w.DisabledReason), "failures": int64(w.Failures),
		"nextAttempt": nullTime(w.NextAttempt), "createdAt": w.CreatedAt, "createdBy": w.CreatedBy}
}

func webhookFromProps(p map[string]any) webhooks.Webhook {
	w := webhooks.Webhook{ID: str(p, "id"), URL: str(p, "url"), RecordIDs: strs(p["recordIds"]), Secret: str(p, "secret"),
		Position: num64(p, "position"), Enabled: p["enabled"] == true, DisabledReason: str(p, "disabledReason"),
		Failures: num(p, "failures"), CreatedAt: tm(p, "createdAt"), CreatedBy: str(p, "createdBy")}
	for _, k := range strs(p["kinds"]) {
		w.Kinds = append(w.Kinds, events.Kind(k))
	}
	if t := tmPtr(p, "nextAttempt"); t != nil {
		w.NextAttempt = *t
	}
	return w
}

// CreateWebhook implements webhooks.Store.
func (h *Webhooks) CreateWebhook(ctx context.Context, w webhooks.Webhook) error {
	_, err := write(ctx, h.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, `CREATE (w:Webhook) SET w = $props`, map[string]any{"props": webhookToProps(w)})
		return struct{}{}, err
	})
	return err
}

// Webhooks implements webhooks.Store.
func (h *Webhooks) Webhooks(ctx context.Context) ([]webhooks.Webhook, error) {
	return readAll(ctx, h.s, `MATCH (w:Webhook) RETURN properties(w) AS w ORDER BY w.createdAt, w.id`, nil, "w", infallible(webhookFromProps))
}

const deleteWebhook = `
MATCH (w:Webhook {id: $id})
OPTIONAL MATCH (d:WebhookDelivery {webhookId: $id})
DETACH DELETE d, w
RETURN count(*) AS n`

// DeleteWebhook implements webhooks.Store.
func (h *Webhooks) DeleteWebhook(ctx context.Context, id string) error {
	_, err := write(ctx, h.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		recs, err := collect(ctx, tx, deleteWebhook, map[string]any{"id": id})
		if err != nil {
			return struct{}{}, err
		}
		if n, _ := recs[0].Get("n"); n == int64(0) {
			return struct{}{}, apperr.New(apperr.NotFound, "no webhook has id %q", id)
		}
		return struct{}{}, nil
	})
	return err
}

const lockWebhook = `
MATCH (w:Webhook {id: $id})
SET w._lock = true
REMOVE w._lock
RETURN properties(w) AS w`

// UpdateWebhook implements webhooks.Store.
func (h *Webhooks) UpdateWebhook(ctx context.Context, id string, apply func(webhooks.Webhook) (webhooks.Webhook, error)) (webhooks.Webhook, error) {
	return write(ctx, h.s, func(tx driver.ManagedTransaction) (webhooks.Webhook, error) {
		recs, err := collect(ctx, tx, lockWebhook, map[string]any{"id": id})
		if err != nil {
			return webhooks.Webhook{}, err
		}
		if len(recs) == 0 {
			return webhooks.Webhook{}, apperr.New(apperr.NotFound, "no webhook has id %q", id)
		}
		next, err := apply(webhookFromProps(props(recs[0], "w")))
		if err != nil {
			return webhooks.Webhook{}, err
		}
		_, err = collect(ctx, tx, `MATCH (w:Webhook {id: $id}) SET w = $props`, map[string]any{"id": id, "props": webhookToProps(next)})
		return next, err
	})
}

// recordDelivery saves a delivery and the webhook's state after it
// (unless the webhook was deleted meanwhile), and prunes the deliveries
// beyond the newest $keep.
const recordDelivery = `
MATCH (w:Webhook {id: $id})
SET w.position = $position, w.enabled = $enabled, w.disabledReason = $disabledReason, w.failures = $failures, w.nextAttempt = $nextAttempt
CREATE (d:WebhookDelivery)
SET d = $delivery
WITH w
CALL (w) {
  MATCH (old:WebhookDelivery)
  USING INDEX old:WebhookDelivery(webhookId, at)
  WHERE old.webhookId = w.id AND old.at IS NOT NULL
  WITH old ORDER BY old.at DESC SKIP $keep
  DELETE old
}`

// RecordDelivery implements webhooks.Store.
func (h *Webhooks) RecordDelivery(ctx context.Context, w webhooks.Webhook, d webhooks.Delivery, keep int) error {
	p := webhookToProps(w)
	_, err := write(ctx, h.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, recordDelivery, map[string]any{"id": w.ID, "position": p["position"], "enabled": p["enabled"],
			"disabledReason": p["disabledReason"], "failures": p["failures"], "nextAttempt": p["nextAttempt"], "keep": int64(keep),
			"delivery": map[string]any{"webhookId": d.WebhookID, "position": d.Position, "kind": string(d.Kind), "recordId": d.RecordID,
				"attempt": int64(d.Attempt), "at": d.At, "status": int64(d.Status), "error": nullable(d.Error),
				"durationMs": float64(d.Duration.Microseconds()) / 1000, "succeeded": d.Succeeded}})
		return struct{}{}, err
	})
	return err
}

const webhookDeliveries = `
UNWIND $ids AS id
CALL (id) {
  MATCH (d:WebhookDelivery)
  USING INDEX d:WebhookDelivery(webhookId, at)
  WHERE d.webhookId = id AND d.at IS NOT NULL
  WITH d ORDER BY d.at DESC LIMIT $limit
  RETURN collect(properties(d)) AS ds
}
RETURN id, ds`

// Deliveries implements webhooks.Store.
func (h *Webhooks) Deliveries(ctx context.Context, ids []string, limit int) (map[string][]webhooks.Delivery, error) {
	return read(ctx, h.s, func(tx driver.ManagedTransaction) (map[string][]webhooks.Delivery, error) {
		recs, err := collect(ctx, tx, webhookDeliveries, map[string]any{"ids": ids, "limit": int64(limit)})
		if err != nil {
			return nil, err
		}
		out := make(map[string][]webhooks.Delivery, len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			ds, _ := r.Get("ds")
			for _, p := range maps(ds) {
				out[id.(string)] = append(out[id.(string)], webhooks.Delivery{WebhookID: str(p, "webhookId"), Position: num64(p, "position"),
					Kind: events.Kind(str(p, "kind")), RecordID: str(p, "recordId"), Attempt: num(p, "attempt"), At: tm(p, "at"),
					Status: num(p, "status"), Error: str(p, "error"), Duration: time.Duration(flt(p, "durationMs") * float64(time.Millisecond)),
					Succeeded: p["succeeded"] == true})
			}
		}
		return out, nil
	})
}
