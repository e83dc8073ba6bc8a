package auth

import (
	"context"
	"net/netip"
)

type clientKey struct{}

// WithClientAddr returns a context carrying the network address the
// request came from (after any trusted proxy), which login throttling
// counts attempts by.
func WithClientAddr(ctx context.Context, addr netip.Addr) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientAddr returns the address set by WithClientAddr; the zero Addr
// when there is none.
func ClientAddr(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(clientKey{}).(netip.Addr)
	return a
}
