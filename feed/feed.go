// Package feed reads and writes discovery feeds as JSON Lines, the format of
// the import command: one object per line, either a CI
//
//	{"externalId":"vm-17","name":"web-17","type":"VIRTUAL_MACHINE","attributes":{"os":"linux"}}
//
// or a relationship between two CIs of the same feed
//
//	{"sourceExternalId":"vm-17","type":"HOSTED_ON","targetExternalId":"esx-3"}
//
// Optional CI fields: status, environment, criticality, description,
// location, redundancyMinimumUp.
package feed

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/itsm-graph/itsm/cmdb"
)

type line struct {
	ExternalID          string            `json:"externalId,omitempty"`
	Name                string            `json:"name,omitempty"`
	Type                string            `json:"type"`
	Status              *string           `json:"status,omitempty"`
	Environment         *string           `json:"environment,omitempty"`
	Criticality         *string           `json:"criticality,omitempty"`
	Description         *string           `json:"description,omitempty"`
	Location            *string           `json:"location,omitempty"`
	Attributes          map[string]string `json:"attributes,omitempty"`
	RedundancyMinimumUp *int              `json:"redundancyMinimumUp,omitempty"`
	SourceExternalID    string            `json:"sourceExternalId,omitempty"`
	TargetExternalID    string            `json:"targetExternalId,omitempty"`
}

// maxLine bounds one line, so that a corrupt file cannot exhaust memory.
const maxLine = 1 << 20

// Read parses a feed. A line that is not valid JSON fails the whole read
// with its line number; rule checks are left to the import, which reports
// bad rows without stopping.
func Read(r io.Reader) ([]cmdb.ImportItem, []cmdb.ImportRelationship, error) {
	var items []cmdb.ImportItem
	var rels []cmdb.ImportRelationship
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		var l line
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		if l.SourceExternalID != "" || l.TargetExternalID != "" {
			rels = append(rels, cmdb.ImportRelationship{SourceExternalID: l.SourceExternalID, Type: l.Type, TargetExternalID: l.TargetExternalID})
			continue
		}
		it := cmdb.ImportItem{
			ExternalID: l.ExternalID, Name: l.Name, Type: cmdb.Type(l.Type),
			Status: cast[cmdb.Status](l.Status), Environment: cast[cmdb.Environment](l.Environment),
			Criticality: cast[cmdb.Criticality](l.Criticality), Description: l.Description, Location: l.Location,
			MinimumUp: l.RedundancyMinimumUp,
		}
		for _, k := range slices.Sorted(maps.Keys(l.Attributes)) {
			v := l.Attributes[k]
			it.Attributes = append(it.Attributes, cmdb.AttributeInput{Key: k, Value: &v})
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading the feed: %w", err)
	}
	return items, rels, nil
}

// Write writes items, then relationships, one per line.
func Write(w io.Writer, items []cmdb.ImportItem, rels []cmdb.ImportRelationship) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, it := range items {
		l := line{ExternalID: it.ExternalID, Name: it.Name, Type: string(it.Type),
			Status: uncast(it.Status), Environment: uncast(it.Environment), Criticality: uncast(it.Criticality),
			Description: it.Description, Location: it.Location, RedundancyMinimumUp: it.MinimumUp}
		if len(it.Attributes) > 0 {
			l.Attributes = map[string]string{}
			for _, a := range it.Attributes {
				if a.Value != nil {
					l.Attributes[a.Key] = *a.Value
				}
			}
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	for _, r := range rels {
		if err := enc.Encode(line{SourceExternalID: r.SourceExternalID, Type: r.Type, TargetExternalID: r.TargetExternalID}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func cast[T ~string](p *string) *T {
	if p == nil {
		return nil
	}
	v := T(*p)
	return &v
}

func uncast[T ~string](p *T) *string {
	if p == nil {
		return nil
	}
	v := string(*p)
	return &v
}
