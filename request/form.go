package request

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/validate"
)

// Limits on catalogue and order input.
const (
	MaxNameLen     = 200
	MaxTextLen     = 10_000
	MaxKeyLen      = 64
	MaxFields      = 50
	MaxOptions     = 100
	MaxPatternLen  = 200
	MaxAnswerLen   = 4_000
	MaxStages      = 10
	MaxTasks       = 20
	MaxOfferedTo   = 50
	MaxIDLen       = 200
	MaxIdemKeyLen  = 200
	MaxQuantity    = 100
	MaxPrice       = 1_000_000_000
	MaxCurrencyLen = 3
	MaxReasonLen   = 2_000
	MaxNoteLen     = 10_000
)

// ValidateItem checks an item's definition: every field is named in the
// error's path (form[2].pattern, plan[0].groupId, …).
func ValidateItem(it Item) error {
	for _, err := range []error{
		validate.Text("name", it.Name, true, MaxNameLen),
		validate.Text("description", it.Description, false, MaxTextLen),
		validate.Text("category", it.Category, false, MaxNameLen),
		validate.Text("serviceId", it.ServiceID, true, MaxIDLen),
		checkCurrency(it.Currency),
		validate.IDs("offeredToGroupIds", it.OfferedTo, MaxOfferedTo, MaxIDLen),
	} {
		if err != nil {
			return err
		}
	}
	if it.Price < 0 || it.Price > MaxPrice || math.IsNaN(it.Price) {
		return apperr.Invalid("price", "must be between 0 and %d", MaxPrice)
	}
	if it.Target <= 0 {
		return apperr.Invalid("fulfilmentTargetHours", "must be at least 1")
	}
	if err := checkForm(it.Form); err != nil {
		return err
	}
	if err := checkPolicy(it.Policy); err != nil {
		return err
	}
	return checkPlan(it.Plan)
}

func checkCurrency(c string) error {
	if len(c) != MaxCurrencyLen || strings.ToUpper(c) != c || strings.ContainsFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return apperr.Invalid("currency", "must be a three-letter ISO 4217 code such as EUR (got %q)", c)
	}
	return nil
}

func checkForm(form []Field) error {
	if len(form) > MaxFields {
		return apperr.Invalid("form", "has %d fields; the limit is %d", len(form), MaxFields)
	}
	seen := map[string]bool{}
	for i, f := range form {
		at := fmt.Sprintf("form[%d]", i)
		for _, err := range []error{
			validate.Text(at+".key", f.Key, true, MaxKeyLen),
			validate.Text(at+".label", f.Label, true, MaxNameLen),
			validate.Enum(at+".type", f.Type, FieldTypes()),
			validate.Text(at+".pattern", f.Pattern, false, MaxPatternLen),
			validate.Text(at+".help", f.Help, false, MaxTextLen),
		} {
			if err != nil {
				return err
			}
		}
		if seen[f.Key] {
			return apperr.Invalid(at+".key", "%q is used by another field; keys must be unique", f.Key)
		}
		seen[f.Key] = true
		if f.Pattern != "" {
			if f.Type != Text {
				return apperr.Invalid(at+".pattern", "applies to TEXT fields only")
			}
			if _, err := regexp.Compile(f.Pattern); err != nil {
				return apperr.Invalid(at+".pattern", "is not a valid Go regular expression: %v", err)
			}
		}
		choice := f.Type == Choice || f.Type == MultiChoice
		if choice != (len(f.Options) > 0) {
			return apperr.Invalid(at+".options", "CHOICE and MULTI_CHOICE fields need options, and only they take them")
		}
		if len(f.Options) > MaxOptions {
			return apperr.Invalid(at+".options", "lists %d options; the limit is %d", len(f.Options), MaxOptions)
		}
		for _, o := range f.Options {
			if err := validate.Text(at+".options", o, true, MaxNameLen); err != nil {
				return err
			}
		}
		if (f.Min != nil || f.Max != nil) && f.Type != Number && f.Type != Text {
			return apperr.Invalid(at+".min", "min and max apply to NUMBER (value) and TEXT (length) fields only")
		}
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			return apperr.Invalid(at+".max", "is below min")
		}
	}
	return nil
}

func checkRule(at string, r Rule, percent int) error {
	if err := validate.Enum(at+".rule", r, Rules()); err != nil {
		return err
	}
	if r == Share && (percent < 1 || percent > 100) {
		return apperr.Invalid(at+".percent", "a SHARE rule needs a percent between 1 and 100")
	}
	return nil
}

func checkPolicy(p ApprovalPolicy) error {
	if p.FinanceThreshold != nil {
		if *p.FinanceThreshold < 0 {
			return apperr.Invalid("approvalPolicy.financeThreshold", "must not be negative")
		}
		if err := validate.Text("approvalPolicy.financeGroupId", p.FinanceGroupID, true, MaxIDLen); err != nil {
			return err
		}
		if err := checkRule("approvalPolicy.finance", p.FinanceRule, 100); err != nil {
			return err
		}
	}
	if len(p.Stages) > MaxStages {
		return apperr.Invalid("approvalPolicy.stages", "lists %d stages; the limit is %d", len(p.Stages), MaxStages)
	}
	for i, s := range p.Stages {
		at := fmt.Sprintf("approvalPolicy.stages[%d]", i)
		if err := validate.Enum(at+".approver", s.Approver, ApproverKinds()); err != nil {
			return err
		}
		if err := checkRule(at, s.Rule, s.Percent); err != nil {
			return err
		}
		if (s.Approver == NamedGroup) != (s.GroupID != "") {
			return apperr.Invalid(at+".groupId", "a GROUP stage needs a groupId, and only it takes one")
		}
		if s.Timeout < 0 {
			return apperr.Invalid(at+".timeoutHours", "must not be negative")
		}
	}
	return nil
}

