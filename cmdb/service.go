package cmdb

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// Store persists CIs, their relationships and their history. Every method
// runs in one transaction; callbacks run inside it and may run more than
// once (the driver retries transient failures), so they must be pure.
type Store interface {
	Importer
	// CreateCI writes ci. Its CREATED entry is CreationEntry(ci): the
	// store reads it from the CI itself until the CI first changes, and
	// records it then, before the change (see UpdateCI). With key set, a key seen
	// before returns the CI it created (CONFLICT when the fingerprint
	// differs) and writes nothing. NOT_FOUND for an unknown owner group,
	// CONFLICT for a taken (source, externalId).
	CreateCI(ctx context.Context, ci CI, key *ids.IdempotencyKey) (CI, error)
	// GetCIs returns the CIs with these ids, in any order; absent ids are
	// left out.
	GetCIs(ctx context.Context, ids []string) ([]CI, error)
	// ListCIs returns one page of CIs.
	ListCIs(ctx context.Context, f Filter, o Order, p paging.Request) (paging.Page[CI], error)
	// UpdateCI locks the CI, passes it to apply and writes the result with
	// its history entry, first recording the CI's CREATED entry if it is not
	// recorded yet; a nil entry means nothing changed and nothing is
	// written. NOT_FOUND when absent; NOT_FOUND for an unknown owner group.
	UpdateCI(ctx context.Context, id string, apply func(CI) (CI, *HistoryEntry, error)) (CI, error)
	// Relate locks both CIs, passes them to check, and creates the
	// relationship with the history entry check returns, unless the same
	// (source, type, target) exists, in which case it returns that one and
	// created is false.
	Relate(ctx context.Context, rel Relationship, check func(src, tgt CI) (HistoryEntry, error)) (r Relationship, created bool, err error)
	// Unrelate removes (source)-[:relType]->(target) and records on both
	// ends the entry made from them; NOT_FOUND when there is no such
	// relationship.
	Unrelate(ctx context.Context, sourceID, relType, targetID string, entry func(src, tgt CI) HistoryEntry) (removedID string, err error)
	// Relationships returns up to q.Limit relationships per CI, keyed by
	// CI id, ordered by type then by the other end's name.
	Relationships(ctx context.Context, ciIDs []string, q RelationshipQuery) (map[string][]Relationship, error)
	// Members returns the MEMBER_OF members of each redundancy group.
	Members(ctx context.Context, groupIDs []string) (map[string][]CI, error)
	// Relationship returns one relationship by id; NOT_FOUND when absent.
	Relationship(ctx context.Context, id string) (Relationship, error)
	// HistoryEntry returns one history entry by id; NOT_FOUND when absent.
	HistoryEntry(ctx context.Context, id string) (HistoryEntry, error)
	// History returns one page of history per CI, newest first.
	History(ctx context.Context, ciIDs []string, p paging.Request) (map[string]paging.Page[HistoryEntry], error)
	// Unauthorized returns a page, newest first, of the modifications
	// (other than creations) since a time that name no change.
	Unauthorized(ctx context.Context, since time.Time, p paging.Request) (paging.Page[Modification], error)
}

// EventKeys are what subscribers follow a CI by: its id. Every write of
// a CI (created, updated, retired, related or unrelated) appends its event
// to the log in the same transaction.
func EventKeys(ci CI) []string { return []string{ci.ID} }

// Service applies the CMDB rules. Its clock and id source are injected so
// that tests control them.
type Service struct {
	store Store
	now   func() time.Time
	newID func(prefix string) string
	gate  ChangeGate
}

// NewService returns a Service.
func NewService(store Store, now func() time.Time, newID func(prefix string) string) *Service {
	return &Service{store: store, now: now, newID: newID}
}

// ID prefixes, which let node(id:) tell kinds apart.
const (
	CIPrefix           = "ci"
	RelationshipPrefix = "rel"
	HistoryPrefix      = "cih"
)

// AttributeInput sets (Value non-nil) or removes (nil) one attribute.
type AttributeInput struct {
	Key   string
	Value *string
}

