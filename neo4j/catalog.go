package neo4j

import (
	"context"
	"slices"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// Catalog implements catalog.Store.
type Catalog struct{ s *Store }

// Catalog returns the service catalogue part of the store.
func (s *Store) Catalog() *Catalog { return &Catalog{s: s} }

var _ catalog.Store = (*Catalog)(nil)

// catalogMigrations are the constraints and indexes of services, business
// units and business processes.
func catalogMigrations() []string {
	return []string{
		"CREATE CONSTRAINT service_id IF NOT EXISTS FOR (s:Service) REQUIRE s.id IS UNIQUE",
		"CREATE INDEX service_name IF NOT EXISTS FOR (s:Service) ON (s.name)",
		// Orders by time (orderBy) of the catalogue lists.
		"CREATE INDEX service_created_at IF NOT EXISTS FOR (s:Service) ON (s.createdAt)",
		"CREATE INDEX service_updated_at IF NOT EXISTS FOR (s:Service) ON (s.updatedAt)",
		"CREATE INDEX unit_created_at IF NOT EXISTS FOR (u:BusinessUnit) ON (u.createdAt)",
		"CREATE INDEX process_created_at IF NOT EXISTS FOR (p:BusinessProcess) ON (p.createdAt)",
		"CREATE TEXT INDEX service_name_lower IF NOT EXISTS FOR (s:Service) ON (s.nameLower)",
		"CREATE CONSTRAINT business_unit_id IF NOT EXISTS FOR (u:BusinessUnit) REQUIRE u.id IS UNIQUE",
		"CREATE CONSTRAINT business_process_id IF NOT EXISTS FOR (p:BusinessProcess) REQUIRE p.id IS UNIQUE",
		// Business units and processes are listed by name.
		"CREATE INDEX business_unit_name IF NOT EXISTS FOR (u:BusinessUnit) ON (u.name)",
		"CREATE INDEX business_process_name IF NOT EXISTS FOR (p:BusinessProcess) ON (p.name)",
	}
}

// Labels of catalogue nodes, besides Item which every impact-graph node has.
const (
	labelService         = "Service"
	labelBusinessService = "BusinessService"
	labelTechService     = "TechnicalService"
	labelBusinessUnit    = "BusinessUnit"
	labelBusinessProcess = "BusinessProcess"
)

// kindOf tells an item's kind from its labels.
func kindOf(labels []string) catalog.Kind {
	switch {
	case slices.Contains(labels, "CI"):
		return catalog.KindCI
	case slices.Contains(labels, labelBusinessService):
		return catalog.KindBusinessService
	case slices.Contains(labels, labelTechService):
		return catalog.KindTechnicalService
	case slices.Contains(labels, labelBusinessUnit):
		return catalog.KindBusinessUnit
	case slices.Contains(labels, labelBusinessProcess):
		return catalog.KindBusinessProcess
	}
	return ""
}

func serviceToProps(s catalog.Service) map[string]any {
	return map[string]any{
		"id": s.ID, "name": s.Name, "nameLower": strings.ToLower(s.Name), "kind": string(s.Kind),
		"description": nullable(s.Description), "status": string(s.Status), "criticality": string(s.Criticality),
		"ownerGroupId": nullable(s.OwnerGroupID), "version": int64(s.Version), "createdAt": s.CreatedAt, "updatedAt": s.UpdatedAt,
	}
}

func serviceFromProps(p map[string]any) catalog.Service {
	return catalog.Service{
		ID: str(p, "id"), Kind: catalog.Kind(str(p, "kind")), Name: str(p, "name"), Description: str(p, "description"),
		Status: catalog.Status(str(p, "status")), Criticality: cmdb.Criticality(str(p, "criticality")),
		OwnerGroupID: str(p, "ownerGroupId"), Version: num(p, "version"), CreatedAt: tm(p, "createdAt"), UpdatedAt: tm(p, "updatedAt"),
	}
}

func unitFromProps(p map[string]any) catalog.Unit {
	return catalog.Unit{ID: str(p, "id"), Name: str(p, "name"), Description: str(p, "description"), CreatedAt: tm(p, "createdAt")}
}

func processFromProps(p map[string]any) catalog.Process {
	return catalog.Process{ID: str(p, "id"), Name: str(p, "name"), Description: str(p, "description"),
		Criticality: cmdb.Criticality(str(p, "criticality")), CreatedAt: tm(p, "createdAt")}
}

// itemFromProps decodes any impact-graph node by its kind.
func itemFromProps(kind catalog.Kind, p map[string]any) catalog.Item {
	switch kind {
	case catalog.KindCI:
		return ciFromProps(p)
	case catalog.KindBusinessService, catalog.KindTechnicalService:
		return serviceFromProps(p)
	case catalog.KindBusinessUnit:
		return unitFromProps(p)
	default:
		return processFromProps(p)
	}
}

const (
	createBusinessService  = `CREATE (s:Item:Service:BusinessService) SET s = $props`
	createTechnicalService = `CREATE (s:Item:Service:TechnicalService) SET s = $props`
)

// CreateService implements catalog.Store.
func (c *Catalog) CreateService(ctx context.Context, s catalog.Service, entry cmdb.HistoryEntry) (catalog.Service, error) {
	stmt := createTechnicalService
	if s.Kind == catalog.KindBusinessService {
		stmt = createBusinessService
	}
	return write(ctx, c.s, func(tx driver.ManagedTransaction) (catalog.Service, error) {
		if err := ensureGroup(ctx, tx, s.OwnerGroupID); err != nil {
			return catalog.Service{}, err
		}
		if _, err := collect(ctx, tx, stmt, map[string]any{"props": serviceToProps(s)}); err != nil {
			return catalog.Service{}, err
		}
		return s, recordEntry(ctx, tx, entry, s.ID)
	})
}

const (
	lockService = `
MATCH (s:Service {id: $id})
SET s._lock = true
REMOVE s._lock
RETURN properties(s) AS s`
	replaceService = `MATCH (s:Service {id: $id}) SET s = $props`
)

// UpdateService implements catalog.Store.
func (c *Catalog) UpdateService(ctx context.Context, id string, apply func(catalog.Service) (catalog.Service, *cmdb.HistoryEntry, error)) (catalog.Service, error) {
	return write(ctx, c.s, func(tx driver.ManagedTransaction) (catalog.Service, error) {
		recs, err := collect(ctx, tx, lockService, map[string]any{"id": id})
		if err != nil {
			return catalog.Service{}, err
		}
		if len(recs) == 0 {
			return catalog.Service{}, apperr.New(apperr.NotFound, "no service has id %q", id)
		}
		cur := serviceFromProps(props(recs[0], "s"))
		next, entry, err := apply(cur)
		if err != nil || entry == nil {
			return next, err
		}
		if next.OwnerGroupID != cur.OwnerGroupID {
			if err := ensureGroup(ctx, tx, next.OwnerGroupID); err != nil {
				return catalog.Service{}, err
			}
		}
		if _, err := collect(ctx, tx, replaceService, map[string]any{"id": id, "props": serviceToProps(next)}); err != nil {
			return catalog.Service{}, err
		}
		if err := recordEntry(ctx, tx, *entry, id); err != nil {
			return catalog.Service{}, err
		}
		if catalog.LeavesService(cur.Status, next.Status) {
			if err := isolate(ctx, tx, id); err != nil {
				return catalog.Service{}, err
			}
		}
		return next, nil
	})
}

const (
	servicesByID  = `MATCH (s:Service) WHERE s.id IN $ids RETURN properties(s) AS n`
	unitsByID     = `MATCH (u:BusinessUnit) WHERE u.id IN $ids RETURN properties(u) AS n`
	processesByID = `MATCH (p:BusinessProcess) WHERE p.id IN $ids RETURN properties(p) AS n`
)

func byIDs[T any](ctx context.Context, s *Store, stmt string, ids []string, decode func(map[string]any) T) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil // no round trip for nothing
	}
	return readAll(ctx, s, stmt, map[string]any{"ids": ids}, "n", infallible(decode))
}

