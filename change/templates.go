package change

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/validate"
)

// CreateTemplateInput is a standard change template to create.
type CreateTemplateInput struct {
	Name               string
	Description        string
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
	CITypes            []cmdb.Type
	ServiceIDs         []string
	// MaxRisk defaults to LOW.
	MaxRisk Level
}

// MaxTemplateServices bounds a template's services.
const MaxTemplateServices = 100

// CreateTemplate records a pre-authorised standard change template.
func (s *Service) CreateTemplate(ctx context.Context, caller auth.Principal, in CreateTemplateInput) (Template, error) {
	t := Template{ID: s.newID(TemplatePrefix), Name: in.Name, Description: in.Description, ImplementationPlan: in.ImplementationPlan,
		BackoutPlan: in.BackoutPlan, TestPlan: in.TestPlan, CITypes: slices.Compact(slices.Sorted(slices.Values(in.CITypes))),
		ServiceIDs: dedupe(in.ServiceIDs), MaxRisk: cmp.Or(in.MaxRisk, Low), CreatedBy: caller.Subject, CreatedAt: s.now().UTC()}
	for _, f := range []struct {
		name, v  string
		required bool
		max      int
	}{{"name", t.Name, true, MaxTitleLen}, {"description", t.Description, false, MaxTextLen},
		{"implementationPlan", t.ImplementationPlan, true, MaxTextLen}, {"backoutPlan", t.BackoutPlan, true, MaxTextLen},
		{"testPlan", t.TestPlan, false, MaxTextLen}} {
		if err := validate.Text(f.name, f.v, f.required, f.max); err != nil {
			return Template{}, err
		}
	}
	if len(t.CITypes) == 0 && len(t.ServiceIDs) == 0 {
		return Template{}, apperr.Invalid("configurationItemTypes", "a template needs a scope: the CI types or services (serviceIds) its changes may target")
	}
	for _, typ := range t.CITypes {
		if err := validate.Enum("configurationItemTypes", typ, cmdb.Types()); err != nil {
			return Template{}, err
		}
	}
	if len(t.ServiceIDs) > MaxTemplateServices {
		return Template{}, apperr.Invalid("serviceIds", "a template names at most %d services (got %d)", MaxTemplateServices, len(t.ServiceIDs))
	}
	if err := validate.Enum("maxRiskLevel", t.MaxRisk, Levels()); err != nil {
		return Template{}, err
	}
	return s.store.CreateTemplate(ctx, t)
}

// inTemplateScope checks a STANDARD change's targets against its template.
func (s *Service) inTemplateScope(ctx context.Context, c Change) error {
	t, err := s.template(ctx, c.TemplateID)
	if err != nil {
		return err
	}
	return s.checkScope(ctx, t, c.TargetIDs)
}

// template returns one template; NOT_FOUND names templateId.
func (s *Service) template(ctx context.Context, id string) (Template, error) {
	ts, err := s.store.Templates(ctx, []string{id})
	if err != nil {
		return Template{}, err
	}
	t, ok := ts[id]
	if !ok {
		return Template{}, apperr.New(apperr.NotFound, "templateId: no standard change template has id %q", id)
	}
	return t, nil
}

// withinCeiling checks a STANDARD change's assessment against its
// template's risk ceiling. Above it the change is not pre-authorised: it
// is handled as a NORMAL one, re-assessed as such (its approvals are a
// normal change's), and the returned note says why.
func (s *Service) withinCeiling(ctx context.Context, c Change, a *Assessment) (*Assessment, string, error) {
	t, err := s.template(ctx, c.TemplateID)
	if err != nil || t.Allows(a.Risk.Level) {
		return a, "", err
	}
	n := c
	n.Type = Normal
	na, err := s.assess(ctx, n)
	if err != nil {
		return nil, "", err
	}
	return na, fmt.Sprintf("risk %s is above the %s ceiling of template %q: handled as a NORMAL change", a.Risk.Level, cmp.Or(t.MaxRisk, Low), t.Name), nil
}

// checkScope refuses a STANDARD change whose targets fall outside its
// template's scope, naming the first one.
func (s *Service) checkScope(ctx context.Context, t Template, targets []string) error {
	types, err := s.store.CITypes(ctx, targets)
	if err != nil {
		return err
	}
	if out := t.Outside(targets, types); len(out) > 0 {
		what := "service " + out[0]
		if typ, ok := types[out[0]]; ok {
			what = fmt.Sprintf("%s (a %s)", out[0], typ)
		}
		return apperr.Invalid("targetIds", "%s is outside the scope of template %q (CI types %v, services %v); raise a NORMAL change for it",
			what, t.Name, t.CITypes, t.ServiceIDs)
	}
	return nil
}

// Templates returns the templates with these ids that exist.
func (s *Service) Templates(ctx context.Context, ids []string) (map[string]Template, error) {
	return s.store.Templates(ctx, ids)
}

// ListTemplates returns every template by name.
func (s *Service) ListTemplates(ctx context.Context) ([]Template, error) {
	return s.store.ListTemplates(ctx)
}