// CreateInput describes a new CI. Nil pointers take defaults.
type CreateInput struct {
	Name           string
	Type           Type
	Status         *Status
	Environment    *Environment
	Criticality    *Criticality
	Description    *string
	Location       *string
	OwnerGroupID   *string
	Attributes     []AttributeInput
	MinimumUp      *int
	Source         *string
	ExternalID     *string
	IdempotencyKey *string
}

// Create validates in and stores a new CI. BAD_USER_INPUT names the field at
// fault; see Store.CreateCI for the other codes.
func (s *Service) Create(ctx context.Context, caller auth.Principal, in CreateInput) (CI, error) {
	now := s.now().UTC()
	ci := CI{
		ID:          s.newID(CIPrefix),
		Name:        in.Name,
		Type:        in.Type,
		Status:      StatusPlanned,
		Environment: EnvProduction,
		Criticality: CriticalityMedium,
		Version:     1,
		CreatedAt:   now,
		CreatedBy:   caller.Subject,
		UpdatedAt:   now,
	}
	if in.Status != nil {
		ci.Status = *in.Status
	}
	if in.Environment != nil {
		ci.Environment = *in.Environment
	}
	if in.Criticality != nil {
		ci.Criticality = *in.Criticality
	}
	ci.Description = deref(in.Description)
	ci.Location = deref(in.Location)
	ci.OwnerGroupID = deref(in.OwnerGroupID)
	ci.Source = deref(in.Source)
	ci.ExternalID = deref(in.ExternalID)
	if err := validateCore(ci); err != nil {
		return CI{}, err
	}
	if ci.Status == StatusRetired {
		return CI{}, apperr.Invalid("status", "a CI cannot be created RETIRED")
	}
	if (ci.Source == "") != (ci.ExternalID == "") {
		return CI{}, apperr.Invalid("externalId", "source and externalId go together: give both or neither")
	}
	if err := validate.Text("source", ci.Source, false, MaxSourceLen); err != nil {
		return CI{}, err
	}
	if err := validate.Text("externalId", ci.ExternalID, false, MaxExternalIDLen); err != nil {
		return CI{}, err
	}
	if in.MinimumUp != nil {
		if err := checkMinimumUp(*in.MinimumUp); err != nil {
			return CI{}, err
		}
		ci.MinimumUp = *in.MinimumUp
	}
	attrs, err := applyAttributes(nil, in.Attributes, false)
	if err != nil {
		return CI{}, err
	}
	ci.Attributes = attrs

	var key *ids.IdempotencyKey
	if in.IdempotencyKey != nil {
		if err := validate.Text("idempotencyKey", *in.IdempotencyKey, true, MaxIdemKeyLen); err != nil {
			return CI{}, err
		}
		key = &ids.IdempotencyKey{
			Scope:       caller.Subject + "\x1f" + "createConfigurationItem",
			Key:         *in.IdempotencyKey,
			Fingerprint: fingerprint(ci),
		}
	}
	created, err := s.store.CreateCI(ctx, ci, key)
	if err != nil {
		return CI{}, err
	}
	return created, nil
}

// UpdateInput changes some fields of a CI; nil pointers leave fields alone.
type UpdateInput struct {
	ID              string
	ExpectedVersion int
	Name            *string
	Type            *Type
	Status          *Status
	Environment     *Environment
	Criticality     *Criticality
	Description     *string
	Location        *string
	OwnerGroupID    *string
	Attributes      []AttributeInput
	MinimumUp       *int
	// ChangeID is the implementing change the update is made under, if any.
	ChangeID string
}

