package app

import "runtime/debug"

// DefaultGCPercent is the collector's target when GOGC is not set. GraphQL
// execution allocates a few short-lived objects per field it resolves, so a
// large answer (an impact analysis, a page of CIs with their relationships)
// is mostly garbage: collecting half as often made those answers 25–30%
// faster in `make bench`, for a heap that peaks at about three times what
// is live instead of twice. GOGC, and GOMEMLIMIT to cap the heap, still
// apply when set.
const DefaultGCPercent = 200

// TuneGC sets the collector's target to DefaultGCPercent unless the
// environment (getenv) sets GOGC.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
