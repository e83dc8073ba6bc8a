package cmdb

import (
	"regexp"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/validate"
)

// Size limits on CI fields, in characters.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 4000
	MaxLocationLen    = 200
	MaxAttributes     = 100
	MaxAttrKeyLen     = 64
	MaxAttrValueLen   = 1000
	MaxSourceLen      = 100
	MaxExternalIDLen  = 200
	MaxIdemKeyLen     = 200
	MaxMinimumUp      = 1000
)

var attrKeyPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

func checkAttrKey(field, key string) error {
	if len(key) > MaxAttrKeyLen || !attrKeyPattern.MatchString(key) {
		return apperr.Invalid(field, "key %q must start with a letter and hold only letters, digits, '_', '-' and '.', at most %d characters", key, MaxAttrKeyLen)
	}
	return nil
}

func checkMinimumUp(v int) error {
	if v < 1 || v > MaxMinimumUp {
		return apperr.Invalid("redundancyMinimumUp", "must be between 1 and %d (got %d)", MaxMinimumUp, v)
	}
	return nil
}

// applyAttributes returns attrs with the inputs applied; a nil value removes
// the key when removals are allowed.
func applyAttributes(attrs map[string]string, in []AttributeInput, allowRemove bool) (map[string]string, error) {
	out := make(map[string]string, len(attrs)+len(in))
	for k, v := range attrs {
		out[k] = v
	}
	seen := make(map[string]bool, len(in))
	for _, a := range in {
		if err := checkAttrKey("attributes", a.Key); err != nil {
			return nil, err
		}
		if seen[a.Key] {
			return nil, apperr.Invalid("attributes", "key %q is given twice", a.Key)
		}
		seen[a.Key] = true
		if a.Value == nil {
			if !allowRemove {
				return nil, apperr.Invalid("attributes", "key %q needs a value", a.Key)
			}
			delete(out, a.Key)
			continue
		}
		if err := validate.Text("attributes."+a.Key, *a.Value, false, MaxAttrValueLen); err != nil {
			return nil, err
		}
		out[a.Key] = *a.Value
	}
	if len(out) > MaxAttributes {
		return nil, apperr.Invalid("attributes", "a CI may have at most %d attributes (this would make %d)", MaxAttributes, len(out))
	}
	return out, nil
}
