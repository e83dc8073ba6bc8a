package cmdb

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/patch"
	"github.com/itsm-graph/itsm/validate"
)

// ImportItem is one CI as a discovery feed reports it. Nil pointers keep the
// stored value (or take the default for a new CI); Attributes are merged,
// and one without a value is removed.
type ImportItem struct {
	ExternalID  string
	Name        string
	Type        Type
	Status      *Status
	Environment *Environment
	Criticality *Criticality
	Description *string
	Location    *string
	Attributes  []AttributeInput
	MinimumUp   *int
	// OwnerGroupID sets the owning group ("" clears it); the import
	// refuses the row when no group has that id.
	OwnerGroupID *string
}

// ImportRelationship relates two CIs. Each end is named by external id —
// of the import's own source, or of another (SourceExternalSource), since
// estates join feeds: a VM from the hypervisor feed on a host from the
// hardware feed — or by CI id; one of the two per end.
type ImportRelationship struct {
	SourceExternalID     string
	SourceExternalSource string
	SourceID             string
	Type                 string
	TargetExternalID     string
	TargetExternalSource string
	TargetID             string
}

// SourceKey names a CI by its discovery source and external id there.
type SourceKey struct{ Source, ExternalID string }

// RelEnds are the CIs a batch of relationship rows names.
type RelEnds struct {
	Keys []SourceKey
	IDs  []string
}

// FoundEnds are the CIs the store found for RelEnds.
type FoundEnds struct {
	ByKey map[SourceKey]CI
	ByID  map[string]CI
}

// end is one end of a row: its key or id, and the input field naming it.
type end struct {
	key   SourceKey
	id    string
	field string
}

// ends resolves where a row's two ends are to be found; BAD_USER_INPUT
// unless each end gives exactly one of an external id or an id.
func (r ImportRelationship) ends(source string) (src, tgt end, err error) {
	mk := func(ext, extSource, id, prefix string) (end, error) {
		switch {
		case (ext == "") == (id == ""):
			return end{}, apperr.Invalid(prefix+"ExternalId", "give either %sExternalId or %sId", prefix, prefix)
		case id != "":
			return end{id: id, field: prefix + "Id"}, nil
		}
		return end{key: SourceKey{Source: cmp.Or(extSource, source), ExternalID: ext}, field: prefix + "ExternalId"}, nil
	}
	if src, err = mk(r.SourceExternalID, r.SourceExternalSource, r.SourceID, "source"); err != nil {
		return end{}, end{}, err
	}
	tgt, err = mk(r.TargetExternalID, r.TargetExternalSource, r.TargetID, "target")
	return src, tgt, err
}

// find returns the live CI an end names, or an error message.
func (f FoundEnds) find(e end) (CI, string) {
	c, ok := f.ByID[e.id]
	if e.id == "" {
		c, ok = f.ByKey[e.key]
	}
	switch {
	case ok && c.Status != StatusRetired:
		return c, ""
	case e.id != "":
		return CI{}, fmt.Sprintf("%q is not a live CI", e.id)
	}
	return CI{}, fmt.Sprintf("%q is not a live CI of source %q", e.key.ExternalID, e.key.Source)
}

// ImportError reports one refused row; valid rows still land.
type ImportError struct {
	// Row is 1-based within its list (items or relationships).
	Row     int
	Kind    string // "ITEM" or "RELATIONSHIP"
	Field   string
	Message string
}

// ImportReport says what an import did.
type ImportReport struct {
	Created, Updated, Unchanged int
	// Identified counts the rows found by an identifier to be a CI another
	// source reports: the source now reports it too.
	Identified int
	// Held are the fields rows reported that a source of higher
	// precedence keeps.
	Held []HeldField
	// NotSeen are the live CIs of the source that the import did not
	// mention (only when asked for), by external id.
	NotSeen                                      []CI
	RelationshipsCreated, RelationshipsUnchanged int
	// RelationshipsNotSeen are the relationships the source's feeds made
	// that this one no longer reports, under MissingReport or MissingRemove;
	// RelationshipsRemoved counts those removed (MissingRemove).
	RelationshipsNotSeen []Relationship
	RelationshipsRemoved int
	Errors               []ImportError
}

