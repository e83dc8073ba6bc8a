package webhooks

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/apperr"
)

func TestCheckTarget(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.com/itsm", false, true},
		{"http://203.0.113.7:8080/in", false, true},
		{"http://127.0.0.1:9000/in", true, true},
		{"ftp://hooks.example.com/", false, false},
		{"/relative", false, false},
		{"https://user:pw@hooks.example.com/", true, false},
		{"http://localhost:8080/", false, false},
		{"http://api.localhost/", false, false},
		{"http://127.0.0.1/", false, false},
		{"http://10.1.2.3/", false, false},
		{"http://192.168.0.10/", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"http://100.64.0.1/", false, false},
		{"http://[::1]/", false, false},
		{"http://[fd00::1]/", false, false},
		{"http://[::ffff:10.0.0.1]/", false, false},
		{"http://0.0.0.0/", false, false},
	} {
		err := CheckTarget(c.url, c.allowPrivate)
		if (err == nil) != c.ok || (err != nil && !apperr.Is(err, apperr.BadUserInput)) {
			t.Errorf("CheckTarget(%q, %v) = %v, want ok %v", c.url, c.allowPrivate, err, c.ok)
		}
	}
}

// A name that resolves to a blocked address is refused when the delivery
// connects, whatever it resolved to when the webhook was registered.
func TestDeliveriesConnectOnlyWhereAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		_, err := client(Policy{Timeout: time.Second}).Post(u, "application/json", nil)
		if !errors.Is(err, errBlocked) {
			t.Errorf("%s without private targets: %v, want refused", u, err)
		}
		resp, err := client(Policy{Timeout: time.Second, AllowPrivate: true}).Post(u, "application/json", nil)
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Errorf("%s with private targets: %v %v", u, resp, err)
		}
	}
	if !Blocked(netip.MustParseAddr("::ffff:127.0.0.1")) || Blocked(netip.MustParseAddr("203.0.113.7")) {
		t.Error("Blocked misjudges mapped loopback or a public address")
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	var got []time.Duration
	for f := 1; f <= 5; f++ {
		got = append(got, Backoff(f, 5*time.Second))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoff %v, want %v", got, want)
		}
	}
	if Backoff(200, time.Minute) != time.Minute {
		t.Fatal("a long run of failures overflows the backoff")
	}
}

func TestSignature(t *testing.T) {
	at := time.Unix(1700000000, 0)
	// HMAC-SHA256 under "secret" of "1700000000.{}", computed with Python's hmac.
	if got, want := Sign("secret", at, []byte("{}")), "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"; got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if Sign("secret", at, []byte("{}")) == Sign("other", at, []byte("{}")) || Sign("secret", at, []byte("{}")) == Sign("secret", at, []byte("{ }")) {
		t.Fatal("the signature does not depend on the secret and the body")
	}
}
