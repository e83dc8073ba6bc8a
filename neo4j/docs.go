package neo4j

import (
	"encoding/json"

	"github.com/itsm-graph/itsm/apperr"
)

// Small documents (an SLA's targets, a change's approvals, a history
// entry's field changes, …) are kept as JSON text properties. Each is
// written and read through a type of this package with explicit JSON
// names, never a domain struct marshalled as is: renaming a domain field
// must not silently lose what is stored. The names are those the documents
// were first written with.

// jsonProp is v as JSON text; nil (no document) stays nil, so the property
// is not written.
func jsonProp(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// decodeDoc decodes the JSON text property key of p into v; an absent
// property leaves v as it is. A document that does not decode is an
// INTERNAL error naming the property and the record (kind and id).
func decodeDoc(p map[string]any, key, kind string, v any) error {
	text := str(p, key)
	if text == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(text), v); err != nil {
		return apperr.Wrap(err, apperr.Internal, "the stored %s of %s %q cannot be read", key, kind, str(p, "id"))
	}
	return nil
}

// decodeList decodes the JSON list property key of p as decodeDoc does and
// converts its documents with from.
func decodeList[D, T any](p map[string]any, key, kind string, from func(D) T) ([]T, error) {
	var docs []D
	if err := decodeDoc(p, key, kind, &docs); err != nil {
		return nil, err
	}
	return convert(docs, from), nil
}

// convert maps a list between domain values and documents, keeping a nil
// list nil: it was written as JSON null and reads back as nil.
func convert[A, B any](in []A, f func(A) B) []B {
	if in == nil {
		return nil
	}
	out := make([]B, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}
