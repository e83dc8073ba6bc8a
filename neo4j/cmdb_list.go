package neo4j

import (
	"context"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

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
  AND ($nameContains IS NULL OR c.nameLower CONTAINS $nameContains)
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
RETURN properties(c) AS c
ORDER BY c.$$P $$DIR, c.id $$DIR
LIMIT $limit`)
}

func nullList[T ~string](v []T) any {
	if len(v) == 0 {
		return nil
	}
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
		"afterId":       nil,
		"afterValue":    nil,
		"limit":         int64(p.First + 1),
	}
	if f.AttrKey != "" {
		params["attrKey"], params["attrValue"] = attrPrefix+f.AttrKey, f.AttrValue
	}
	if p.After != "" {
		k, err := paging.Decode(p.After, sortName)
		if err != nil {
			return paging.Page[cmdb.CI]{}, err
		}
		params["afterId"], params["afterValue"] = k.ID, k.Value
		if ord.isTime {
			t, err := keysetTime(k)
			if err != nil {
				return paging.Page[cmdb.CI]{}, err
			}
			params["afterValue"] = t
		}
	}
	stmt := listStatement(ord.property, o.Desc)
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (paging.Page[cmdb.CI], error) {
		page := paging.Page[cmdb.CI]{HasPrevious: p.After != ""}
		recs, err := collect(ctx, tx, stmt, params)
		if err != nil {
			return page, err
		}
		for _, r := range recs {
			if len(page.Items) == p.First {
				page.HasNext = true
				break
			}
			c := ciFromProps(props(r, "c"))
			var v any = c.Name
			switch ord.property {
			case "createdAt":
				v = c.CreatedAt.Format(time.RFC3339Nano)
			case "updatedAt":
				v = c.UpdatedAt.Format(time.RFC3339Nano)
			}
			page.Items = append(page.Items, c)
			page.Cursors = append(page.Cursors, paging.Encode(paging.Keyset{Value: v, ID: c.ID, Sort: sortName}))
		}
		cnt, err := collect(ctx, tx, countCIs, params)
		if err != nil {
			return page, err
		}
		total, _ := cnt[0].Get("total")
		page.Total = int(total.(int64))
		return page, nil
	})
}