// MissingPolicy says what a full feed does with the relationships its
// source's feeds made before that it no longer reports.
type MissingPolicy string

// The policies.
const (
	// MissingKeep leaves them: the feed may be partial (the default).
	MissingKeep MissingPolicy = "KEEP"
	// MissingReport lists them for a person to decide.
	MissingReport MissingPolicy = "REPORT"
	// MissingRemove removes them, each with a history entry naming the
	// feed: a VM moved to another host is HOSTED_ON the new one only.
	MissingRemove MissingPolicy = "REMOVE"
)

// MissingPolicies lists the policies.
func MissingPolicies() []MissingPolicy {
	return []MissingPolicy{MissingKeep, MissingReport, MissingRemove}
}

// ImportOptions tune an import.
type ImportOptions struct {
	// BatchSize is how many rows go in one transaction.
	BatchSize int
	// Workers is how many CI batches are written at once (default 2).
	// Distinct batches never touch the same CI, so they do not contend;
	// relationships are written one batch at a time because batches share
	// hub CIs, whose locks would make them wait on each other.
	Workers int
	// ReportNotSeen lists the source's live CIs absent from this import.
	ReportNotSeen bool
	// MissingRelationships reconciles the relationships of the source
	// (empty means MissingKeep).
	MissingRelationships MissingPolicy
	// Progress, when set, hears how far each stage got.
	Progress func(stage string, done, total int)
}

// DefaultImportBatch keeps transactions to a few thousand rows.
const DefaultImportBatch = 5000

// DefaultImportWorkers matches the small machines this runs on: one batch
// being written while the next is prepared and sent.
const DefaultImportWorkers = 2

// ImportWrite is one CI to update with its history entry; a nil entry
// records nothing (only which source owns a field moved).
type ImportWrite struct {
	CI    CI
	Entry *HistoryEntry
}

// ImportKey is how ImportCIs finds the CI of one row: by the source's
// external id, else by its identifiers.
type ImportKey struct {
	ExternalID  string
	Type        Type
	Identifiers []Identifier
}

// ImportFound is what ImportCIs found and locked for a batch.
type ImportFound struct {
	// Existing are the CIs the source already reports, by its external id.
	Existing map[string]CI
	// Candidates are, for the other rows, the live CIs of the row's type
	// that another source reports and that share the row's strongest
	// identifier matching any, with that identifier.
	Candidates map[string]Candidates
}

// Candidates are the CIs one identifier matched.
type Candidates struct {
	By  Identifier
	CIs []CI
}

// ImportPlan is what an import batch writes.
type ImportPlan struct {
	Creates []CI
	Updates []ImportWrite
	// Links give CIs another source's identity.
	Links []SourceLink
}

// SourceLink records that Key identifies the CI CIID.
type SourceLink struct {
	Key  SourceKey
	CIID string
}

// RelWrite is one relationship to merge. A new one's RELATIONSHIP_ADDED
// entry is derived (see RelationshipEntry).
type RelWrite struct {
	Rel Relationship
}

// Importer is the part of the Store that imports use. Each call is one
// transaction; apply runs inside it and may run more than once.
type Importer interface {
	// ImportCIs locks the CIs source reports by these keys' external ids,
	// and for the other keys the candidates their identifiers match, passes
	// them to apply and writes the plan it returns. As in CreateCI and
	// UpdateCI, a created CI's CREATED entry is derived, and recorded
	// before the CI's first update.
	ImportCIs(ctx context.Context, source string, keys []ImportKey, apply func(ImportFound) (ImportPlan, error)) error
	// ReconciliationRules returns the rules (none set: no precedence, the
	// last report wins).
	ReconciliationRules(ctx context.Context) (Rules, error)
	// SetReconciliationRules replaces them.
	SetReconciliationRules(ctx context.Context, r Rules) error
	// ImportRelationships finds the CIs ends names, passes them to plan,
	// and merges what it returns; it returns how many were new. A new
	// relationship's RELATIONSHIP_ADDED entry is derived, and recorded
	// before the relationship is removed.
	ImportRelationships(ctx context.Context, ends RelEnds, plan func(FoundEnds) ([]RelWrite, error)) (created int, err error)
	// SourceCIs returns external id → id of the live CIs source reports.
	SourceCIs(ctx context.Context, source string) (map[string]string, error)
	// MissingGroups returns those of ids that no group has.
	MissingGroups(ctx context.Context, ids []string) ([]string, error)
	// FeedRelationships returns the relationships touching a CI of source
	// that an import of source created, with only the ids of their ends: a
	// full feed reads all of them, and needs the ends of the few it did not
	// report.
	FeedRelationships(ctx context.Context, source string) ([]Relationship, error)
}

