// Package webhooks delivers the event log to HTTP endpoints, for
// automation that cannot hold a WebSocket: each webhook names a URL and
// the kinds (and records) of events it wants, and receives them in order,
// at least once, signed, with retries and automatic disabling.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/events"
)

// Prefix starts webhook ids.
const Prefix = "whk"

// Webhook is an HTTP endpoint subscribed to the event log.
type Webhook struct {
	ID  string
	URL string
	// Kinds and RecordIDs narrow the events delivered (all when empty).
	Kinds     []events.Kind
	RecordIDs []string
	// Secret signs each delivery (see Sign).
	Secret string
	// Position is the last event delivered (or skipped by the filter).
	Position int64
	Enabled  bool
	// DisabledReason says why delivery stopped by itself.
	DisabledReason string
	// Failures counts the failed attempts since the last success;
	// NextAttempt is when the next may run.
	Failures    int
	NextAttempt time.Time
	CreatedAt   time.Time
	CreatedBy   string
}

// Filter is the part of the log w receives.
func (w Webhook) Filter() events.Filter {
	return events.Filter{Kinds: w.Kinds, RecordIDs: w.RecordIDs}
}

// Delivery is one attempt to deliver one event.
type Delivery struct {
	WebhookID string
	Position  int64
	Kind      events.Kind
	RecordID  string
	Attempt   int
	At        time.Time
	// Status is the endpoint's HTTP status (0 when it gave none).
	Status    int
	Error     string
	Duration  time.Duration
	Succeeded bool
}

// Store keeps webhooks and their deliveries.
type Store interface {
	CreateWebhook(ctx context.Context, w Webhook) error
	Webhooks(ctx context.Context) ([]Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	// UpdateWebhook applies apply to the webhook under its lock.
	// NOT_FOUND when it does not exist.
	UpdateWebhook(ctx context.Context, id string, apply func(Webhook) (Webhook, error)) (Webhook, error)
	// RecordDelivery saves d and the webhook's state after it in one
	// transaction, keeping the last keep deliveries of the webhook.
	RecordDelivery(ctx context.Context, w Webhook, d Delivery, keep int) error
	// Deliveries returns the latest deliveries of each webhook, newest
	// first, up to limit each.
	Deliveries(ctx context.Context, ids []string, limit int) (map[string][]Delivery, error)
}

// Policy bounds delivery.
type Policy struct {
	// AllowPrivate lets webhooks target loopback, private and link-local
	// addresses (an operator's choice for endpoints on their own network).
	AllowPrivate bool
	// MaxFailures consecutive failed attempts disable a webhook.
	MaxFailures int
	// Timeout bounds one attempt.
	Timeout time.Duration
	// MaxBackoff caps the wait between attempts.
	MaxBackoff time.Duration
}

// DefaultPolicy is the policy of a server without settings.
func DefaultPolicy() Policy {
	return Policy{MaxFailures: 10, Timeout: 10 * time.Second, MaxBackoff: 5 * time.Minute}
}

// Backoff is the wait after the failures-th consecutive failure: 1s,
// 2s, 4s, … up to max.
func Backoff(failures int, max time.Duration) time.Duration {
	d := time.Second << min(failures-1, 30)
	return min(d, max)
}

// KeptDeliveries is how many deliveries are kept per webhook.
const KeptDeliveries = 100

// Blocked reports whether ip is an address webhooks may not reach
// without AllowPrivate: the machine itself, private and shared networks,
// link-local, and addresses that name no single host.
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip) || !ip.IsValid()
}

// cgnat is the shared address space carriers use (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// CheckTarget refuses a URL that is not an absolute http(s) URL, carries
// credentials, or names a blocked address (or localhost) when private
// targets are not allowed. Names are checked again, as resolved, when
// each delivery connects.
func CheckTarget(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" {
		return apperr.Invalid("url", "must be an absolute http or https URL, got %q", raw)
	}
	if u.User != nil {
		return apperr.Invalid("url", "must not carry credentials; the signature header authenticates deliveries")
	}
	if len(raw) > 2048 {
		return apperr.Invalid("url", "must be at most 2048 characters")
	}
	if allowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return apperr.Invalid("url", "%s is this machine; webhooks may only reach public addresses", u.Hostname())
	}
	if ip, err := netip.ParseAddr(host); err == nil && Blocked(ip) {
		return apperr.Invalid("url", "%s is a loopback, private or link-local address; webhooks may only reach public addresses", u.Hostname())
	}
	return nil
}

// NewSecret returns a fresh signing secret.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// Sign is the X-Itsm-Signature header of a delivery of body at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under secret>".
// Receivers recompute it, compare in constant time, and refuse old t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// CreateInput registers a webhook.
type CreateInput struct {
	URL       string
	Kinds     []events.Kind
	RecordIDs []string
}

func (in CreateInput) check(allowPrivate bool) error {
	if err := CheckTarget(in.URL, allowPrivate); err != nil {
		return err
	}
	for _, k := range in.Kinds {
		if !slices.Contains(events.Kinds(), k) {
			return apperr.Invalid("kinds", "unknown kind %q", k)
		}
	}
	if len(in.RecordIDs) > 100 {
		return apperr.Invalid("recordIds", "at most 100 records, got %d", len(in.RecordIDs))
	}
	return nil
}

// Limits on webhooks.
const MaxWebhooks = 50

func describe(status int, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("the endpoint answered HTTP %d", status)
}
