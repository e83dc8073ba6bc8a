package resolvers

import (
	"maps"
	"slices"

	"github.com/itsm-graph/itsm/baseline"
	"github.com/itsm-graph/itsm/graph/model"
)

func baselineModel(b baseline.Baseline) *model.Baseline {
	return &model.Baseline{ID: b.ID, Name: b.Name, Description: optional(b.Description), RootID: b.RootID, RootName: b.RootName,
		Scope: model.BaselineScope(b.Scope), Depth: b.Depth, CreatedAt: b.CreatedAt, CreatedBy: b.CreatedBy,
		Items: mapSlice(b.Snapshot.Items, baselineItemModel), Relationships: mapSlice(b.Snapshot.Relationships, baselineRelModel), Domain: b}
}

func baselineItemModel(it baseline.Item) *model.BaselineItem {
	m := &model.BaselineItem{ID: it.ID, Kind: model.ItemKind(it.Kind), Name: it.Name, Fields: make([]*model.BaselineField, 0, len(it.Fields))}
	for _, f := range slices.Sorted(maps.Keys(it.Fields)) {
		m.Fields = append(m.Fields, &model.BaselineField{Field: f, Value: it.Fields[f]})
	}
	return m
}

func baselineRelModel(r baseline.Relationship) *model.BaselineRelationship {
	return &model.BaselineRelationship{SourceID: r.SourceID, SourceName: r.SourceName, Type: r.Type, TargetID: r.TargetID, TargetName: r.TargetName}
}

func driftModel(d baseline.Drift) *model.BaselineDrift {
	return &model.BaselineDrift{Drifted: d.Drifted(), ComparedAt: d.ComparedAt,
		Added: mapSlice(d.Added, baselineItemModel), Removed: mapSlice(d.Removed, baselineItemModel),
		Changed: mapSlice(d.Changed, func(c baseline.ItemDrift) *model.BaselineItemDrift {
			return &model.BaselineItemDrift{Item: baselineItemModel(c.Item), Changes: mapSlice(c.Changes, func(f baseline.FieldDrift) *model.BaselineFieldDrift {
				return &model.BaselineFieldDrift{Field: f.Field, Baseline: f.Baseline, Current: f.Current}
			})}
		}),
		RelationshipsAdded: mapSlice(d.RelationshipsAdded, baselineRelModel), RelationshipsRemoved: mapSlice(d.RelationshipsRemoved, baselineRelModel)}
}
