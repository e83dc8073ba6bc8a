// Package limits holds what bounds the work of one request: the limits on a
// GraphQL document and its cost, checked before it runs, and the database
// budget the store takes from while it runs.
package limits

// Request bounds the work one request may cause, so that no request, signed
// in or not, can hold a core or the database for long. Document limits are
// checked on the raw document before gqlgen validates it: validation and
// gqlgen's complexity walk expand every fragment spread and compare fields
// pairwise, so an unchecked document of a kilobyte can cost minutes. Zero
// fields take the values of Default.
type Request struct {
	// MaxBodyBytes is the largest request body accepted.
	MaxBodyBytes int64
	// MaxTokens is the most lexical tokens a document may have.
	MaxTokens int
	// MaxAliases is the most aliased fields an operation may select, with
	// every fragment spread counted where it is spread.
	MaxAliases int
	// MaxFields is the most fields an operation may select, counted the
	// same way.
	MaxFields int
	// MaxFieldRepeats is how often one response name may be selected in
	// one selection set, fragments included: validation compares those
	// fields pairwise.
	MaxFieldRepeats int
	// MaxDirectives is the most directives a document may use.
	MaxDirectives int
	// MaxDepth is the deepest field nesting.
	MaxDepth int
	// MaxComplexity is the highest cost a query may have: about the number
	// of objects it could return (see resolvers/cost.go).
	MaxComplexity int
	// MaxTransactions is the most database transactions one response
	// (a query, a mutation, or one subscription event) may run.
	MaxTransactions int
	// MaxConcurrentTransactions is how many of them may run at once.
	MaxConcurrentTransactions int
	// MaxSubscriptions is the most operations one WebSocket connection may
	// have active at once.
	MaxSubscriptions int
}

// Default is generous for any screen of the product and still
// refuse the attack shapes within milliseconds.
func Default() Request {
	return Request{
		MaxBodyBytes:              1 << 20,
		MaxTokens:                 5000,
		MaxAliases:                30,
		MaxFields:                 2000,
		MaxFieldRepeats:           20,
		MaxDirectives:             50,
		MaxDepth:                  12,
		MaxComplexity:             500_000,
		MaxTransactions:           100,
		MaxConcurrentTransactions: 4,
		MaxSubscriptions:          20,
	}
}

// WithDefaults fills the zero fields of l from Default.
func (l Request) WithDefaults() Request {
	d := Default()
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	pick(&l.MaxTokens, d.MaxTokens)
	pick(&l.MaxAliases, d.MaxAliases)
	pick(&l.MaxFields, d.MaxFields)
	pick(&l.MaxFieldRepeats, d.MaxFieldRepeats)
	pick(&l.MaxDirectives, d.MaxDirectives)
	pick(&l.MaxDepth, d.MaxDepth)
	pick(&l.MaxComplexity, d.MaxComplexity)
	pick(&l.MaxTransactions, d.MaxTransactions)
	pick(&l.MaxConcurrentTransactions, d.MaxConcurrentTransactions)
	pick(&l.MaxSubscriptions, d.MaxSubscriptions)
	return l
}
