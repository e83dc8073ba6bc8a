package neo4j

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"sync"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
)

// Causal consistency. Every session of an instance shares one bookmark
// manager, so its reads see its own writes even when a cluster routes
// them to a follower or read replica that lags. Across instances, a
// client carries the bookmark of its writes from one answer to its next
// request: the sessions of that request wait for the database to reach it.

// causal is one request's bookmarks: those it came with, and those its
// writes left.
type causal struct {
	given driver.Bookmarks
	mu    sync.Mutex
	wrote driver.Bookmarks
}

type causalKey struct{}

// Within returns ctx under which this store's sessions wait for the
// database to reach bookmark (an opaque value from an earlier answer; ""
// for none) and record the bookmarks their writes leave. BAD_USER_INPUT
// names field when bookmark is not one this API gave.
func (s *Store) Within(ctx context.Context, field, bookmark string) (context.Context, error) {
	c := &causal{}
	if bookmark != "" {
		raw, err := base64.RawURLEncoding.DecodeString(bookmark)
		if err != nil || json.Unmarshal(raw, &c.given) != nil || len(c.given) == 0 || slices.Contains(c.given, "") {
			return ctx, apperr.Invalid(field, "is not a bookmark this API gave (pass back extensions.bookmark of an earlier answer, unchanged)")
		}
	}
	return context.WithValue(ctx, causalKey{}, c), nil
}

// Bookmark returns the bookmark of the writes made under ctx (see
// Within), "" when there were none.
func (s *Store) Bookmark(ctx context.Context) string {
	c, _ := ctx.Value(causalKey{}).(*causal)
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.wrote) == 0 {
		return ""
	}
	raw, _ := json.Marshal(c.wrote) // a list of strings always marshals
	return base64.RawURLEncoding.EncodeToString(raw)
}

// sessionBookmarks are the bookmarks a session under ctx starts from.
func sessionBookmarks(ctx context.Context) driver.Bookmarks {
	if c, _ := ctx.Value(causalKey{}).(*causal); c != nil {
		return c.given
	}
	return nil
}

// wrote records the bookmarks a write session under ctx left.
func wrote(ctx context.Context, bs driver.Bookmarks) {
	if c, _ := ctx.Value(causalKey{}).(*causal); c != nil && len(bs) > 0 {
		c.mu.Lock()
		c.wrote = slices.Clone(bs)
		c.mu.Unlock()
	}
}
