package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/events"
)

// Service registers webhooks and delivers the log to them.
type Service struct {
	store  Store
	log    events.Log
	policy Policy
	now    func() time.Time
	newID  func(prefix string) string
	client *http.Client
}

// NewService returns a Service; zero policy fields take DefaultPolicy's.
func NewService(store Store, log events.Log, policy Policy, now func() time.Time, newID func(prefix string) string) *Service {
	def := DefaultPolicy()
	if policy.MaxFailures <= 0 {
		policy.MaxFailures = def.MaxFailures
	}
	if policy.Timeout <= 0 {
		policy.Timeout = def.Timeout
	}
	if policy.MaxBackoff <= 0 {
		policy.MaxBackoff = def.MaxBackoff
	}
	return &Service{store: store, log: log, policy: policy, now: now, newID: newID, client: client(policy)}
}

// errBlocked is the refusal of a connection to a blocked address.
var errBlocked = errors.New("the address is loopback, private or link-local")

// client connects only to addresses the policy allows, checked as
// resolved (a name cannot be pointed at an internal address after it was
// registered), and follows no redirects.
func client(p Policy) *http.Client {
	d := &net.Dialer{Timeout: p.Timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if !p.AllowPrivate && Blocked(ap.Addr()) {
			return fmt.Errorf("%s: %w", ap.Addr(), errBlocked)
		}
		return nil
	}}
	return &http.Client{
		Timeout:       p.Timeout,
		Transport:     &http.Transport{DialContext: d.DialContext, Proxy: nil, MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Create registers a webhook that receives the events appended from now
// on; the secret that signs them is in the result (and only there).
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (Webhook, error) {
	if err := in.check(s.policy.AllowPrivate); err != nil {
		return Webhook{}, err
	}
	existing, err := s.store.Webhooks(ctx)
	if err != nil {
		return Webhook{}, err
	}
	if len(existing) >= MaxWebhooks {
		return Webhook{}, apperr.Invalid("url", "there are %d webhooks already, the most allowed; delete one first", len(existing))
	}
	_, head, err := s.log.Bounds(ctx)
	if err != nil {
		return Webhook{}, err
	}
	w := Webhook{ID: s.newID(Prefix), URL: in.URL, Kinds: in.Kinds, RecordIDs: in.RecordIDs, Secret: NewSecret(), Position: head,
		Enabled: true, CreatedAt: s.now().UTC(), CreatedBy: p.Subject}
	return w, s.store.CreateWebhook(ctx, w)
}

// List returns every webhook.
func (s *Service) List(ctx context.Context) ([]Webhook, error) { return s.store.Webhooks(ctx) }

// Delete removes a webhook and its deliveries; NOT_FOUND when absent.
func (s *Service) Delete(ctx context.Context, id string) error { return s.store.DeleteWebhook(ctx, id) }

// Enable resumes delivery to a webhook that was disabled (by itself or
// not), from where it stopped.
func (s *Service) Enable(ctx context.Context, id string) (Webhook, error) {
	return s.store.UpdateWebhook(ctx, id, func(w Webhook) (Webhook, error) {
		w.Enabled, w.DisabledReason, w.Failures, w.NextAttempt = true, "", 0, time.Time{}
		return w, nil
	})
}

// Deliveries returns the latest deliveries of each webhook.
func (s *Service) Deliveries(ctx context.Context, ids []string, limit int) (map[string][]Delivery, error) {
	return s.store.Deliveries(ctx, ids, limit)
}

// batch bounds the events one webhook is sent per round.
const batch = 50

// DeliverDue sends each enabled webhook whose next attempt is due the
// events after its position, in order, one request each, until one fails
// or none is left. A failure is retried after Backoff; MaxFailures in a
// row disable the webhook. Failures are recorded, not returned; the error
// is the store's.
func (s *Service) DeliverDue(ctx context.Context) error {
	ws, err := s.store.Webhooks(ctx)
	if err != nil {
		return err
	}
	head := int64(-1) // read once a webhook is due
	for _, w := range ws {
		if !w.Enabled || s.now().Before(w.NextAttempt) {
			continue
		}
		if head < 0 {
			if _, head, err = s.log.Bounds(ctx); err != nil {
				return err
			}
		}
		if err := s.deliver(ctx, w, head); err != nil {
			return err
		}
	}
	return nil
}

// deliver sends w what is due. Every position up to head, read before,
// is committed (positions follow commits), so when none after w's is for
// w, w is done up to head: moving it there spares the next rounds reading
// past the same events.
func (s *Service) deliver(ctx context.Context, w Webhook, head int64) error {
	evs, err := s.log.After(ctx, w.Position, batch, w.Filter())
	if err != nil {
		return err
	}
	if len(evs) == 0 && head > w.Position {
		_, err := s.store.UpdateWebhook(ctx, w.ID, func(cur Webhook) (Webhook, error) {
			cur.Position = max(cur.Position, head)
			return cur, nil
		})
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		return err
	}
	for _, e := range evs {
		d := s.post(ctx, w, e)
		if d.Succeeded {
			w.Position, w.Failures, w.NextAttempt = e.Position, 0, time.Time{}
		} else {
			w.Failures++
			w.NextAttempt = d.At.Add(Backoff(w.Failures, s.policy.MaxBackoff))
			if w.Failures >= s.policy.MaxFailures {
				w.Enabled = false
				w.DisabledReason = fmt.Sprintf("disabled after %d failed attempts in a row; the last: %s", w.Failures, d.Error)
			}
		}
		if err := s.store.RecordDelivery(ctx, w, d, KeptDeliveries); err != nil {
			return err
		}
		if !d.Succeeded || ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// payload is the body of a delivery.
type payload struct {
	Position string          `json:"position"`
	Kind     events.Kind     `json:"kind"`
	RecordID string          `json:"recordId"`
	At       time.Time       `json:"at"`
	Record   json.RawMessage `json:"record"`
}

// Headers of a delivery.
const (
	HeaderSignature = "X-Itsm-Signature"
	HeaderPosition  = "X-Itsm-Event-Position"
	HeaderWebhook   = "X-Itsm-Webhook-Id"
)

// post sends one event to w's endpoint; any 2xx answer is a success.
func (s *Service) post(ctx context.Context, w Webhook, e events.Event) Delivery {
	d := Delivery{WebhookID: w.ID, Position: e.Position, Kind: e.Kind, RecordID: e.RecordID, Attempt: w.Failures + 1, At: s.now().UTC()}
	body, err := json.Marshal(payload{Position: events.FormatPosition(e.Position), Kind: e.Kind, RecordID: e.RecordID, At: e.At, Record: e.Payload})
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "itsm-graph-webhooks")
	req.Header.Set(HeaderSignature, Sign(w.Secret, time.Now(), body))
	req.Header.Set(HeaderPosition, strconv.FormatInt(e.Position, 10))
	req.Header.Set(HeaderWebhook, w.ID)
	start := time.Now()
	resp, err := s.client.Do(req)
	d.Duration = time.Since(start)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		d.Status = resp.StatusCode
		d.Succeeded = resp.StatusCode/100 == 2
	}
	if !d.Succeeded {
		d.Error = describe(d.Status, err)
	}
	return d
}
