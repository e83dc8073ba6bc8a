// Package validate holds the input checks shared by the domain packages, so
// that every field error reads the same way and names the field to fix.
package validate

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/itsm-graph/itsm/apperr"
)

// Text checks that s is valid UTF-8, not blank when required, and at most
// maxLen characters long. Errors are BAD_USER_INPUT naming field.
func Text(field, s string, required bool, maxLen int) error {
	if !utf8.ValidString(s) {
		return apperr.Invalid(field, "is not valid UTF-8")
	}
	if required && strings.TrimSpace(s) == "" {
		return apperr.Invalid(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return apperr.Invalid(field, "is %d characters long; the limit is %d", n, maxLen)
	}
	return nil
}

// Enum checks that v is one of valid.
func Enum[T ~string](field string, v T, valid []T) error {
	if slices.Contains(valid, v) {
		return nil
	}
	return apperr.Invalid(field, "unknown value %q; valid values are %v", string(v), valid)
}

// IDs checks a list of ids: at most max of them, each non-empty and at
// most maxLen characters long.
func IDs(field string, ids []string, max, maxLen int) error {
	if len(ids) > max {
		return apperr.Invalid(field, "lists %d ids; the limit is %d", len(ids), max)
	}
	for _, id := range ids {
		if err := Text(field, id, true, maxLen); err != nil {
			return err
		}
	}
	return nil
}
