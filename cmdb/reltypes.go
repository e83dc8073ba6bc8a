package cmdb

import "sync"

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

// Forward reports whether a failure of the source impacts the target.
func (d ImpactDirection) Forward() bool { return d == SourceImpactsTarget || d == BothWays }

// Reverse reports whether a failure of the target impacts the source.
func (d ImpactDirection) Reverse() bool { return d == TargetImpactsSource || d == BothWays }

// RelType is one entry of the relationship type catalogue. Its Name is used
// verbatim as a Neo4j relationship type, so this catalogue is also the
// allowlist that keeps user input out of Cypher text.
type RelType struct {
	Name        string
	Description string
	Impact      ImpactDirection
	// CatalogOnly types link catalogue items (services, business units and
	// processes) and are refused between two CIs.
	CatalogOnly bool
}

// MemberOf is the relationship from a member to its redundancy group.
const MemberOf = "MEMBER_OF"

// RelationshipTypes returns the catalogue, sorted by name.
func RelationshipTypes() []RelType {
	return []RelType{
		{"BACKED_UP_BY", "The source's data is backed up by the target.", NoImpact, false},
		{"CONNECTS_TO", "The source reaches the network through the target (a server on a switch, a switch on a router).", TargetImpactsSource, false},
		{"CONSUMES", "The source business unit consumes the target business service.", TargetImpactsSource, true},
		{"DEPENDS_ON", "The source needs the target to work.", TargetImpactsSource, false},
		{"DOCUMENTED_BY", "The target documents the source.", NoImpact, false},
		{"HOSTED_ON", "The source is hosted on the target (a VM on a hypervisor, a site on a web server).", TargetImpactsSource, false},
		{"INSTALLED_ON", "The source software is installed on the target.", TargetImpactsSource, false},
		{"INTERDEPENDS_WITH", "The two ends need each other (for example a primary and its witness); a failure of either impacts the other.", BothWays, false},
		{MemberOf, "The source is one redundant member of the target cluster or pool.", SourceImpactsTarget, false},
		{"PART_OF", "The source is a component of the target; the whole suffers when a part fails.", SourceImpactsTarget, false},
		{"REPLICATES_TO", "The source replicates its data to the target.", NoImpact, false},
		{"RUNS_ON", "The source runs on the target (a container on a node, an application on a server).", TargetImpactsSource, false},
		{"STORES_DATA_ON", "The source keeps its data on the target storage.", TargetImpactsSource, false},
		{"SUPPORTS", "The source business service supports the target business process.", SourceImpactsTarget, true},
		{"USES", "The source uses the target (for example a shared service).", TargetImpactsSource, false},
	}
}

// relTypeIndex is built once: lookups sit on hot paths (every edge of an
// impact answer), and the catalogue never changes while the process runs.
var relTypeIndex = sync.OnceValue(func() map[string]RelType {
	m := map[string]RelType{}
	for _, t := range RelationshipTypes() {
		m[t.Name] = t
	}
	return m
})

// LookupRelType returns the catalogue entry named name.
func LookupRelType(name string) (RelType, bool) {
	t, ok := relTypeIndex()[name]
	return t, ok
}

// RelTypeNames returns the names of the catalogue, sorted.
func RelTypeNames() []string {
	var names []string
	for _, t := range RelationshipTypes() {
		names = append(names, t.Name)
	}
	return names
}

// CIRelTypeNames returns the names of the types allowed between two CIs.
func CIRelTypeNames() []string {
	var names []string
	for _, t := range RelationshipTypes() {
		if !t.CatalogOnly {
			names = append(names, t.Name)
		}
	}
	return names
}
