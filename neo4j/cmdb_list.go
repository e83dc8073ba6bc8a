package neo4j

import (
	"context"
	"slices"
	"strings"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// ciOrder maps each sortable field to its property and to the statements
// that page through it, one per direction: property names come from here,
// never from input.
type ciOrder struct {
	property string
	isTime   bool
}

func ciOrders() map[cmdb.OrderField]ciOrder {
	return map[cmdb.OrderField]ciOrder{
		cmdb.OrderByName:      {property: "name"},
		cmdb.OrderByCreatedAt: {property: "createdAt", isTime: true},
		cmdb.OrderByUpdatedAt: {property: "updatedAt", isTime: true},
	}
}

func nullList[T ~string](v []T) any {
	if len(v) == 0 {
		return nil
	}
	return stringList(v)
}

// texts is a list of string-typed values as a parameter.
func texts[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(x)
	}
	return out
}

// enumsOf reads a stored list back as string-typed values.
func enumsOf[T ~string](v []string) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// ListCIs implements cmdb.Store.
func (m *CMDB) ListCIs(ctx context.Context, f cmdb.Filter, o cmdb.Order, p paging.Request) (paging.Page[cmdb.CI], error) {
	list, err := ciList(f, o)
	if err != nil {
		return paging.Page[cmdb.CI]{}, err
	}
	key := func(c cmdb.CI) (any, string) {
		switch list.order {
		case "createdAt":
			return c.CreatedAt, c.ID
		case "updatedAt":
			return c.UpdatedAt, c.ID
		}
		return c.Name, c.ID
	}
	return listBy(ctx, m.s, list, p, infallible(ciFromProps), key)
}

// statusCount counts the CIs of every type whose status is one of
// statuses from ci_type_status alone, one seek per (type, status) pair.
// When they are most statuses (a default list shows every one but
// RETIRED), it counts the others instead, less every CI from the count
// store: the listed statuses hold nearly every CI. It relies on every CI
// having one of cmdb.Types, which every write checks.
func statusCount(where *conditions, statuses []cmdb.Status) string {
	var others []cmdb.Status
	for _, st := range cmdb.Statuses() {
		if !slices.Contains(statuses, st) {
			others = append(others, st)
		}
	}
	if len(others) == 0 {
		return "MATCH (c:CI) RETURN count(c) AS total"
	}
	const seek = "MATCH (c:CI) USING INDEX c:CI(type, status) WHERE c.type IN $allTypes AND c.status IN $countStatuses"
	where.params["allTypes"] = stringList(cmdb.Types())
	if len(others) >= len(statuses) {
		where.params["countStatuses"] = stringList(statuses)
		return seek + "\nRETURN count(c) AS total"
	}
	where.params["countStatuses"] = stringList(others)
	return "CALL () { MATCH (c:CI) RETURN count(c) AS everything }\nCALL () {\n  " + seek +
		"\n  RETURN count(c) AS others\n}\nRETURN everything - others AS total"
}

// ciList is the list of CIs the filter and order ask for.
func ciList(f cmdb.Filter, o cmdb.Order) (listSpec, error) {
	ord, ok := ciOrders()[o.Field]
	if !ok {
		return listSpec{}, apperr.Invalid("orderBy.field", "unknown field %q", o.Field)
	}
	sortName := string(o.Field) + map[bool]string{false: ":asc", true: ":desc"}[o.Desc]
	if ord.isTime {
		sortName += timeSortSuffix
	}
	where := newConditions()
	in(where, "c", "status", "statuses", f.Statuses)
	// Each type is listed in its own branch: once.
	f.Types = slices.Compact(slices.Sorted(slices.Values(f.Types)))
	in(where, "c", "type", "types", f.Types)
	in(where, "c", "environment", "environments", f.Environments)
	in(where, "c", "criticality", "criticalities", f.Criticalities)
	where.equal("c", "ownerGroupId", "ownerGroupId", f.OwnerGroupID)
	where.equal("c", "source", "source", f.Source)
	if f.NameContains != "" {
		where.add("toLower(c.name) CONTAINS $nameContains", "nameContains", strings.ToLower(f.NameContains))
	}
	if f.AttrKey != "" {
		where.add("c[$attrKey] = $attrValue", "attrKey", attrPrefix+f.AttrKey, "attrValue", f.AttrValue)
	}
	where.between("c", "createdAt", "created", f.Created)
	where.between("c", "updatedAt", "updated", f.Updated)
	l := listSpec{match: "MATCH (c:CI)", v: "c", where: where, order: ord.property, desc: o.Desc, sortName: sortName}
	if len(f.Statuses) > 0 && len(where.terms) == 1 {
		l.countStatement = statusCount(where, f.Statuses)
	}
	if len(f.Types) > 0 && len(f.Statuses) > 0 {
		l.countIndex = "c:CI(type, status)"
	}
	// A list of some types reads each type in order from ci_type_name,
	// ci_type_created_at or ci_type_updated_at, a page per type at most. So
	// does a list of every type by time: every type then lists every CI
	// (each has one of cmdb.Types; every write checks), and indexes on
	// createdAt and updatedAt alone would cost each CI write for lists
	// these serve. By name, ci_name serves the default list in one read.
	types := f.Types
	if len(types) == 0 && ord.isTime {
		types = cmdb.Types()
		in(where, "c", "type", "types", types)
	}
	if len(types) > 0 {
		l.perValue = &inFilter{prop: "type", param: "types", n: len(types)}
	}
	return l, nil
}
