package limits

import (
	"context"
	"sync/atomic"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/throttle"
)

// Budget is what one request may still spend: a number of transactions, and
// how many of them may run at once. A GraphQL answer fans out over many
// resolvers, each free to open a transaction; without a budget one request
// with many aliases can hold every connection of the driver's pool, so that
// other users' one-row reads fail. The HTTP layer puts a Budget in each
// response's context and the store takes from it before every transaction;
// work without a budget (background jobs, the importer, tests of the store)
// is not limited.
type Budget struct {
	max  int64
	used atomic.Int64
	gate *throttle.Gate
}

// NewBudget returns a budget of maxTransactions transactions, at most concurrent of
// them running at the same time. Values below 1 count as 1.
func NewBudget(maxTransactions, concurrent int) *Budget {
	most := max(maxTransactions, 1)
	// Every transaction the budget admits may wait, so the queue never
	// turns one away.
	return &Budget{max: int64(most), gate: throttle.NewGate(max(concurrent, 1), most)}
}

type ctxKey struct{}

// WithBudget returns ctx carrying b.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, ctxKey{}, b)
}

// Acquire takes one transaction from the budget in ctx and waits for a free
// slot; release gives the slot back when the transaction is over. Without a
// budget in ctx it takes nothing. BAD_USER_INPUT when the budget is spent
// (the request asks for more than one request may); UNAVAILABLE when ctx
// ends while waiting.
func Acquire(ctx context.Context) (release func(), err error) {
	b, _ := ctx.Value(ctxKey{}).(*Budget)
	if b == nil {
		return func() {}, nil
	}
	if b.used.Add(1) > b.max {
		return nil, apperr.New(apperr.BadUserInput,
			"this request needs more than %d database transactions, the limit per request: ask for fewer items or fields (for example fewer aliases or a smaller first:) or split it into several requests", b.max)
	}
	release, ok := b.gate.Enter(ctx)
	if !ok {
		return nil, apperr.Wrap(ctx.Err(), apperr.Unavailable, "the request was cancelled while waiting for the database")
	}
	return release, nil
}
