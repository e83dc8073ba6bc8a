package cmdb

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// IdentifyingAttributes are the attributes that identify a CI across
// discovery sources, strongest first: a feed row its source does not know
// yet is the live CI of the same type with the same serial number, or
// failing that the same hostname, that another source reports. The store
// indexes them, so the list is fixed here rather than configured.
var IdentifyingAttributes = []string{"serialNumber", "hostname"}

// Identifier is one identifying attribute's value on a feed row.
type Identifier struct{ Attribute, Value string }

// identifiers returns the identifying attributes a row carries, strongest
// first.
func (it ImportItem) identifiers() []Identifier {
	var out []Identifier
	for _, attr := range IdentifyingAttributes {
		for _, a := range it.Attributes {
			if a.Key == attr && a.Value != nil && *a.Value != "" {
				out = append(out, Identifier{attr, *a.Value})
			}
		}
	}
	return out
}

// DefaultPrecedence is the Field of the rule that applies to every field no
// other rule names.
const DefaultPrecedence = "*"

// Precedence ranks the sources that may set one field of a CI, highest
// first.
type Precedence struct {
	// Field is a CI field as history names it ("location",
	// "attributes.serialNumber", …) or DefaultPrecedence.
	Field   string
	Sources []string
}

// Rules are the reconciliation rules: which source wins each field when
// several describe the same CI.
type Rules struct {
	Precedence []Precedence
	UpdatedAt  time.Time
	UpdatedBy  string
}

// MaxPrecedenceRules bounds the rules; a real estate has a handful of
// sources and contested fields.
const MaxPrecedenceRules = 200

// governedFields are the CI fields a feed sets, as FieldChange names them.
var governedFields = []string{"name", "type", "status", "environment", "criticality", "description", "location", "ownerGroupId", "redundancyMinimumUp"}

// Validate refuses rules naming an unknown field, a field twice, or a
// source list that is empty or repeats a source.
func (r Rules) Validate() error {
	if len(r.Precedence) > MaxPrecedenceRules {
		return apperr.Invalid("precedence", "at most %d rules (got %d)", MaxPrecedenceRules, len(r.Precedence))
	}
	seen := map[string]bool{}
	for i, p := range r.Precedence {
		field := fmt.Sprintf("precedence[%d]", i)
		if key, ok := strings.CutPrefix(p.Field, "attributes."); ok {
			if err := checkAttrKey(field+".field", key); err != nil {
				return err
			}
		} else if p.Field != DefaultPrecedence && !slices.Contains(governedFields, p.Field) {
			return apperr.Invalid(field+".field", "unknown field %q; use one of %s, attributes.<key> or %q", p.Field, strings.Join(governedFields, ", "), DefaultPrecedence)
		}
		if seen[p.Field] {
			return apperr.Invalid(field+".field", "field %q has two rules; give its sources in one list", p.Field)
		}
		seen[p.Field] = true
		if len(p.Sources) == 0 {
			return apperr.Invalid(field+".sources", "name at least one source for %q", p.Field)
		}
		for j, s := range p.Sources {
			if err := validate.Text(fmt.Sprintf("%s.sources[%d]", field, j), s, true, MaxSourceLen); err != nil {
				return err
			}
			if slices.Index(p.Sources, s) != j {
				return apperr.Invalid(field+".sources", "source %q is listed twice for %q", s, p.Field)
			}
		}
	}
	return nil
}

// rank is where source stands for field: 0 is the highest; a source the
// rules do not list ranks below every listed one.
func (r Rules) rank(field, source string) int {
	list := r.sourcesFor(field)
	if i := slices.Index(list, source); i >= 0 {
		return i
	}
	return len(list)
}

func (r Rules) sourcesFor(field string) []string {
	var def []string
	for _, p := range r.Precedence {
		switch p.Field {
		case field:
			return p.Sources
		case DefaultPrecedence:
			def = p.Sources
		}
	}
	return def
}

// mayWrite says whether source may set field, which owner set last. A source
// ranking at least as high as the owner writes (so among unlisted sources
// the last report wins); a field no feed set is anyone's.
func (r Rules) mayWrite(field, owner, source string) bool {
	return owner == "" || owner == source || r.rank(field, source) <= r.rank(field, owner)
}

// HeldField is a field a feed reported but did not set, because a source
// of higher precedence set it.
type HeldField struct {
	Row    int
	Field  string
	HeldBy string
}

// reconcileInto applies a feed row's reported CI (want) onto the stored one
// (cur) field by field under the rules: a field the source may write takes
// the reported value and records the source as its owner; another keeps its
// value and is reported as held. want carries only the fields the row gave
// (given lists them).
func (r Rules) reconcileInto(cur, want CI, given []string, source string) (CI, []HeldField) {
	next := cur
	next.Attributes = make(map[string]string, len(cur.Attributes))
	for k, v := range cur.Attributes {
		next.Attributes[k] = v
	}
	next.FieldSources = make(map[string]string, len(cur.FieldSources)+len(given))
	for k, v := range cur.FieldSources {
		next.FieldSources[k] = v
	}
	var held []HeldField
	for _, f := range given {
		if owner := cur.FieldOwner(f); !r.mayWrite(f, owner, source) {
			if fieldValue(cur, f) != fieldValue(want, f) {
				held = append(held, HeldField{Field: f, HeldBy: owner})
			}
			continue
		}
		setField(&next, want, f)
		if _, explicit := cur.FieldSources[f]; explicit || source != cur.Source {
			next.FieldSources[f] = source
		}
	}
	return next, held
}

