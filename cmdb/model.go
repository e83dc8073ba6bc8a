// Package cmdb holds the configuration management rules of SPEC §2.4: what a
// configuration item is, which values are valid, how its lifecycle moves, the
// relationship type catalogue, and how every modification is recorded. It
// declares the Store it needs; package neo4j implements it.
package cmdb

import (
	"time"
)

// Type is the class of a configuration item.
type Type string

// The CI classes.
const (
	TypeServer         Type = "SERVER"
	TypeVirtualMachine Type = "VIRTUAL_MACHINE"
	TypeContainer      Type = "CONTAINER"
	TypeApplication    Type = "APPLICATION"
	TypeDatabase       Type = "DATABASE"
	TypeMiddleware     Type = "MIDDLEWARE"
	TypeNetworkDevice  Type = "NETWORK_DEVICE"
	TypeLoadBalancer   Type = "LOAD_BALANCER"
	TypeCluster        Type = "CLUSTER"
	TypeStorage        Type = "STORAGE"
	TypeCloudResource  Type = "CLOUD_RESOURCE"
	TypeDocument       Type = "DOCUMENT"
)

// Types lists every CI class.
func Types() []Type {
	return []Type{TypeServer, TypeVirtualMachine, TypeContainer, TypeApplication, TypeDatabase,
		TypeMiddleware, TypeNetworkDevice, TypeLoadBalancer, TypeCluster, TypeStorage,
		TypeCloudResource, TypeDocument}
}

// Environment is where a CI runs.
type Environment string

// The environments.
const (
	EnvProduction       Environment = "PRODUCTION"
	EnvStaging          Environment = "STAGING"
	EnvTest             Environment = "TEST"
	EnvDevelopment      Environment = "DEVELOPMENT"
	EnvDisasterRecovery Environment = "DISASTER_RECOVERY"
)

// Environments lists every environment.
func Environments() []Environment {
	return []Environment{EnvProduction, EnvStaging, EnvTest, EnvDevelopment, EnvDisasterRecovery}
}

// Criticality is how much the business depends on an item.
type Criticality string

// The criticalities, most critical first.
const (
	CriticalityCritical Criticality = "CRITICAL"
	CriticalityHigh     Criticality = "HIGH"
	CriticalityMedium   Criticality = "MEDIUM"
	CriticalityLow      Criticality = "LOW"
)

// Criticalities lists every criticality, most critical first.
func Criticalities() []Criticality {
	return []Criticality{CriticalityCritical, CriticalityHigh, CriticalityMedium, CriticalityLow}
}

// CI is a configuration item.
type CI struct {
	ID           string
	Name         string
	Type         Type
	Status       Status
	Environment  Environment
	Criticality  Criticality
	Description  string
	Location     string
	OwnerGroupID string
	// Attributes are free key/value pairs; keys follow AttributeKeyPattern.
	Attributes map[string]string
	// MinimumUp makes the CI a redundancy group: the members that must stay
	// up for it to serve. Zero means it is not a redundancy group.
	MinimumUp  int
	Source     string
	ExternalID string
	// Identities are the other sources that report this CI, each with its
	// external id there (see IdentifyingAttributes).
	Identities []SourceKey
	// FieldSources names the source that set a field last where that is
	// not the CI's own Source ("" when a person did); see FieldOwner. The
	// rules' precedence decides whether another source may change it.
	FieldSources map[string]string
	Version      int
	CreatedAt    time.Time
	// CreatedBy is the subject who created the CI (for a feed, who ran the
	// import).
	CreatedBy string
	UpdatedAt time.Time
	RetiredAt *time.Time
}

// ItemID and ItemName make a CI an item of the impact graph (catalog.Item),
// which package catalog cannot declare itself: it depends on cmdb.
func (c CI) ItemID() string { return c.ID }

// ItemName implements catalog.Item.
func (c CI) ItemName() string { return c.Name }

// Relationship is (Source)-[:Type]->(Target), with both ends loaded.
type Relationship struct {
	ID        string
	Type      string
	Source    CI
	Target    CI
	CreatedAt time.Time
	CreatedBy string
	// Feed is the discovery source whose import created it, if one did:
	// a full feed of that source reconciles it.
	Feed string
}

// Action is what a history entry records.
type Action string

// The history actions.
const (
	ActionCreated             Action = "CREATED"
	ActionUpdated             Action = "UPDATED"
	ActionRetired             Action = "RETIRED"
	ActionRelationshipAdded   Action = "RELATIONSHIP_ADDED"
	ActionRelationshipRemoved Action = "RELATIONSHIP_REMOVED"
)

// FieldChange is one field's JSON value before and after; nil means absent.
type FieldChange struct {
	Field  string  `json:"field"`
	Before *string `json:"before,omitempty"`
	After  *string `json:"after,omitempty"`
}

// HistoryEntry is an immutable record of one modification of one or more CIs
// (a relationship change is recorded once, on both ends).
type HistoryEntry struct {
	ID      string
	At      time.Time
	Actor   string
	Action  Action
	Changes []FieldChange
	// ChangeID is the change (RFC) that authorised the modification, if any.
	ChangeID string
	// Feed is the discovery source whose import made the modification.
	Feed string
}

// Direction selects a CI's relationships by which end it is.
type Direction string

// The directions.
const (
	Outgoing Direction = "OUTGOING"
	Incoming Direction = "INCOMING"
	Both     Direction = "BOTH"
)

// Ends says how much of the two CIs of each relationship a read fetches.
type Ends int

// The levels of Ends.
const (
	// WholeEnds fetches every field of both CIs.
	WholeEnds Ends = iota
	// SummaryEnds fetches only the id, name, type and status of both CIs;
	// every other field is left zero. A screen that lists relationships
	// (a CI's dependencies, two levels deep) shows no more, and fetches
	// and decodes about half as much this way.
	SummaryEnds
)

// RelationshipQuery selects the relationships of a set of CIs.
type RelationshipQuery struct {
	Direction Direction
	// Types are the relationship types to follow; all of the catalogue's
	// when empty.
	Types []string
	// Limit caps the relationships of each CI.
	Limit int
	Ends  Ends
}