// Limits of one import call through the API (the command line has none).
const (
	MaxImportItems         = 5000
	MaxImportRelationships = 20000
)

// ImportInput is one load of a discovery feed: its CIs and relationships,
// keyed by external ids of Source.
type ImportInput struct {
	Source        string
	Items         []ImportItem
	Relationships []ImportRelationship
	Options       ImportOptions
}

// Import upserts CIs and relationships from a discovery feed, idempotently
// by (source, externalId). Invalid rows are reported by row number and
// skipped; valid rows land in batches. It fails as a whole only for a bad
// source or a store failure (with what landed before it committed).
func (s *Service) Import(ctx context.Context, caller auth.Principal, in ImportInput) (ImportReport, error) {
	actor, source, items, rels, opt := caller.Subject, in.Source, in.Items, in.Relationships, in.Options
	var rep ImportReport
	store := s.store
	if err := validate.Text("source", source, true, MaxSourceLen); err != nil {
		return rep, err
	}
	if opt.MissingRelationships == "" {
		opt.MissingRelationships = MissingKeep
	}
	if err := validate.Enum("missingRelationships", opt.MissingRelationships, MissingPolicies()); err != nil {
		return rep, err
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultImportBatch
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}

	// Validate rows up front so that errors carry row numbers.
	valid := make([]int, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if err := checkImportItem(it); err != nil {
			rep.Errors = append(rep.Errors, importErr(i+1, "ITEM", err))
			continue
		}
		if seen[it.ExternalID] {
			rep.Errors = append(rep.Errors, ImportError{Row: i + 1, Kind: "ITEM", Field: "externalId", Message: fmt.Sprintf("externalId %q appears more than once in this import", it.ExternalID)})
			continue
		}
		seen[it.ExternalID] = true
		valid = append(valid, i)
	}
	valid, err := s.knownGroups(ctx, store, items, valid, &rep)
	if err != nil {
		return rep, err
	}
	rules, err := store.ReconciliationRules(ctx)
	if err != nil {
		return rep, err
	}

	if opt.Workers <= 0 {
		opt.Workers = DefaultImportWorkers
	}
	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Workers)
	for start := 0; start < len(valid); start += opt.BatchSize {
		batch := valid[start:min(start+opt.BatchSize, len(valid))]
		g.Go(func() error {
			b, err := s.importBatch(gctx, store, actor, source, rules, items, batch)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			rep.Created += b.Created
			rep.Updated += b.Updated
			rep.Unchanged += b.Unchanged
			rep.Identified += b.Identified
			rep.Held = append(rep.Held, b.Held...)
			rep.Errors = append(rep.Errors, b.Errors...)
			done += len(batch)
			progress("items", done, len(valid))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return rep, err
	}

	seenRels := map[relKey]bool{}
	for start := 0; start < len(rels); start += opt.BatchSize {
		end := min(start+opt.BatchSize, len(rels))
		created, planned, rowErrs, err := s.importRelBatch(ctx, store, actor, source, rels[start:end], start, seenRels)
		if err != nil {
			return rep, err
		}
		rep.RelationshipsCreated += created
		rep.RelationshipsUnchanged += planned - created
		rep.Errors = append(rep.Errors, rowErrs...)
		progress("relationships", end, len(rels))
	}

	if opt.MissingRelationships != MissingKeep {
		if err := s.reconcile(ctx, store, actor, source, opt.MissingRelationships, seenRels, &rep); err != nil {
			return rep, err
		}
	}
	if opt.ReportNotSeen {
		all, err := store.SourceCIs(ctx, source)
		if err != nil {
			return rep, err
		}
		var ids []string
		for ext, id := range all {
			if !seen[ext] {
				ids = append(ids, id)
			}
		}
		if rep.NotSeen, err = s.store.GetCIs(ctx, ids); err != nil {
			return rep, err
		}
		slices.SortFunc(rep.NotSeen, func(a, b CI) int { return strings.Compare(a.ExternalID, b.ExternalID) })
	}
	slices.SortStableFunc(rep.Errors, func(a, b ImportError) int {
		if a.Kind != b.Kind {
			if a.Kind == "ITEM" {
				return -1
			}
			return 1
		}
		return a.Row - b.Row
	})
	slices.SortStableFunc(rep.Held, func(a, b HeldField) int { return a.Row - b.Row })
	return rep, nil
}

// knownGroups drops the rows naming an owner group that does not exist,
// reporting each, so that a feed cannot point a CI at nothing.
func (s *Service) knownGroups(ctx context.Context, store Importer, items []ImportItem, rows []int, rep *ImportReport) ([]int, error) {
	want := map[string]bool{}
	for _, r := range rows {
		if g := items[r].OwnerGroupID; g != nil && *g != "" {
			want[*g] = true
		}
	}
	if len(want) == 0 {
		return rows, nil
	}
	missing, err := store.MissingGroups(ctx, slices.Sorted(maps.Keys(want)))
	if err != nil || len(missing) == 0 {
		return rows, err
	}
	return slices.DeleteFunc(rows, func(r int) bool {
		g := items[r].OwnerGroupID
		if g == nil || !slices.Contains(missing, *g) {
			return false
		}
		rep.Errors = append(rep.Errors, ImportError{Row: r + 1, Kind: "ITEM", Field: "ownerGroupId", Message: fmt.Sprintf("no group has id %q", *g)})
		return true
	}), nil
}

func importErr(row int, kind string, err error) ImportError {
	e := ImportError{Row: row, Kind: kind, Message: err.Error()}
	if app, ok := err.(*apperr.Error); ok {
		e.Field, e.Message = app.Field, app.Message
	}
	return e
}

func checkImportItem(it ImportItem) error {
	if err := validate.Text("externalId", it.ExternalID, true, MaxExternalIDLen); err != nil {
		return err
	}
	if it.Status != nil && *it.Status == StatusRetired {
		return apperr.Invalid("status", "a feed cannot retire a CI; use retireConfigurationItem")
	}
	if it.MinimumUp != nil {
		if err := checkMinimumUp(*it.MinimumUp); err != nil {
			return err
		}
	}
	if it.OwnerGroupID != nil {
		if err := validate.Text("ownerGroupId", *it.OwnerGroupID, false, MaxExternalIDLen); err != nil {
			return err
		}
	}
	probe := CI{Name: it.Name, Type: it.Type, Status: StatusActive, Environment: EnvProduction, Criticality: CriticalityMedium}
	patch.Set(&probe.Status, it.Status)
	patch.Set(&probe.Environment, it.Environment)
	patch.Set(&probe.Criticality, it.Criticality)
	patch.Set(&probe.Description, it.Description)
	patch.Set(&probe.Location, it.Location)
	if err := validateCore(probe); err != nil {
		return err
	}
	_, err := applyAttributes(nil, it.Attributes, true)
	return err
}

// importBatch writes one batch of item rows in one transaction. A row the
// source reports already updates its CI; a row an identifier matches to a
// CI of another source merges into that CI; any other row creates a CI.
// Fields are set under the rules' precedence.
func (s *Service) importBatch(ctx context.Context, store Importer, actor, source string, rules Rules, items []ImportItem, rows []int) (rep ImportReport, err error) {
	now := s.now().UTC()
	keys := make([]ImportKey, len(rows))
	for i, r := range rows {
		keys[i] = ImportKey{ExternalID: items[r].ExternalID, Type: items[r].Type, Identifiers: items[r].identifiers()}
	}
	// Ids are drawn before the transaction so that a retried transaction
	// writes the same ones.
	newIDs := make([]string, 2*len(rows))
	for i := range rows {
		newIDs[2*i], newIDs[2*i+1] = s.newID(CIPrefix), s.newID(HistoryPrefix)
	}
	err = store.ImportCIs(ctx, source, keys, func(found ImportFound) (ImportPlan, error) {
		rep = ImportReport{}
		var plan ImportPlan
		claimed := map[string]int{} // candidate CI id → row that took it
		for i, r := range rows {
			it := items[r]
			refuse := func(field, msg string, args ...any) {
				rep.Errors = append(rep.Errors, ImportError{Row: r + 1, Kind: "ITEM", Field: field, Message: fmt.Sprintf(msg, args...)})
			}
			cur, ok := found.Existing[it.ExternalID]
			identified := false
			if !ok {
				c, field, why := pickCandidate(found.Candidates[it.ExternalID], it, source, claimed)
				if why != "" {
					refuse(field, "%s", why)
					continue
				}
				if c != nil {
					cur, ok, identified = *c, true, true
					claimed[c.ID] = r + 1
				}
			}
			if ok && cur.Status == StatusRetired {
				refuse("externalId", "CI %s (%s) is retired; a feed cannot bring it back", cur.ID, cur.Name)
				continue
			}
			base := cur
			if !ok {
				base = CI{ID: newIDs[2*i], Status: StatusActive, Environment: EnvProduction, Criticality: CriticalityMedium,
					Source: source, ExternalID: it.ExternalID, Version: 1, CreatedAt: now, CreatedBy: actor, UpdatedAt: now}
			}
			want, err := reported(base, it)
			if err != nil {
				rep.Errors = append(rep.Errors, importErr(r+1, "ITEM", err))
				continue
			}
			if !ok {
				plan.Creates = append(plan.Creates, want)
				rep.Created++
				continue
			}
			next, held := rules.reconcileInto(cur, want, it.givenFields(), source)
			for _, h := range held {
				h.Row = r + 1
				rep.Held = append(rep.Held, h)
			}
			if err := CheckTransition(cur.Status, next.Status); err != nil {
				rep.Errors = append(rep.Errors, importErr(r+1, "ITEM", err))
				continue
			}
			if identified {
				next.Identities = append(slices.Clone(cur.Identities), SourceKey{Source: source, ExternalID: it.ExternalID})
				plan.Links = append(plan.Links, SourceLink{Key: SourceKey{Source: source, ExternalID: it.ExternalID}, CIID: cur.ID})
				rep.Identified++
			}
			changes := diff(cur, next)
			if identified {
				changes = append(changes, FieldChange{Field: "identities", Before: jsonText(identityList(cur.Identities)), After: jsonText(identityList(next.Identities))})
			}
			if len(changes) == 0 {
				rep.Unchanged++
				if !maps.Equal(cur.FieldSources, next.FieldSources) {
					plan.Updates = append(plan.Updates, ImportWrite{CI: next})
				}
				continue
			}
			next.Version, next.UpdatedAt = cur.Version+1, now
			plan.Updates = append(plan.Updates, ImportWrite{CI: next, Entry: &HistoryEntry{ID: newIDs[2*i+1], At: now, Actor: actor, Action: ActionUpdated, Changes: changes, Feed: source}})
			rep.Updated++
		}
		return plan, nil
	})
	return rep, err
}

// reported is base with a row's fields applied: the CI as the row
// describes it.
func reported(base CI, it ImportItem) (CI, error) {
	next := base
	next.Name, next.Type = it.Name, it.Type
	patch.Set(&next.Status, it.Status)
	patch.Set(&next.Environment, it.Environment)
	patch.Set(&next.Criticality, it.Criticality)
	patch.Set(&next.Description, it.Description)
	patch.Set(&next.Location, it.Location)
	patch.Set(&next.MinimumUp, it.MinimumUp)
	patch.Set(&next.OwnerGroupID, it.OwnerGroupID)
	attrs, err := applyAttributes(base.Attributes, it.Attributes, true)
	next.Attributes = attrs
	return next, err
}

// pickCandidate chooses the CI a row's identifier matched: none, exactly
// one, or a refusal when it is ambiguous, already taken by another row of
// the import, or contradicted by a stronger identifier.
func pickCandidate(cands Candidates, it ImportItem, source string, claimed map[string]int) (c *CI, field, why string) {
	var fit []CI
	for _, c := range cands.CIs {
		if _, reported := c.reportedBy(source); !reported && !contradicts(c, it, cands.By.Attribute) {
			fit = append(fit, c)
		}
	}
	field = "attributes." + cands.By.Attribute
	switch {
	case len(fit) == 0:
		return nil, "", ""
	case len(fit) > 1:
		ids := make([]string, len(fit))
		for i, c := range fit {
			ids[i] = fmt.Sprintf("%s (%s, source %q)", c.ID, c.Name, c.Source)
		}
		return nil, field, fmt.Sprintf("%s %q identifies %d CIs: %s; correct the duplicates before this row can land", cands.By.Attribute, cands.By.Value, len(fit), strings.Join(ids, ", "))
	}
	if row, taken := claimed[fit[0].ID]; taken {
		return nil, field, fmt.Sprintf("%s %q identifies CI %s (%s), which row %d of this import already reports", cands.By.Attribute, cands.By.Value, fit[0].ID, fit[0].Name, row)
	}
	return &fit[0], "", ""
}

// contradicts says whether c has a different value than the row for an
// identifier stronger than by: a host that shares a hostname but not a
// serial number is another machine.
func contradicts(c CI, it ImportItem, by string) bool {
	for _, id := range it.identifiers() {
		if id.Attribute == by {
			return false
		}
		if v, ok := c.Attributes[id.Attribute]; ok && v != id.Value {
			return true
		}
	}
	return false
}

// identityList renders identities for history, "source/externalId" each.
func identityList(ks []SourceKey) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Source + "/" + k.ExternalID
	}
	return out
}

