package cmdb

import "slices"

// ImpactDirection says how a failure or change crosses (source)-[:T]->(target).
type ImpactDirection string

// The impact directions.
const (
	// TargetImpactsSource: the source needs the target (DEPENDS_ON).
	TargetImpactsSource ImpactDirection = "TARGET_IMPACTS_SOURCE"
	// SourceImpactsTarget: the target suffers when the source fails (PART_OF).
	SourceImpactsTarget ImpactDirection = "SOURCE_IMPACTS_TARGET"
	// BothWays: either end impacts the other.
	BothWays ImpactDirection = "BOTH"
	// NoImpact: impact does not cross the relationship.
	NoImpact ImpactDirection = "NONE"
)

// RelType is one entry of the relationship type catalogue. Its Name is used
// verbatim as a Neo4j relationship type, so this catalogue is also the
// allowlist that keeps user input out of Cypher text.
type RelType struct {
	Name        string
	Description string
	Impact      ImpactDirection
}

// MemberOf is the relationship from a member to its redundancy group.
const MemberOf = "MEMBER_OF"

// RelationshipTypes returns the catalogue, sorted by name.
func RelationshipTypes() []RelType {
	return []RelType{
		{"BACKED_UP_BY", "The source's data is backed up by the target.", NoImpact},
		{"CONNECTS_TO", "The source has a network link to the target; losing either end cuts the link.", BothWays},
		{"DEPENDS_ON", "The source needs the target to work.", TargetImpactsSource},
		{"DOCUMENTED_BY", "The target documents the source.", NoImpact},
		{"HOSTED_ON", "The source is hosted on the target (a VM on a hypervisor, a site on a web server).", TargetImpactsSource},
		{"INSTALLED_ON", "The source software is installed on the target.", TargetImpactsSource},
		{MemberOf, "The source is one redundant member of the target cluster or pool.", SourceImpactsTarget},
		{"PART_OF", "The source is a component of the target; the whole suffers when a part fails.", SourceImpactsTarget},
		{"REPLICATES_TO", "The source replicates its data to the target.", NoImpact},
		{"RUNS_ON", "The source runs on the target (a container on a node, an application on a server).", TargetImpactsSource},
		{"STORES_DATA_ON", "The source keeps its data on the target storage.", TargetImpactsSource},
		{"USES", "The source uses the target (for example a shared service).", TargetImpactsSource},
	}
}

// LookupRelType returns the catalogue entry named name.
func LookupRelType(name string) (RelType, bool) {
	types := RelationshipTypes()
	i := slices.IndexFunc(types, func(t RelType) bool { return t.Name == name })
	if i < 0 {
		return RelType{}, false
	}
	return types[i], true
}

// RelTypeNames returns the names of the catalogue, sorted.
func RelTypeNames() []string {
	var names []string
	for _, t := range RelationshipTypes() {
		names = append(names, t.Name)
	}
	return names
}
