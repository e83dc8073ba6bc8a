package neo4j

import (
	"context"
	"strings"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
)

// ciFilter is the WHERE clause shared by the list and count statements;
// absent filters are passed as null and match everything.
const ciFilter = `
WHERE c.status IN $statuses
  AND ($types IS NULL OR c.type IN $types)
  AND ($environments IS NULL OR c.environment IN $environments)
  AND ($criticalities IS NULL OR c.criticality IN $criticalities)
  AND ($ownerGroupId IS NULL OR c.ownerGroupId = $ownerGroupId)
  AND ($source IS NULL OR c.source = $source)
  AND ($nameContains IS NULL OR toLower(c.name) CONTAINS $nameContains)
  AND ($attrKey IS NULL OR c[$attrKey] = $attrValue)`

const countCIs = `MATCH (c:CI)` + ciFilter + `
RETURN count(c) AS total`

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

func listStatement(prop string, desc bool) string {
	op, dir := ">", "ASC"
	if desc {
		op, dir = "<", "DESC"
	}
	return strings.NewReplacer("$$P", prop, "$$OP", op, "$$DIR", dir).Replace(`MATCH (c:CI)` + ciFilter + `
  AND ($afterId IS NULL OR c.$$P $$OP $afterValue OR (c.$$P = $afterValue AND c.id $$OP $afterId))
RETURN properties(c) AS n
ORDER BY c.$$P $$DIR, c.id $$DIR
LIMIT $limit`)
}

// nullList is a filter's list of values, or null when the filter is not
// given.
func nullList[T ~string](v []T) any {
	if len(v) == 0 {
		return nil
	}
	return texts(v)
}

// texts is a list of string-typed values as a parameter.
func texts[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(x)
	}
	return out
}

// ListCIs implements cmdb.Store.
func (m *CMDB) ListCIs(ctx context.Context, f cmdb.Filter, o cmdb.Order, p paging.Request) (paging.Page[cmdb.CI], error) {
	ord, ok := ciOrders()[o.Field]
	if !ok {
		return paging.Page[cmdb.CI]{}, apperr.Invalid("orderBy.field", "unknown field %q", o.Field)
	}
	sortName := string(o.Field) + map[bool]string{false: ":asc", true: ":desc"}[o.Desc]
	if ord.isTime {
		sortName += timeSortSuffix
	}
	params := map[string]any{
		"statuses":      nullList(f.Statuses),
		"types":         nullList(f.Types),
		"environments":  nullList(f.Environments),
		"criticalities": nullList(f.Criticalities),
		"ownerGroupId":  nullable(f.OwnerGroupID),
		"source":        nullable(f.Source),
		"nameContains":  nullable(strings.ToLower(f.NameContains)),
		"attrKey":       nil,
		"attrValue":     nil,
	}
	if f.AttrKey != "" {
		params["attrKey"], params["attrValue"] = attrPrefix+f.AttrKey, f.AttrValue
	}
	key := func(c cmdb.CI) (any, string) {
		switch ord.property {
		case "createdAt":
			return c.CreatedAt, c.ID
		case "updatedAt":
			return c.UpdatedAt, c.ID
		}
		return c.Name, c.ID
	}
	return listPage(ctx, m.s, listStatement(ord.property, o.Desc), countCIs, sortName, params, p, infallible(ciFromProps), key)
}
