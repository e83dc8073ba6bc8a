package neo4j

import (
	"context"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
)

func templateToProps(t change.Template) map[string]any {
	return map[string]any{"id": t.ID, "name": t.Name, "description": nullable(t.Description),
		"implementationPlan": t.ImplementationPlan, "backoutPlan": t.BackoutPlan, "testPlan": nullable(t.TestPlan),
		"ciTypes": texts(t.CITypes), "serviceIds": list(t.ServiceIDs), "maxRisk": string(t.MaxRisk),
		"createdBy": t.CreatedBy, "createdAt": t.CreatedAt}
}

func templateFromProps(p map[string]any) change.Template {
	return change.Template{ID: str(p, "id"), Name: str(p, "name"), Description: str(p, "description"),
		ImplementationPlan: str(p, "implementationPlan"), BackoutPlan: str(p, "backoutPlan"), TestPlan: str(p, "testPlan"),
		CITypes: enumsOf[cmdb.Type](strs(p["ciTypes"])), ServiceIDs: strs(p["serviceIds"]), MaxRisk: change.Level(str(p, "maxRisk")),
		CreatedBy: str(p, "createdBy"), CreatedAt: tm(p, "createdAt")}
}

const (
	createTemplate = `
WITH [id IN $props.serviceIds WHERE NOT EXISTS { MATCH (:Service:Item {id: id}) }] AS missing
CALL (missing) {
  WITH missing WHERE size(missing) = 0
  CREATE (t:ChangeTemplate) SET t = $props
}
RETURN missing`
	templatesByID   = `MATCH (t:ChangeTemplate) WHERE t.id IN $ids RETURN properties(t) AS t`
	listAllTemplate = `MATCH (t:ChangeTemplate) RETURN properties(t) AS t ORDER BY t.name, t.id LIMIT 1000`
)

// CreateTemplate implements change.Store.
func (cs *Changes) CreateTemplate(ctx context.Context, t change.Template) (change.Template, error) {
	_, err := write(ctx, cs.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		recs, err := collect(ctx, tx, createTemplate, map[string]any{"props": templateToProps(t)})
		if err != nil {
			return struct{}{}, err
		}
		if v, _ := recs[0].Get("missing"); len(strs(v)) > 0 {
			return struct{}{}, apperr.New(apperr.NotFound, "serviceIds: no service has id %q", strs(v)[0])
		}
		return struct{}{}, nil
	})
	return t, err
}

// Templates implements change.Store.
func (cs *Changes) Templates(ctx context.Context, ids []string) (map[string]change.Template, error) {
	list, err := readAll(ctx, cs.s, templatesByID, map[string]any{"ids": ids}, "t", infallible(templateFromProps))
	return byID(list, func(t change.Template) string { return t.ID }), err
}

// ListTemplates implements change.Store.
func (cs *Changes) ListTemplates(ctx context.Context) ([]change.Template, error) {
	return readAll(ctx, cs.s, listAllTemplate, map[string]any{}, "t", infallible(templateFromProps))
}

func freezeToProps(f change.FreezeWindow) map[string]any {
	return map[string]any{"id": f.ID, "name": f.Name, "reason": nullable(f.Reason), "start": f.Start, "end": f.End,
		"serviceIds": f.ServiceIDs, "createdBy": f.CreatedBy, "createdAt": f.CreatedAt}
}

func freezeFromProps(p map[string]any) change.FreezeWindow {
	return change.FreezeWindow{ID: str(p, "id"), Name: str(p, "name"), Reason: str(p, "reason"), Start: tm(p, "start"),
		End: tm(p, "end"), ServiceIDs: strs(p["serviceIds"]), CreatedBy: str(p, "createdBy"), CreatedAt: tm(p, "createdAt")}
}

const (
	checkFreezeServices = `
UNWIND $ids AS sid
OPTIONAL MATCH (s:Service {id: sid})
WITH sid, s WHERE s IS NULL
RETURN sid LIMIT 1`
	createFreeze  = `CREATE (f:FreezeWindow) SET f = $props`
	deleteFreeze  = `MATCH (f:FreezeWindow {id: $id}) DELETE f RETURN count(*) AS n`
	freezesByID   = `MATCH (f:FreezeWindow) WHERE f.id IN $ids RETURN properties(f) AS f`
	freezesInSpan = `
MATCH (f:FreezeWindow)
WHERE f.start < $end AND f.end > $start
RETURN properties(f) AS f
ORDER BY f.start, f.id
LIMIT 1000`
)

// CreateFreeze implements change.Store; NOT_FOUND for an unknown service.
func (cs *Changes) CreateFreeze(ctx context.Context, f change.FreezeWindow) (change.FreezeWindow, error) {
	return write(ctx, cs.s, func(tx driver.ManagedTransaction) (change.FreezeWindow, error) {
		recs, err := collect(ctx, tx, checkFreezeServices, map[string]any{"ids": f.ServiceIDs})
		if err != nil {
			return change.FreezeWindow{}, err
		}
		if len(recs) > 0 {
			id, _ := recs[0].Get("sid")
			return change.FreezeWindow{}, apperr.New(apperr.NotFound, "serviceIds: no service has id %q", id)
		}
		_, err = collect(ctx, tx, createFreeze, map[string]any{"props": freezeToProps(f)})
		return f, err
	})
}

// DeleteFreeze implements change.Store.
func (cs *Changes) DeleteFreeze(ctx context.Context, id string) error {
	_, err := write(ctx, cs.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		recs, err := collect(ctx, tx, deleteFreeze, map[string]any{"id": id})
		if err != nil {
			return struct{}{}, err
		}
		if n, _ := recs[0].Get("n"); n == int64(0) {
			return struct{}{}, apperr.New(apperr.NotFound, "no freeze window has id %q", id)
		}
		return struct{}{}, nil
	})
	return err
}

// FreezesIn implements change.Store.
func (cs *Changes) FreezesIn(ctx context.Context, w change.Window) ([]change.FreezeWindow, error) {
	return readAll(ctx, cs.s, freezesInSpan, map[string]any{"start": w.Start, "end": w.End}, "f", infallible(freezeFromProps))
}

// Freezes implements change.Store.
func (cs *Changes) Freezes(ctx context.Context, ids []string) (map[string]change.FreezeWindow, error) {
	list, err := readAll(ctx, cs.s, freezesByID, map[string]any{"ids": ids}, "f", infallible(freezeFromProps))
	return byID(list, func(f change.FreezeWindow) string { return f.ID }), err
}
