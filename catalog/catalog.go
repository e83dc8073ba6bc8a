// Package catalog holds the service catalogue rules of SPEC §2.1: business
// and technical services with their lifecycle, the business units that
// consume business services, the business processes they support, and
// which links between them (and to CIs) are allowed. It declares the Store
// it needs; package neo4j implements it.
package catalog

import (
	"context"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// Kind is the kind of an item of the impact graph.
type Kind string

// The item kinds.
const (
	KindCI               Kind = "CONFIGURATION_ITEM"
	KindTechnicalService Kind = "TECHNICAL_SERVICE"
	KindBusinessService  Kind = "BUSINESS_SERVICE"
	KindBusinessProcess  Kind = "BUSINESS_PROCESS"
	KindBusinessUnit     Kind = "BUSINESS_UNIT"
)

// Kinds lists the item kinds from the infrastructure up to the business.
func Kinds() []Kind {
	return []Kind{KindCI, KindTechnicalService, KindBusinessService, KindBusinessProcess, KindBusinessUnit}
}

// ID prefixes per kind (CIs use cmdb.CIPrefix).
const (
	BusinessServicePrefix  = "bsv"
	TechnicalServicePrefix = "tsv"
	BusinessUnitPrefix     = "bu"
	BusinessProcessPrefix  = "bp"
)

// Status is a service's lifecycle status: PIPELINE → LIVE → RETIRED.
type Status string

// The service statuses.
const (
	StatusPipeline Status = "PIPELINE"
	StatusLive     Status = "LIVE"
	StatusRetired  Status = "RETIRED"
)

// Statuses lists the service statuses in lifecycle order.
func Statuses() []Status { return []Status{StatusPipeline, StatusLive, StatusRetired} }

// LeavesService reports whether a service moving from one status to the
// other leaves service: from then on impact no longer crosses it, so the
// store removes its impact edges (its links stay).
func LeavesService(from, to Status) bool { return to == StatusRetired && from != StatusRetired }

// ItemRetired reports whether an item of the impact graph, known by its
// kind and stored status, is retired. CIs and services have statuses of
// their own; business units and processes have none and are never retired.
func ItemRetired(kind Kind, status string) bool {
	switch kind {
	case KindCI:
		return cmdb.Status(status) == cmdb.StatusRetired
	case KindBusinessService, KindTechnicalService:
		return Status(status) == StatusRetired
	}
	return false
}

// CheckTransition returns INVALID_TRANSITION unless a service may move from
// one status to the other.
func CheckTransition(from, to Status) error {
	allowed := map[Status][]Status{
		StatusPipeline: {StatusLive, StatusRetired},
		StatusLive:     {StatusRetired},
	}
	if from == to || slices.Contains(allowed[from], to) {
		return nil
	}
	if len(allowed[from]) == 0 {
		return apperr.New(apperr.InvalidTransition, "a %s service cannot change status", from)
	}
	return apperr.New(apperr.InvalidTransition, "a service cannot go from %s to %s; allowed next statuses: %v", from, to, allowed[from])
}

// Service is a business or technical service.
type Service struct {
	ID           string
	Kind         Kind // KindBusinessService or KindTechnicalService
	Name         string
	Description  string
	Status       Status
	Criticality  cmdb.Criticality
	OwnerGroupID string
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Unit is a business unit (a customer of services).
type Unit struct {
	ID          string
	Name        string
	Description string
	CreatedAt   time.Time
}

// Process is a business process that business services support.
type Process struct {
	ID          string
	Name        string
	Description string
	Criticality cmdb.Criticality
	CreatedAt   time.Time
}

// Ref identifies an end of a link, with what the rules need to know.
type Ref struct {
	ID      string
	Kind    Kind
	Name    string
	Retired bool
}

// Link types of the catalogue; DEPENDS_ON is shared with the CI catalogue.
const (
	Consumes  = "CONSUMES"
	Supports  = "SUPPORTS"
	DependsOn = "DEPENDS_ON"
)

type linkRule struct {
	source Kind
	typ    string
	target Kind
}

// linkRules are the only links the catalogue accepts (SPEC §2.1).
func linkRules() []linkRule {
	return []linkRule{
		{KindBusinessUnit, Consumes, KindBusinessService},
		{KindBusinessService, Supports, KindBusinessProcess},
		{KindBusinessService, DependsOn, KindTechnicalService},
		{KindTechnicalService, DependsOn, KindTechnicalService},
		{KindTechnicalService, DependsOn, KindCI},
	}
}

// CheckLink returns BAD_USER_INPUT unless (source)-[:typ]->(target) is a
// link the catalogue allows between live items.
func CheckLink(src Ref, typ string, tgt Ref) error {
	if src.ID == tgt.ID {
		return apperr.Invalid("targetId", "an item cannot be linked to itself")
	}
	for _, r := range []Ref{src, tgt} {
		if r.Retired {
			return apperr.Invalid("targetId", "%s (%s) is retired and takes no new links", r.ID, r.Name)
		}
	}
	if slices.Contains(linkRules(), linkRule{src.Kind, typ, tgt.Kind}) {
		return nil
	}
	var allowed []string
	for _, r := range linkRules() {
		allowed = append(allowed, string(r.source)+" "+r.typ+" "+string(r.target))
	}
	return apperr.Invalid("type", "%s %s %s is not a catalogue link; allowed: %v", src.Kind, typ, tgt.Kind, allowed)
}

// Filter selects services; zero fields match everything.
type Filter struct {
	Kinds        []Kind
	Statuses     []Status
	NameContains string
	// Created and Updated bound the creation and modification times.
	Created, Updated paging.TimeRange
}

// Store persists the catalogue. Each method is one transaction.
type Store interface {
	// CreateService, CreateUnit and CreateProcess write the item with its
	// CREATED entry.
	CreateService(ctx context.Context, s Service, entry cmdb.HistoryEntry) (Service, error)
	// UpdateService locks the service, applies apply and writes the result
	// with the entry apply returns (nothing when it returns none);
	// NOT_FOUND when absent.
	UpdateService(ctx context.Context, id string, apply func(Service) (Service, *cmdb.HistoryEntry, error)) (Service, error)
	GetServices(ctx context.Context, ids []string) ([]Service, error)
	ListServices(ctx context.Context, f Filter, p paging.Request) (paging.Page[Service], error)
	CreateUnit(ctx context.Context, u Unit, entry cmdb.HistoryEntry) (Unit, error)
	CreateProcess(ctx context.Context, p Process, entry cmdb.HistoryEntry) (Process, error)
	GetUnits(ctx context.Context, ids []string) ([]Unit, error)
	GetProcesses(ctx context.Context, ids []string) ([]Process, error)
	ListUnits(ctx context.Context, p paging.Request) (paging.Page[Unit], error)
	ListProcesses(ctx context.Context, p paging.Request) (paging.Page[Process], error)
	// Link locks both ends, calls check with them and creates the link
	// with the entry check returns on both ends, unless it exists (created
	// is false then). NOT_FOUND for an unknown end.
	Link(ctx context.Context, sourceID, typ, targetID, relID string, at time.Time, actor string, check func(src, tgt Ref) (cmdb.HistoryEntry, error)) (created bool, err error)
	// Unlink locks both ends, calls check with them and removes the link,
	// recording the entry check returns on both ends; NOT_FOUND when there
	// is none.
	Unlink(ctx context.Context, sourceID, typ, targetID string, check func(src, tgt Ref) (cmdb.HistoryEntry, error)) error
	// Linked returns, per id, the items at the other end of its links of
	// type typ, following them outgoing (or incoming when reverse).
	Linked(ctx context.Context, ids []string, typ string, reverse bool) (map[string][]Item, error)
}

// Catalog applies the catalogue rules.
type Catalog struct {
	store Store
	now   func() time.Time
	newID func(prefix string) string
}

// New returns a Catalog.
func New(store Store, now func() time.Time, newID func(string) string) *Catalog {
	return &Catalog{store: store, now: now, newID: newID}
}

// Limits on catalogue fields.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 4000
)

// CreateServiceInput describes a service to create.
type CreateServiceInput struct {
	Kind         Kind
	Name         string
	Description  string
	Status       *Status
	Criticality  *cmdb.Criticality
	OwnerGroupID string
}

// CreateService validates and stores a service. BAD_USER_INPUT names the
// field; NOT_FOUND for an unknown owner group.
func (c *Catalog) CreateService(ctx context.Context, caller auth.Principal, in CreateServiceInput) (Service, error) {
	prefix := map[Kind]string{KindBusinessService: BusinessServicePrefix, KindTechnicalService: TechnicalServicePrefix}[in.Kind]
	if prefix == "" {
		return Service{}, apperr.Invalid("kind", "must be BUSINESS or TECHNICAL")
	}
	now := c.now().UTC()
	s := Service{ID: c.newID(prefix), Kind: in.Kind, Name: in.Name, Description: in.Description, Status: StatusPipeline,
		Criticality: cmdb.CriticalityMedium, OwnerGroupID: in.OwnerGroupID, Version: 1, CreatedAt: now, UpdatedAt: now}
	if in.Status != nil {
		s.Status = *in.Status
	}
	if in.Criticality != nil {
		s.Criticality = *in.Criticality
	}
	if err := validateService(s); err != nil {
		return Service{}, err
	}
	if s.Status == StatusRetired {
		return Service{}, apperr.Invalid("status", "a service cannot be created RETIRED")
	}
	return c.store.CreateService(ctx, s, c.entry(now, caller.Subject, cmdb.ActionCreated, fieldChanges(nil, serviceFields(s))))
}

// UpdateServiceInput changes some fields of a service; nil leaves a field
// alone.
type UpdateServiceInput struct {
	ID              string
	ExpectedVersion int
	Name            *string
	Description     *string
	Status          *Status
	Criticality     *cmdb.Criticality
	OwnerGroupID    *string
}

// UpdateService applies in with optimistic concurrency: CONFLICT when the
// version is stale, INVALID_TRANSITION for a forbidden status change.
func (c *Catalog) UpdateService(ctx context.Context, caller auth.Principal, in UpdateServiceInput) (Service, error) {
	now := c.now().UTC()
	return c.store.UpdateService(ctx, in.ID, func(cur Service) (Service, *cmdb.HistoryEntry, error) {
		if cur.Version != in.ExpectedVersion {
			return Service{}, nil, apperr.Stale("service", cur.ID, cur.Version, in.ExpectedVersion)
		}
		next := cur
		patch.Set(&next.Name, in.Name)
		patch.Set(&next.Description, in.Description)
		patch.Set(&next.Status, in.Status)
		patch.Set(&next.Criticality, in.Criticality)
		patch.Set(&next.OwnerGroupID, in.OwnerGroupID)
		if err := validateService(next); err != nil {
			return Service{}, nil, err
		}
		if err := CheckTransition(cur.Status, next.Status); err != nil {
			return Service{}, nil, err
		}
		if next == cur {
			return cur, nil, nil
		}
		next.Version++
		next.UpdatedAt = now
		action := cmdb.ActionUpdated
		if LeavesService(cur.Status, next.Status) {
			action = cmdb.ActionRetired
		}
		e := c.entry(now, caller.Subject, action, fieldChanges(serviceFields(cur), serviceFields(next)))
		return next, &e, nil
	})
}

// CreateUnitInput describes a business unit to create.
type CreateUnitInput struct {
	Name        string
	Description string
}

// CreateUnit validates and stores a business unit.
func (c *Catalog) CreateUnit(ctx context.Context, caller auth.Principal, in CreateUnitInput) (Unit, error) {
	if err := validateNamed(in.Name, in.Description); err != nil {
		return Unit{}, err
	}
	now := c.now().UTC()
	return c.store.CreateUnit(ctx, Unit{ID: c.newID(BusinessUnitPrefix), Name: in.Name, Description: in.Description, CreatedAt: now},
		c.entry(now, caller.Subject, cmdb.ActionCreated, fieldChanges(nil, []field{{"name", in.Name}, {"description", in.Description}})))
}

// CreateProcessInput describes a business process to create; a nil
// Criticality is MEDIUM.
type CreateProcessInput struct {
	Name        string
	Description string
	Criticality *cmdb.Criticality
}

// CreateProcess validates and stores a business process.
func (c *Catalog) CreateProcess(ctx context.Context, caller auth.Principal, in CreateProcessInput) (Process, error) {
	if err := validateNamed(in.Name, in.Description); err != nil {
		return Process{}, err
	}
	p := Process{ID: c.newID(BusinessProcessPrefix), Name: in.Name, Description: in.Description, Criticality: cmdb.CriticalityMedium, CreatedAt: c.now().UTC()}
	if in.Criticality != nil {
		p.Criticality = *in.Criticality
	}
	if err := validate.Enum("criticality", p.Criticality, cmdb.Criticalities()); err != nil {
		return Process{}, err
	}
	return c.store.CreateProcess(ctx, p, c.entry(p.CreatedAt, caller.Subject, cmdb.ActionCreated,
		fieldChanges(nil, []field{{"name", p.Name}, {"description", p.Description}, {"criticality", string(p.Criticality)}})))
}

// LinkInput names a catalogue link (source)-[:Type]->(target).
type LinkInput struct {
	SourceID string
	Type     string
	TargetID string
}

// Link creates (source)-[:Type]->(target) when the catalogue allows it;
// created is false when it existed.
func (c *Catalog) Link(ctx context.Context, caller auth.Principal, in LinkInput) (bool, error) {
	if in.Type != Consumes && in.Type != Supports && in.Type != DependsOn {
		return false, apperr.Invalid("type", "must be CONSUMES, SUPPORTS or DEPENDS_ON (got %q)", in.Type)
	}
	now := c.now().UTC()
	return c.store.Link(ctx, in.SourceID, in.Type, in.TargetID, c.newID(cmdb.RelationshipPrefix), now, caller.Subject,
		func(src, tgt Ref) (cmdb.HistoryEntry, error) {
			if err := CheckLink(src, in.Type, tgt); err != nil {
				return cmdb.HistoryEntry{}, err
			}
			return c.entry(now, caller.Subject, cmdb.ActionRelationshipAdded, linkChange(src, in.Type, tgt, false)), nil
		})
}

// UnlinkInput names a catalogue link (source)-[:Type]->(target) to remove.
type UnlinkInput struct {
	SourceID string
	Type     string
	TargetID string
}

// Unlink removes a link; NOT_FOUND when there is none.
func (c *Catalog) Unlink(ctx context.Context, caller auth.Principal, in UnlinkInput) error {
	if in.Type != Consumes && in.Type != Supports && in.Type != DependsOn {
		return apperr.Invalid("type", "must be CONSUMES, SUPPORTS or DEPENDS_ON (got %q)", in.Type)
	}
	now := c.now().UTC()
	return c.store.Unlink(ctx, in.SourceID, in.Type, in.TargetID, func(src, tgt Ref) (cmdb.HistoryEntry, error) {
		// Only catalogue links are removed here: a DEPENDS_ON between two
		// CIs belongs to the CMDB, which records its history.
		if !slices.Contains(linkRules(), linkRule{src.Kind, in.Type, tgt.Kind}) {
			return cmdb.HistoryEntry{}, apperr.New(apperr.NotFound, "there is no catalogue link %s %s %s; relationships between CIs are removed with unrelateConfigurationItems", in.SourceID, in.Type, in.TargetID)
		}
		return c.entry(now, caller.Subject, cmdb.ActionRelationshipRemoved, linkChange(src, in.Type, tgt, true)), nil
	})
}

func validateService(s Service) error {
	if err := validateNamed(s.Name, s.Description); err != nil {
		return err
	}
	if err := validate.Enum("status", s.Status, Statuses()); err != nil {
		return err
	}
	return validate.Enum("criticality", s.Criticality, cmdb.Criticalities())
}

func validateNamed(name, description string) error {
	if err := validate.Text("name", name, true, MaxNameLen); err != nil {
		return err
	}
	return validate.Text("description", description, false, MaxDescriptionLen)
}
