// Package feed reads and writes discovery feeds as JSON Lines, the format of
// the import command: one object per line, either a CI
//
//	{"externalId":"vm-17","name":"web-17","type":"VIRTUAL_MACHINE","attributes":{"os":"linux"}}
//
// or a relationship between two CIs of the same feed
//
//	{"sourceExternalId":"vm-17","type":"HOSTED_ON","targetExternalId":"esx-3"}
//
// whose ends may also be CIs of another source ("targetExternalSource":
// "hardware") or CIs named by id ("targetId").
//
// Optional CI fields: status, environment, criticality, description,
// location, redundancyMinimumUp, ownerGroupId. An attribute given as null is removed. A
// line with a field the format does not know ("enviroment") is refused,
// naming it, so that a typo never falls back to a default silently.
package feed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/itsm-graph/itsm/cmdb"
)

type line struct {
	ExternalID           string             `json:"externalId,omitempty"`
	Name                 string             `json:"name,omitempty"`
	Type                 string             `json:"type"`
	Status               *string            `json:"status,omitempty"`
	Environment          *string            `json:"environment,omitempty"`
	Criticality          *string            `json:"criticality,omitempty"`
	Description          *string            `json:"description,omitempty"`
	Location             *string            `json:"location,omitempty"`
	Attributes           map[string]*string `json:"attributes,omitempty"`
	RedundancyMinimumUp  *int               `json:"redundancyMinimumUp,omitempty"`
	OwnerGroupID         *string            `json:"ownerGroupId,omitempty"`
	SourceExternalID     string             `json:"sourceExternalId,omitempty"`
	SourceExternalSource string             `json:"sourceExternalSource,omitempty"`
	SourceID             string             `json:"sourceId,omitempty"`
	TargetExternalID     string             `json:"targetExternalId,omitempty"`
	TargetExternalSource string             `json:"targetExternalSource,omitempty"`
	TargetID             string             `json:"targetId,omitempty"`
}

// maxLine bounds one line, so that a corrupt file cannot exhaust memory.
const maxLine = 1 << 20

// Feed is a parsed feed, each row with the file line it came from, so that
// refusals name the line a person can open.
type Feed struct {
	Items             []cmdb.ImportItem
	Relationships     []cmdb.ImportRelationship
	ItemLines         []int
	RelationshipLines []int
	// Refused are lines that are neither: a field the format does not
	// know. The other lines still import.
	Refused []Refusal
}

// Refusal is a refused line.
type Refusal struct {
	Line    int
	Message string
}

// Line returns the file line of a row the import refused.
func (f Feed) Line(e cmdb.ImportError) int {
	lines := f.ItemLines
	if e.Kind == "RELATIONSHIP" {
		lines = f.RelationshipLines
	}
	if e.Row < 1 || e.Row > len(lines) {
		return 0
	}
	return lines[e.Row-1]
}

// Read parses a feed. A line that is not JSON at all fails the whole read
// with its line number (the file is damaged); a line with an unknown field
// is refused alone; rule checks are left to the import, which reports bad
// rows without stopping.
func Read(r io.Reader) (Feed, error) {
	var f Feed
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Bytes()
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var l line
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			if !json.Valid(raw) {
				return Feed{}, fmt.Errorf("line %d: %w", n, err)
			}
			f.Refused = append(f.Refused, Refusal{Line: n, Message: err.Error() + "; see the feed format in README"})
			continue
		}
		if l.SourceExternalID != "" || l.TargetExternalID != "" || l.SourceID != "" || l.TargetID != "" {
			f.Relationships = append(f.Relationships, cmdb.ImportRelationship{Type: l.Type,
				SourceExternalID: l.SourceExternalID, SourceExternalSource: l.SourceExternalSource, SourceID: l.SourceID,
				TargetExternalID: l.TargetExternalID, TargetExternalSource: l.TargetExternalSource, TargetID: l.TargetID})
			f.RelationshipLines = append(f.RelationshipLines, n)
			continue
		}
		it := cmdb.ImportItem{
			ExternalID: l.ExternalID, Name: l.Name, Type: cmdb.Type(l.Type),
			Status: cast[cmdb.Status](l.Status), Environment: cast[cmdb.Environment](l.Environment),
			Criticality: cast[cmdb.Criticality](l.Criticality), Description: l.Description, Location: l.Location,
			MinimumUp: l.RedundancyMinimumUp, OwnerGroupID: l.OwnerGroupID,
		}
		for _, k := range slices.Sorted(maps.Keys(l.Attributes)) {
			it.Attributes = append(it.Attributes, cmdb.AttributeInput{Key: k, Value: l.Attributes[k]})
		}
		f.Items = append(f.Items, it)
		f.ItemLines = append(f.ItemLines, n)
	}
	if err := sc.Err(); err != nil {
		return Feed{}, fmt.Errorf("reading the feed: %w", err)
	}
	return f, nil
}

// Write writes items, then relationships, one per line.
func Write(w io.Writer, items []cmdb.ImportItem, rels []cmdb.ImportRelationship) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, it := range items {
		l := line{ExternalID: it.ExternalID, Name: it.Name, Type: string(it.Type),
			Status: uncast(it.Status), Environment: uncast(it.Environment), Criticality: uncast(it.Criticality),
			Description: it.Description, Location: it.Location, RedundancyMinimumUp: it.MinimumUp, OwnerGroupID: it.OwnerGroupID}
		if len(it.Attributes) > 0 {
			l.Attributes = map[string]*string{}
			for _, a := range it.Attributes {
				l.Attributes[a.Key] = a.Value
			}
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	for _, r := range rels {
		if err := enc.Encode(line{Type: r.Type,
			SourceExternalID: r.SourceExternalID, SourceExternalSource: r.SourceExternalSource, SourceID: r.SourceID,
			TargetExternalID: r.TargetExternalID, TargetExternalSource: r.TargetExternalSource, TargetID: r.TargetID}); err != nil {
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
