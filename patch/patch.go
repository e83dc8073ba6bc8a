// Package patch applies partial updates: an update input leaves a field
// alone with a nil pointer and sets it with a non-nil one. Every domain
// package's update commands share this one rule.
package patch

// Set copies *v into *dst when v is not nil.
func Set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