// FieldOwner is the source that set field last, "" when a person did or
// no source has. A CI's own source owns what it reported unless recorded
// otherwise: imports create CIs by the hundred thousand, and an entry per
// field of each would cost a fifth of the import rate.
func (c CI) FieldOwner(field string) string {
	if owner, ok := c.FieldSources[field]; ok {
		return owner
	}
	if !c.hasValue(field) {
		return "" // nobody set it: anyone may
	}
	return c.Source
}

// hasValue says whether a governed field holds a value.
func (c CI) hasValue(field string) bool {
	switch v := fieldValue(c, field); v {
	case "", "\x00":
		return false
	case "0":
		return field != "redundancyMinimumUp"
	}
	return true
}

// FieldOwners lists, for each field the CI has a value for, the source
// that set it, leaving out those a person set.
func (c CI) FieldOwners() map[string]string {
	out := map[string]string{}
	add := func(field string) {
		if owner := c.FieldOwner(field); owner != "" {
			out[field] = owner
		}
	}
	for _, f := range governedFields {
		if c.hasValue(f) {
			add(f)
		}
	}
	for k := range c.Attributes {
		add("attributes." + k)
	}
	return out
}

// fieldValue reads one governed field; an absent attribute reads "\x00".
func fieldValue(c CI, field string) string {
	if key, ok := strings.CutPrefix(field, "attributes."); ok {
		if v, ok := c.Attributes[key]; ok {
			return v
		}
		return "\x00"
	}
	return fmt.Sprint(reflect.ValueOf(coreField(&c, field)).Elem().Interface())
}

// setField copies one governed field from src to dst.
func setField(dst *CI, src CI, field string) {
	if key, ok := strings.CutPrefix(field, "attributes."); ok {
		if v, ok := src.Attributes[key]; ok {
			dst.Attributes[key] = v
		} else {
			delete(dst.Attributes, key)
		}
		return
	}
	reflect.ValueOf(coreField(dst, field)).Elem().Set(reflect.ValueOf(coreField(&src, field)).Elem())
}

// coreField points at the CI field a governed field name (other than an
// attribute) stands for.
func coreField(c *CI, field string) any {
	switch field {
	case "name":
		return &c.Name
	case "type":
		return &c.Type
	case "status":
		return &c.Status
	case "environment":
		return &c.Environment
	case "criticality":
		return &c.Criticality
	case "description":
		return &c.Description
	case "location":
		return &c.Location
	case "ownerGroupId":
		return &c.OwnerGroupID
	case "redundancyMinimumUp":
		return &c.MinimumUp
	}
	panic("cmdb: ungoverned field " + field)
}

// givenFields lists the fields a feed row reports, as FieldChange names
// them: name and type always, the others when set.
func (it ImportItem) givenFields() []string {
	out := []string{"name", "type"}
	opt := []struct {
		field string
		set   bool
	}{
		{"status", it.Status != nil}, {"environment", it.Environment != nil}, {"criticality", it.Criticality != nil},
		{"description", it.Description != nil}, {"location", it.Location != nil},
		{"ownerGroupId", it.OwnerGroupID != nil}, {"redundancyMinimumUp", it.MinimumUp != nil},
	}
	for _, o := range opt {
		if o.set {
			out = append(out, o.field)
		}
	}
	for _, a := range it.Attributes {
		out = append(out, "attributes."+a.Key)
	}
	return out
}

// forgetSources takes the fields changes touch out of the feeds' hands: a
// person's edit is nobody's feed value, so the next feed of any source may
// set the field again.
func forgetSources(c *CI, changes []FieldChange) {
	if len(c.FieldSources) == 0 && c.Source == "" {
		return
	}
	kept := make(map[string]string, len(c.FieldSources)+len(changes))
	for k, v := range c.FieldSources {
		kept[k] = v
	}
	for _, ch := range changes {
		if slices.Contains(governedFields, ch.Field) || strings.HasPrefix(ch.Field, "attributes.") {
			kept[ch.Field] = ""
		}
	}
	c.FieldSources = kept
}

// reportedBy returns the external id source reports the CI by, if it does.
func (c CI) reportedBy(source string) (string, bool) {
	if c.Source == source && c.ExternalID != "" {
		return c.ExternalID, true
	}
	for _, k := range c.Identities {
		if k.Source == source {
			return k.ExternalID, true
		}
	}
	return "", false
}

// ReconciliationRules returns the rules imports apply.
func (s *Service) ReconciliationRules(ctx context.Context) (Rules, error) {
	return s.store.ReconciliationRules(ctx)
}

// SetReconciliationRules replaces the rules; they apply from the next
// import on, and change no CI by themselves.
func (s *Service) SetReconciliationRules(ctx context.Context, caller auth.Principal, r Rules) (Rules, error) {
	if err := r.Validate(); err != nil {
		return Rules{}, err
	}
	r.UpdatedAt, r.UpdatedBy = s.now().UTC(), caller.Subject
	if err := s.store.SetReconciliationRules(ctx, r); err != nil {
		return Rules{}, err
	}
	return r, nil
}