// relKey identifies a relationship by its ends and type.
type relKey struct{ source, typ, target string }

// reconcile lists (MissingReport) or removes (MissingRemove) the
// relationships the source's feeds made that this import did not report.
// Removal goes through Unrelate, one relationship at a time, so that each
// leaves the history and impact edges as a person's removal would.
func (s *Service) reconcile(ctx context.Context, store Importer, actor, source string, policy MissingPolicy, seen map[relKey]bool, rep *ImportReport) error {
	owned, err := store.FeedRelationships(ctx, source)
	if err != nil {
		return err
	}
	var ends []string
	for _, r := range owned {
		if !seen[relKey{r.Source.ID, r.Type, r.Target.ID}] {
			rep.RelationshipsNotSeen = append(rep.RelationshipsNotSeen, r)
			ends = append(ends, r.Source.ID, r.Target.ID)
		}
	}
	if len(ends) == 0 {
		return nil
	}
	cis, err := s.store.GetCIs(ctx, ends)
	if err != nil {
		return err
	}
	byID := make(map[string]CI, len(cis))
	for _, c := range cis {
		byID[c.ID] = c
	}
	for i, r := range rep.RelationshipsNotSeen {
		r.Source, r.Target = byID[r.Source.ID], byID[r.Target.ID]
		rep.RelationshipsNotSeen[i] = r
		if policy != MissingRemove {
			continue
		}
		entryID, now := s.newID(HistoryPrefix), s.now().UTC()
		entry := func(src, tgt CI) HistoryEntry {
			return HistoryEntry{ID: entryID, At: now, Actor: actor, Action: ActionRelationshipRemoved, Feed: source,
				Changes: []FieldChange{{Field: "relationship", Before: relText(src, r.Type, tgt, "feed", source)}}}
		}
		switch _, err := s.store.Unrelate(ctx, r.Source.ID, r.Type, r.Target.ID, entry); {
		case apperr.Is(err, apperr.NotFound): // removed meanwhile
		case err != nil:
			return err
		default:
			rep.RelationshipsRemoved++
		}
	}
	return nil
}

