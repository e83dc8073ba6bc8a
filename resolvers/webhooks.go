package resolvers

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/webhooks"
)

func webhookModel(w webhooks.Webhook) *model.Webhook {
	m := &model.Webhook{ID: w.ID, URL: w.URL, Kinds: enumList[model.EventKind](w.Kinds), RecordIds: w.RecordIDs, Enabled: w.Enabled,
		DisabledReason: optional(w.DisabledReason), Failures: w.Failures, Position: events.FormatPosition(w.Position),
		CreatedAt: w.CreatedAt, CreatedBy: w.CreatedBy}
	if m.RecordIds == nil {
		m.RecordIds = []string{}
	}
	if !w.NextAttempt.IsZero() {
		t := w.NextAttempt
		m.NextAttemptAt = &t
	}
	return m
}

func webhookDeliveryModel(d webhooks.Delivery) *model.WebhookDelivery {
	m := &model.WebhookDelivery{Position: events.FormatPosition(d.Position), Kind: model.EventKind(d.Kind), RecordID: d.RecordID,
		Attempt: d.Attempt, At: d.At, Error: optional(d.Error), DurationMs: float64(d.Duration.Microseconds()) / 1000, Succeeded: d.Succeeded}
	if d.Status != 0 {
		s := d.Status
		m.Status = &s
	}
	return m
}

// deliveryKey asks for one webhook's latest deliveries; keys with the same
// limit share a read.
type deliveryKey struct {
	id    string
	limit int
}

// webhookLoaders batch the webhook fields that read further records.
type webhookLoaders struct {
	deliveries *dataloadgen.Loader[deliveryKey, []webhooks.Delivery]
}

func webhookLoadersFrom(ctx context.Context) *webhookLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *webhookLoaders {
		return &webhookLoaders{deliveries: dataloadgen.NewMappedLoader(func(ctx context.Context, keys []deliveryKey) (map[deliveryKey][]webhooks.Delivery, error) {
			return batchByArgs(keys, func(k deliveryKey) deliveryKey { return deliveryKey{limit: k.limit} },
				func(k deliveryKey) string { return k.id },
				func(args deliveryKey, ids []string) (map[string][]webhooks.Delivery, error) {
					return r.Hooks.Deliveries(ctx, ids, args.limit)
				})
		}, wait)}
	})
}