// Update applies in to the CI with optimistic concurrency. CONFLICT when
// ExpectedVersion is stale, INVALID_TRANSITION for a forbidden status change
// or a retired CI, NOT_FOUND for an unknown CI or owner group. A MinimumUp
// of 0 makes a redundancy group an ordinary CI; the store refuses it
// (BAD_USER_INPUT) while members not retired are MEMBER_OF it.
func (s *Service) Update(ctx context.Context, caller auth.Principal, in UpdateInput) (CI, error) {
	now := s.now().UTC()
	entryID := s.newID(HistoryPrefix)
	if err := s.checkChange(ctx, in.ChangeID, in.ID); err != nil {
		return CI{}, err
	}
	if in.Status != nil && *in.Status == StatusRetired {
		return CI{}, apperr.Invalid("status", "use retireConfigurationItem to retire a CI")
	}
	if in.MinimumUp != nil && *in.MinimumUp != 0 { // 0: no longer a group
		if err := checkMinimumUp(*in.MinimumUp); err != nil {
			return CI{}, err
		}
	}
	apply := func(cur CI) (CI, *HistoryEntry, error) {
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return CI{}, nil, err
		}
		if cur.Status == StatusRetired {
			return CI{}, nil, apperr.New(apperr.InvalidTransition, "CI %s is retired and can no longer be changed", cur.ID)
		}
		next := cur
		next.Attributes = maps.Clone(cur.Attributes)
		patch.Set(&next.Name, in.Name)
		patch.Set(&next.Type, in.Type)
		patch.Set(&next.Status, in.Status)
		patch.Set(&next.Environment, in.Environment)
		patch.Set(&next.Criticality, in.Criticality)
		patch.Set(&next.Description, in.Description)
		patch.Set(&next.Location, in.Location)
		patch.Set(&next.OwnerGroupID, in.OwnerGroupID)
		patch.Set(&next.MinimumUp, in.MinimumUp)
		if err := validateCore(next); err != nil {
			return CI{}, nil, err
		}
		if err := CheckTransition(cur.Status, next.Status); err != nil {
			return CI{}, nil, err
		}
		attrs, err := applyAttributes(cur.Attributes, in.Attributes, true)
		if err != nil {
			return CI{}, nil, err
		}
		next.Attributes = attrs
		changes := diff(cur, next)
		if len(changes) == 0 {
			return cur, nil, nil
		}
		forgetSources(&next, changes)
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		return next, &HistoryEntry{ID: entryID, At: now, Actor: caller.Subject, Action: ActionUpdated, Changes: changes, ChangeID: in.ChangeID}, nil
	}
	ci, err := s.store.UpdateCI(ctx, in.ID, apply)
	if err != nil {
		return CI{}, err
	}
	return ci, nil
}

// RetireInput names the CI to retire and why.
type RetireInput struct {
	ID              string
	ExpectedVersion int
	Reason          string
	// ChangeID is the implementing change the retirement is carried out
	// under (none when empty), which history records.
	ChangeID string
}

// Retire moves a CI to RETIRED for good. CONFLICT when ExpectedVersion is
// stale, INVALID_TRANSITION when it is retired already.
func (s *Service) Retire(ctx context.Context, caller auth.Principal, in RetireInput) (CI, error) {
	if err := validate.Text("reason", in.Reason, false, MaxDescriptionLen); err != nil {
		return CI{}, err
	}
	if err := s.checkChange(ctx, in.ChangeID, in.ID); err != nil {
		return CI{}, err
	}
	now := s.now().UTC()
	entryID := s.newID(HistoryPrefix)
	apply := func(cur CI) (CI, *HistoryEntry, error) {
		if err := checkVersion(cur, in.ExpectedVersion); err != nil {
			return CI{}, nil, err
		}
		if err := CheckTransition(cur.Status, StatusRetired); err != nil {
			return CI{}, nil, err
		}
		if cur.Status == StatusRetired {
			return CI{}, nil, apperr.New(apperr.InvalidTransition, "CI %s is already retired", cur.ID)
		}
		next := cur
		next.Status = StatusRetired
		next.RetiredAt = &now
		next.Version = cur.Version + 1
		next.UpdatedAt = now
		changes := diff(cur, next)
		if in.Reason != "" {
			changes = append(changes, FieldChange{Field: "reason", After: jsonText(in.Reason)})
		}
		return next, &HistoryEntry{ID: entryID, At: now, Actor: caller.Subject, Action: ActionRetired, Changes: changes, ChangeID: in.ChangeID}, nil
	}
	ci, err := s.store.UpdateCI(ctx, in.ID, apply)
	if err != nil {
		return CI{}, err
	}
	return ci, nil
}