func (s *Service) importRelBatch(ctx context.Context, store Importer, actor, source string, rels []ImportRelationship, offset int, seen map[relKey]bool) (created, planned int, errs []ImportError, err error) {
	now := s.now().UTC()
	keys, ids := map[SourceKey]bool{}, map[string]bool{}
	for _, r := range rels {
		src, tgt, err := r.ends(source)
		if err != nil {
			continue // reported when planned
		}
		for _, e := range []end{src, tgt} {
			if e.id != "" {
				ids[e.id] = true
			} else {
				keys[e.key] = true
			}
		}
	}
	relIDs := make([]string, len(rels))
	for i := range rels {
		relIDs[i] = s.newID(RelationshipPrefix)
	}
	ends := RelEnds{Keys: slices.SortedFunc(maps.Keys(keys), func(a, b SourceKey) int {
		return cmp.Or(strings.Compare(a.Source, b.Source), strings.Compare(a.ExternalID, b.ExternalID))
	}), IDs: slices.Sorted(maps.Keys(ids))}
	created, err = store.ImportRelationships(ctx, ends, func(found FoundEnds) ([]RelWrite, error) {
		planned, errs = 0, nil
		var writes []RelWrite
		var keys []relKey
		for i, r := range rels {
			row := offset + i + 1
			refuse := func(field, msg string) {
				errs = append(errs, ImportError{Row: row, Kind: "RELATIONSHIP", Field: field, Message: msg})
			}
			rt, ok := LookupRelType(r.Type)
			if !ok || rt.CatalogOnly {
				refuse("type", fmt.Sprintf("unknown relationship type %q between CIs", r.Type))
				continue
			}
			se, te, err := r.ends(source)
			if err != nil {
				errs = append(errs, importErr(row, "RELATIONSHIP", err))
				continue
			}
			src, why := found.find(se)
			if why != "" {
				refuse(se.field, why)
				continue
			}
			tgt, why := found.find(te)
			switch {
			case why != "":
				refuse(te.field, why)
				continue
			case src.ID == tgt.ID:
				refuse(te.field, "a CI cannot be related to itself")
				continue
			case rt.Name == MemberOf && tgt.MinimumUp == 0:
				refuse(te.field, fmt.Sprintf("CI %s (%s) is not a redundancy group (it has no redundancyMinimumUp)", tgt.ID, tgt.Name))
				continue
			}
			planned++
			keys = append(keys, relKey{src.ID, rt.Name, tgt.ID})
			writes = append(writes, RelWrite{
				Rel: Relationship{ID: relIDs[i], Type: rt.Name, Source: src, Target: tgt, CreatedAt: now, CreatedBy: actor, Feed: source},
			})
		}
		for _, k := range keys {
			seen[k] = true
		}
		return writes, nil
	})
	return created, planned, errs, err
}