func checkPlan(plan []PlanTask) error {
	if len(plan) > MaxTasks {
		return apperr.Invalid("plan", "lists %d tasks; the limit is %d", len(plan), MaxTasks)
	}
	for i, t := range plan {
		at := fmt.Sprintf("plan[%d]", i)
		if err := validate.Text(at+".name", t.Name, true, MaxNameLen); err != nil {
			return err
		}
		if err := validate.Text(at+".groupId", t.GroupID, true, MaxIDLen); err != nil {
			return err
		}
		if t.Step < 1 || t.Step > MaxTasks {
			return apperr.Invalid(at+".step", "must be between 1 and %d", MaxTasks)
		}
	}
	return nil
}

// Refs are the ids an answer refers to that the store checks exist: the
// CIs and users named by reference fields, by field key.
type Refs struct {
	CIs   map[string]string
	Users map[string]string
}

// CheckAnswers validates answers against form: one BAD_USER_INPUT naming
// every wrong field (missing, unknown, of the wrong type, out of range,
// not matching the pattern, not an option). It returns the answers in
// form order, without empty ones, and the references to check.
func CheckAnswers(form []Field, answers []Answer) ([]Answer, Refs, error) {
	refs := Refs{CIs: map[string]string{}, Users: map[string]string{}}
	byKey := map[string]Answer{}
	var wrong []string
	for _, a := range answers {
		if _, dup := byKey[a.Key]; dup {
			wrong = append(wrong, fmt.Sprintf("%s: is answered twice", a.Key))
			continue
		}
		byKey[a.Key] = a
		if !slices.ContainsFunc(form, func(f Field) bool { return f.Key == a.Key }) {
			wrong = append(wrong, fmt.Sprintf("%s: is not a field of this item's form", truncated(a.Key)))
		}
	}
	var out []Answer
	for _, f := range form {
		a := byKey[f.Key]
		vals := slices.DeleteFunc(slices.Clone(a.Values), func(v string) bool { return strings.TrimSpace(v) == "" })
		if len(vals) == 0 {
			if f.Required {
				wrong = append(wrong, fmt.Sprintf("%s: is required", f.Key))
			}
			continue
		}
		if msg := checkValues(f, vals); msg != "" {
			wrong = append(wrong, f.Key+": "+msg)
			continue
		}
		switch f.Type {
		case CIRef:
			refs.CIs[f.Key] = vals[0]
		case UserRef:
			refs.Users[f.Key] = vals[0]
		}
		out = append(out, Answer{Key: f.Key, Values: vals})
	}
	if len(wrong) > 0 {
		e := apperr.New(apperr.BadUserInput, "answers: %d field(s) need fixing: %s", len(wrong), strings.Join(wrong, "; "))
		e.Field = "answers"
		return nil, Refs{}, e
	}
	return out, refs, nil
}

func truncated(s string) string {
	if utf8.RuneCountInString(s) > MaxKeyLen {
		return string([]rune(s)[:MaxKeyLen]) + "…"
	}
	return s
}

// checkValues returns what is wrong with the values of one answer, or "".
func checkValues(f Field, vals []string) string {
	if f.Type != MultiChoice && len(vals) > 1 {
		return "takes one value"
	}
	if len(vals) > MaxOptions {
		return "has too many values"
	}
	for _, v := range vals {
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxAnswerLen {
			return fmt.Sprintf("is longer than %d characters or not UTF-8", MaxAnswerLen)
		}
	}
	v := vals[0]
	switch f.Type {
	case Text:
		n := float64(utf8.RuneCountInString(v))
		if f.Min != nil && n < *f.Min || f.Max != nil && n > *f.Max {
			return fmt.Sprintf("must be %s characters long", bounds(f))
		}
		// Patterns compile when an item is saved; Go's regexp runs in
		// linear time, so an answer cannot make it backtrack.
		if f.Pattern != "" && !regexp.MustCompile(`^(?:`+f.Pattern+`)$`).MatchString(v) {
			return fmt.Sprintf("does not match the pattern %s", f.Pattern)
		}
	case Number:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprintf("%q is not a number", truncated(v))
		}
		if f.Min != nil && x < *f.Min || f.Max != nil && x > *f.Max {
			return fmt.Sprintf("must be %s", bounds(f))
		}
	case Date:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return fmt.Sprintf("%q is not a date (YYYY-MM-DD)", truncated(v))
		}
	case Boolean:
		if v != "true" && v != "false" {
			return "must be true or false"
		}
	case Choice, MultiChoice:
		for _, x := range vals {
			if !slices.Contains(f.Options, x) {
				return fmt.Sprintf("%q is not one of %v", truncated(x), f.Options)
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(vals)))) != len(vals) {
			return "names an option twice"
		}
	case CIRef, UserRef:
		if utf8.RuneCountInString(v) > MaxIDLen {
			return "is not an id"
		}
	}
	return ""
}

func bounds(f Field) string {
	switch {
	case f.Min != nil && f.Max != nil:
		return fmt.Sprintf("between %g and %g", *f.Min, *f.Max)
	case f.Min != nil:
		return fmt.Sprintf("at least %g", *f.Min)
	default:
		return fmt.Sprintf("at most %g", *f.Max)
	}
}
