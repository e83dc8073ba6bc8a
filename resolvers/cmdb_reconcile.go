package resolvers

import (
	"maps"
	"slices"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/graph/model"
)

func rulesModel(r cmdb.Rules) *model.ReconciliationRules {
	m := &model.ReconciliationRules{
		IdentifyingAttributes: slices.Clone(cmdb.IdentifyingAttributes),
		Precedence: mapSlice(r.Precedence, func(p cmdb.Precedence) *model.FieldPrecedence {
			return &model.FieldPrecedence{Field: p.Field, Sources: p.Sources}
		}),
		UpdatedBy: optional(r.UpdatedBy),
	}
	if !r.UpdatedAt.IsZero() {
		m.UpdatedAt = &r.UpdatedAt
	}
	return m
}

// reconcileFields fills the fields of a CI that say which sources report
// it and set it.
func reconcileFields(m *model.ConfigurationItem, c cmdb.CI) {
	m.Identities = mapSlice(c.Identities, func(k cmdb.SourceKey) *model.SourceIdentity {
		return &model.SourceIdentity{Source: k.Source, ExternalID: k.ExternalID}
	})
	owners := c.FieldOwners()
	m.FieldSources = make([]*model.FieldSource, 0, len(owners))
	for _, f := range slices.Sorted(maps.Keys(owners)) {
		m.FieldSources = append(m.FieldSources, &model.FieldSource{Field: f, Source: owners[f]})
	}
}

func heldModel(h cmdb.HeldField) *model.ImportHeldField {
	return &model.ImportHeldField{Row: h.Row, Field: h.Field, HeldBy: h.HeldBy}
}