// CheckFeed checks a self-contained feed without a database: every item by
// the import rules, and every relationship against the items of the same
// feed. It returns the rows an import of the feed into an empty source
// would refuse.
func CheckFeed(items []ImportItem, rels []ImportRelationship) []ImportError {
	var errs []ImportError
	byExt := make(map[string]ImportItem, len(items))
	for i, it := range items {
		if err := checkImportItem(it); err != nil {
			errs = append(errs, importErr(i+1, "ITEM", err))
			continue
		}
		if _, dup := byExt[it.ExternalID]; dup {
			errs = append(errs, ImportError{Row: i + 1, Kind: "ITEM", Field: "externalId", Message: fmt.Sprintf("externalId %q appears more than once in this import", it.ExternalID)})
			continue
		}
		byExt[it.ExternalID] = it
	}
	for i, r := range rels {
		row := ImportError{Row: i + 1, Kind: "RELATIONSHIP"}
		rt, ok := LookupRelType(r.Type)
		se, te, err := r.ends("")
		if err == nil && (se.id != "" || se.key.Source != "" || te.id != "" || te.key.Source != "") {
			continue // an end outside the feed: only an import can tell
		}
		src, sok := byExt[r.SourceExternalID]
		tgt, tok := byExt[r.TargetExternalID]
		switch {
		case err != nil:
			e := importErr(i+1, "RELATIONSHIP", err)
			row.Field, row.Message = e.Field, e.Message
		case !ok || rt.CatalogOnly:
			row.Field, row.Message = "type", fmt.Sprintf("unknown relationship type %q between CIs", r.Type)
		case !sok:
			row.Field, row.Message = "sourceExternalId", fmt.Sprintf("%q is not an item of this feed", r.SourceExternalID)
		case !tok:
			row.Field, row.Message = "targetExternalId", fmt.Sprintf("%q is not an item of this feed", r.TargetExternalID)
		case src.ExternalID == tgt.ExternalID:
			row.Field, row.Message = "targetExternalId", "a CI cannot be related to itself"
		case rt.Name == MemberOf && tgt.MinimumUp == nil:
			row.Field, row.Message = "targetExternalId", fmt.Sprintf("%q is not a redundancy group (it has no redundancyMinimumUp)", r.TargetExternalID)
		default:
			continue
		}
		errs = append(errs, row)
	}
	return errs
}