// GetServices implements catalog.Store.
func (c *Catalog) GetServices(ctx context.Context, ids []string) ([]catalog.Service, error) {
	return byIDs(ctx, c.s, servicesByID, ids, serviceFromProps)
}

// GetUnits implements catalog.Store.
func (c *Catalog) GetUnits(ctx context.Context, ids []string) ([]catalog.Unit, error) {
	return byIDs(ctx, c.s, unitsByID, ids, unitFromProps)
}

// GetProcesses implements catalog.Store.
func (c *Catalog) GetProcesses(ctx context.Context, ids []string) ([]catalog.Process, error) {
	return byIDs(ctx, c.s, processesByID, ids, processFromProps)
}

// ListServices implements catalog.Store.
func (c *Catalog) ListServices(ctx context.Context, f catalog.Filter, p paging.Request) (paging.Page[catalog.Service], error) {
	return listBy(ctx, c.s, serviceList(f), p, infallible(serviceFromProps), func(s catalog.Service) (any, string) { return s.Name, s.ID })
}

// serviceList is the list of services f selects, by name.
func serviceList(f catalog.Filter) listSpec {
	where := newConditions()
	in(where, "s", "kind", "kinds", f.Kinds)
	in(where, "s", "status", "statuses", f.Statuses)
	if f.NameContains != "" {
		where.add("s.nameLower CONTAINS $nameContains", "nameContains", strings.ToLower(f.NameContains))
	}
	where.between("s", "createdAt", "created", f.Created)
	where.between("s", "updatedAt", "updated", f.Updated)
	return listSpec{match: "MATCH (s:Service)", v: "s", where: where, order: "name", sortName: "services"}
}

