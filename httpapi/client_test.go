package httpapi

import (
	"net/netip"
	"testing"
)

func TestForwardedFor(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	proxy := netip.MustParseAddr("10.0.0.1")
	cases := []struct {
		name    string
		headers []string
		want    string
	}{
		{"no header", nil, "10.0.0.1"},
		{"one client", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed entries left of the client", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"a chain of trusted proxies", []string{"198.51.100.7, 10.1.1.1", "10.2.2.2"}, "198.51.100.7"},
		{"IPv4 in IPv6", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"IPv6 client behind an IPv6 proxy", []string{"2001:db8::1, fd00::2"}, "2001:db8::1"},
		{"garbage stops at the last good address", []string{"198.51.100.7, not-an-ip, 10.3.3.3"}, "10.3.3.3"},
		{"everything trusted", []string{"10.9.9.9"}, "10.9.9.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := forwardedFor(trusted, proxy, tc.headers); got.String() != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
