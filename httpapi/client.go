package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/itsm-graph/itsm/auth"
)

// clientAddress puts the address the request came from in its context,
// for login throttling. It is the peer's address, unless that peer is one
// of the trusted proxies: then X-Forwarded-For is read from the right,
// past every trusted proxy, to the first address no trusted proxy
// vouches for. X-Forwarded-For from anyone else is ignored, since a client
// can write any address there.
func clientAddress(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := peerAddr(r.RemoteAddr)
		if isTrusted(trusted, addr) {
			addr = forwardedFor(trusted, addr, r.Header.Values("X-Forwarded-For"))
		}
		next.ServeHTTP(w, r.WithContext(auth.WithClientAddr(r.Context(), addr)))
	})
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	return a.IsValid() && slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(a) })
}

// forwardedFor walks the X-Forwarded-For chain (all header lines, in
// order) from the right; peer is the trusted proxy that sent the request.
// A malformed entry stops the walk at the last address known good.
func forwardedFor(trusted []netip.Prefix, peer netip.Addr, headers []string) netip.Addr {
	var chain []string
	for _, h := range headers {
		chain = append(chain, strings.Split(h, ",")...)
	}
	addr := peer
	for i := len(chain) - 1; i >= 0 && isTrusted(trusted, addr); i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(chain[i]))
		if err != nil {
			break
		}
		addr = a.Unmap()
	}
	return addr
}
