package app

import (
	"runtime/debug"
	"testing"
)

func TestTuneGCLeavesAnExplicitGOGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	for _, c := range []struct {
		gogc string
		want int
	}{{"", DefaultGCPercent}, {"100", 100}, {"off", 100}} {
		debug.SetGCPercent(100)
		TuneGC(func(key string) string {
			if key == "GOGC" {
				return c.gogc
			}
			return ""
		})
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("GOGC=%q: collector target %d, want %d", c.gogc, got, c.want)
		}
	}
}
