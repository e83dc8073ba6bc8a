package change

import (
	"context"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/validate"
)

// CreateTemplateInput is a standard change template to create.
type CreateTemplateInput struct {
	Name               string
	Description        string
	ImplementationPlan string
	BackoutPlan        string
	TestPlan           string
}

// CreateTemplate records a pre-authorised standard change template.
func (s *Service) CreateTemplate(ctx context.Context, caller auth.Principal, in CreateTemplateInput) (Template, error) {
	t := Template{ID: s.newID(TemplatePrefix), Name: in.Name, Description: in.Description, ImplementationPlan: in.ImplementationPlan,
		BackoutPlan: in.BackoutPlan, TestPlan: in.TestPlan, CreatedBy: caller.Subject, CreatedAt: s.now().UTC()}
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
	return s.store.CreateTemplate(ctx, t)
}

// Templates returns the templates with these ids that exist.
func (s *Service) Templates(ctx context.Context, ids []string) (map[string]Template, error) {
	return s.store.Templates(ctx, ids)
}

// ListTemplates returns every template by name.
func (s *Service) ListTemplates(ctx context.Context) ([]Template, error) {
	return s.store.ListTemplates(ctx)
}