// unitList and processList list the business units and processes by name.
func unitList() listSpec {
	return listSpec{match: "MATCH (u:BusinessUnit)", v: "u", where: newConditions(), order: "name", sortName: "units"}
}

func processList() listSpec {
	return listSpec{match: "MATCH (p:BusinessProcess)", v: "p", where: newConditions(), order: "name", sortName: "processes"}
}

// ListUnits implements catalog.Store.
func (c *Catalog) ListUnits(ctx context.Context, p paging.Request) (paging.Page[catalog.Unit], error) {
	return listBy(ctx, c.s, unitList(), p, infallible(unitFromProps), func(u catalog.Unit) (any, string) { return u.Name, u.ID })
}

// ListProcesses implements catalog.Store.
func (c *Catalog) ListProcesses(ctx context.Context, p paging.Request) (paging.Page[catalog.Process], error) {
	return listBy(ctx, c.s, processList(), p, infallible(processFromProps), func(x catalog.Process) (any, string) { return x.Name, x.ID })
}

const (
	createUnit    = `CREATE (u:Item:BusinessUnit) SET u = $props`
	createProcess = `CREATE (p:Item:BusinessProcess) SET p = $props`
)

// CreateUnit implements catalog.Store.
func (c *Catalog) CreateUnit(ctx context.Context, u catalog.Unit, entry cmdb.HistoryEntry) (catalog.Unit, error) {
	err := createWithEntry(ctx, c.s, createUnit, map[string]any{
		"id": u.ID, "name": u.Name, "description": nullable(u.Description), "createdAt": u.CreatedAt}, entry)
	return u, err
}

// CreateProcess implements catalog.Store.
func (c *Catalog) CreateProcess(ctx context.Context, p catalog.Process, entry cmdb.HistoryEntry) (catalog.Process, error) {
	err := createWithEntry(ctx, c.s, createProcess, map[string]any{
		"id": p.ID, "name": p.Name, "description": nullable(p.Description), "criticality": string(p.Criticality), "createdAt": p.CreatedAt}, entry)
	return p, err
}

// createWithEntry creates a business unit or process with its CREATED entry.
func createWithEntry(ctx context.Context, s *Store, stmt string, props map[string]any, entry cmdb.HistoryEntry) error {
	_, err := write(ctx, s, func(tx driver.ManagedTransaction) (struct{}, error) {
		if _, err := collect(ctx, tx, stmt, map[string]any{"props": props}); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, recordEntry(ctx, tx, entry, props["id"].(string))
	})
	return err
}

const lockItem = `
MATCH (n:Item {id: $id})
SET n._lock = true
REMOVE n._lock
RETURN labels(n) AS labels, n.name AS name, n.status AS status`

func lockRef(ctx context.Context, tx driver.ManagedTransaction, id string) (catalog.Ref, error) {
	recs, err := collect(ctx, tx, lockItem, map[string]any{"id": id})
	if err != nil {
		return catalog.Ref{}, err
	}
	if len(recs) == 0 {
		return catalog.Ref{}, apperr.New(apperr.NotFound, "no service, business unit, business process or CI has id %q", id)
	}
	labels, _ := recs[0].Get("labels")
	name, _ := recs[0].Get("name")
	status, _ := recs[0].Get("status")
	n, _ := name.(string)
	s, _ := status.(string)
	kind := kindOf(strs(labels))
	return catalog.Ref{ID: id, Kind: kind, Name: n, Retired: catalog.ItemRetired(kind, s)}, nil
}