func checkVersion(cur CI, expected int) error {
	if cur.Version != expected {
		return apperr.Stale("CI", cur.ID, cur.Version, expected)
	}
	return nil
}

func validateCore(ci CI) error {
	if err := validate.Text("name", ci.Name, true, MaxNameLen); err != nil {
		return err
	}
	if err := validate.Enum("type", ci.Type, Types()); err != nil {
		return err
	}
	if err := validate.Enum("status", ci.Status, Statuses()); err != nil {
		return err
	}
	if err := validate.Enum("environment", ci.Environment, Environments()); err != nil {
		return err
	}
	if err := validate.Enum("criticality", ci.Criticality, Criticalities()); err != nil {
		return err
	}
	if err := validate.Text("description", ci.Description, false, MaxDescriptionLen); err != nil {
		return err
	}
	if err := validate.Text("location", ci.Location, false, MaxLocationLen); err != nil {
		return err
	}
	return validate.Text("ownerGroupId", ci.OwnerGroupID, false, MaxExternalIDLen)
}

// diff lists the fields that differ between two versions of a CI, as JSON
// text, in a stable order.
func diff(before, after CI) []FieldChange {
	var out []FieldChange
	add := func(field string, b, a any, bSet, aSet bool) {
		var bt, at *string
		if bSet {
			bt = jsonText(b)
		}
		if aSet {
			at = jsonText(a)
		}
		if (bt == nil) != (at == nil) || (bt != nil && *bt != *at) {
			out = append(out, FieldChange{Field: field, Before: bt, After: at})
		}
	}
	str := func(field, b, a string) { add(field, b, a, b != "", a != "") }
	str("name", before.Name, after.Name)
	str("type", string(before.Type), string(after.Type))
	str("status", string(before.Status), string(after.Status))
	str("environment", string(before.Environment), string(after.Environment))
	str("criticality", string(before.Criticality), string(after.Criticality))
	str("description", before.Description, after.Description)
	str("location", before.Location, after.Location)
	str("ownerGroupId", before.OwnerGroupID, after.OwnerGroupID)
	str("source", before.Source, after.Source)
	str("externalId", before.ExternalID, after.ExternalID)
	add("redundancyMinimumUp", before.MinimumUp, after.MinimumUp, before.MinimumUp != 0, after.MinimumUp != 0)
	if before.RetiredAt == nil && after.RetiredAt != nil {
		add("retiredAt", nil, after.RetiredAt.UTC().Format(time.RFC3339Nano), false, true)
	}
	keys := slices.Collect(maps.Keys(before.Attributes))
	for k := range after.Attributes {
		if _, ok := before.Attributes[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, bok := before.Attributes[k]
		a, aok := after.Attributes[k]
		add("attributes."+k, b, a, bok, aok)
	}
	return out
}

func jsonText(v any) *string {
	b, _ := json.Marshal(v) // strings and ints always marshal
	s := string(b)
	return &s
}

// ValueText renders a value as history records it (JSON).
func ValueText(v any) *string { return jsonText(v) }

// relText describes a relationship between CIs in history.
func relText(source CI, relType string, target CI, extra ...string) *string {
	return RelationshipText(source.ID, source.Name, relType, target.ID, target.Name, extra...)
}

// RelationshipText describes a relationship in history: both ends by id
// and by the name they had then, so that the entry still reads after a
// rename; extra adds key/value pairs (the feed that removed it).
func RelationshipText(sourceID, sourceName, relType, targetID, targetName string, extra ...string) *string {
	m := map[string]string{"source": sourceID, "sourceName": sourceName, "type": relType, "target": targetID, "targetName": targetName}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return jsonText(m)
}

// fingerprint identifies a create request by its content, leaving out the
// generated id and times.
func fingerprint(ci CI) string {
	// CreatedBy is left out as well: the key's scope already names the
	// caller, and keys claimed before CIs recorded their creator must
	// still match their retries.
	ci.ID, ci.CreatedAt, ci.CreatedBy, ci.UpdatedAt = "", time.Time{}, "", time.Time{}
	return ids.Fingerprint(ci)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