// lockRefs locks two items in id order, so that two transactions locking the
// same pair cannot deadlock.
func lockRefs(ctx context.Context, tx driver.ManagedTransaction, a, b string) (map[string]catalog.Ref, error) {
	ids := []string{a, b}
	slices.Sort(ids)
	refs := map[string]catalog.Ref{}
	for _, id := range ids {
		r, err := lockRef(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		refs[id] = r
	}
	return refs, nil
}

const mergeLink = `
MATCH (s:Item {id: $sourceId}), (t:Item {id: $targetId})
MERGE (s)-[r:$$TYPE]->(t)
ON CREATE SET r.id = $id, r.createdAt = $createdAt, r.createdBy = $createdBy
RETURN r.id = $id AS created, r.id AS relId`

// Link implements catalog.Store.
func (c *Catalog) Link(ctx context.Context, sourceID, typ, targetID, relID string, at time.Time, actor string, check func(src, tgt catalog.Ref) (cmdb.HistoryEntry, error)) (bool, error) {
	return write(ctx, c.s, func(tx driver.ManagedTransaction) (bool, error) {
		refs, err := lockRefs(ctx, tx, sourceID, targetID)
		if err != nil {
			return false, err
		}
		entry, err := check(refs[sourceID], refs[targetID])
		if err != nil {
			return false, err
		}
		recs, err := collect(ctx, tx, relStatement(mergeLink, typ), map[string]any{
			"sourceId": sourceID, "targetId": targetID, "id": relID, "createdAt": at, "createdBy": actor})
		if err != nil {
			return false, err
		}
		if created, _ := recs[0].Get("created"); created != true {
			return false, nil
		}
		if err := addImpactEdges(ctx, tx, typ, relID, sourceID, targetID); err != nil {
			return false, err
		}
		return true, recordEntry(ctx, tx, entry, sourceID, targetID)
	})
}

const deleteLink = `
MATCH (:Item {id: $sourceId})-[r:$$TYPE]->(:Item {id: $targetId})
WITH r, r.id AS id
DELETE r
RETURN id`

// Unlink implements catalog.Store.
func (c *Catalog) Unlink(ctx context.Context, sourceID, typ, targetID string, check func(src, tgt catalog.Ref) (cmdb.HistoryEntry, error)) error {
	_, err := write(ctx, c.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		refs, err := lockRefs(ctx, tx, sourceID, targetID)
		if err != nil {
			return struct{}{}, err
		}
		entry, err := check(refs[sourceID], refs[targetID])
		if err != nil {
			return struct{}{}, err
		}
		recs, err := collect(ctx, tx, relStatement(deleteLink, typ), map[string]any{"sourceId": sourceID, "targetId": targetID})
		if err != nil {
			return struct{}{}, err
		}
		if len(recs) == 0 {
			return struct{}{}, apperr.New(apperr.NotFound, "there is no %s link from %q to %q", typ, sourceID, targetID)
		}
		id, _ := recs[0].Get("id")
		relID, _ := id.(string)
		if err := removeImpactEdgesOf(ctx, tx, relID, sourceID, targetID); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, recordEntry(ctx, tx, entry, sourceID, targetID)
	})
	return err
}

const (
	linkedOut = `
UNWIND $ids AS id
MATCH (:Item {id: id})-[:$$TYPE]->(m:Item)
WITH id, m ORDER BY m.name, m.id
RETURN id, collect([labels(m), properties(m)]) AS items`
	linkedIn = `
UNWIND $ids AS id
MATCH (:Item {id: id})<-[:$$TYPE]-(m:Item)
WITH id, m ORDER BY m.name, m.id
RETURN id, collect([labels(m), properties(m)]) AS items`
)

// Linked implements catalog.Store.
func (c *Catalog) Linked(ctx context.Context, ids []string, typ string, reverse bool) (map[string][]catalog.Item, error) {
	stmt := linkedOut
	if reverse {
		stmt = linkedIn
	}
	stmt = relStatement(stmt, typ)
	return read(ctx, c.s, func(tx driver.ManagedTransaction) (map[string][]catalog.Item, error) {
		recs, err := collect(ctx, tx, stmt, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		out := make(map[string][]catalog.Item, len(recs))
		for _, r := range recs {
			id, _ := r.Get("id")
			v, _ := r.Get("items")
			list, _ := v.([]any)
			for _, pair := range list {
				lp, _ := pair.([]any)
				if len(lp) != 2 {
					continue
				}
				p, _ := lp[1].(map[string]any)
				out[id.(string)] = append(out[id.(string)], itemFromProps(kindOf(strs(lp[0])), p))
			}
		}
		return out, nil
	})
}
