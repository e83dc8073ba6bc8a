package neo4j

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/paging"
)

// listPage runs a keyset-paged list statement and, unless the request
// skips the total, its count in one read transaction. The list statement
// takes $afterValue/$afterId (null on the first page) and $limit, orders by (value, id) and returns nodes as "n";
// params holds its filters, shared with the count statement, which returns
// "total". decode reads one node (see infallible for decoders that cannot
// fail); key gives an item's sort value and id for its cursor; times go
// into cursors as RFC 3339 text and come back as times.
func listPage[T any](ctx context.Context, s *Store, list, count, sortName string, params map[string]any, p paging.Request,
	decode func(map[string]any) (T, error), key func(T) (value any, id string)) (paging.Page[T], error) {
	params["afterId"], params["afterValue"], params["limit"] = nil, nil, int64(p.First+1)
	if p.After != "" {
		k, err := paging.Decode(p.After, sortName)
		if err != nil {
			return paging.Page[T]{}, err
		}
		params["afterId"], params["afterValue"] = k.ID, k.Value
		if strings.HasSuffix(sortName, timeSortSuffix) {
			if params["afterValue"], err = keysetTime(k); err != nil {
				return paging.Page[T]{}, err
			}
		}
	}
	return read(ctx, s, func(tx driver.ManagedTransaction) (paging.Page[T], error) {
		page := paging.Page[T]{HasPrevious: p.After != ""}
		recs, err := collect(ctx, tx, list, params)
		if err != nil {
			return page, err
		}
		for _, r := range recs {
			if len(page.Items) == p.First {
				page.HasNext = true
				break
			}
			item, err := decode(props(r, "n"))
			if err != nil {
				return page, err
			}
			v, id := key(item)
			if t, ok := v.(time.Time); ok {
				v = t.Format(time.RFC3339Nano)
			}
			page.Items = append(page.Items, item)
			page.Cursors = append(page.Cursors, paging.Encode(paging.Keyset{Value: v, ID: id, Sort: sortName}))
		}
		if p.SkipTotal {
			return page, nil
		}
		cnt, err := collect(ctx, tx, count, params)
		if err != nil {
			return page, err
		}
		total, _ := cnt[0].Get("total")
		page.Total = int(total.(int64))
		return page, nil
	})
}

// infallible adapts a decoder that cannot fail to the shape of those that
// can (documents stored as JSON may not decode).
func infallible[T any](decode func(map[string]any) T) func(map[string]any) (T, error) {
	return func(p map[string]any) (T, error) { return decode(p), nil }
}

// timeSortSuffix marks sort names whose keyset value is a time.
const timeSortSuffix = "@time"

// conditions collects the WHERE clause of a list from the filters a caller
// gave: a filter left out adds nothing, so the planner sees only predicates
// that narrow the list and can pick the index that serves them. Properties
// come from the store's code, never from input; values go in as parameters.
type conditions struct {
	terms  []string
	params map[string]any
	// ins maps the parameter of each IN term to its place in terms.
	ins map[string]int
}

func newConditions() *conditions { return &conditions{params: map[string]any{}, ins: map[string]int{}} }

// in adds "v.prop IN $name" when values are given.
func in[T ~string](c *conditions, v, prop, name string, values []T) {
	if len(values) == 0 {
		return
	}
	c.ins[name] = len(c.terms)
	c.add(v+"."+prop+" IN $"+name, name, stringList(values))
}

// equal adds "v.prop = $name" when value is given.
func (c *conditions) equal(v, prop, name, value string) {
	if value == "" {
		return
	}
	c.add(v+"."+prop+" = $"+name, name, value)
}

// add adds a term with its parameters (name, value pairs).
func (c *conditions) add(term string, nameValues ...any) {
	c.terms = append(c.terms, term)
	for i := 0; i+1 < len(nameValues); i += 2 {
		c.params[nameValues[i].(string)] = nameValues[i+1]
	}
}

// where is the WHERE clause of the terms and extra ones ("" without any).
// between adds the bounds of r on v.prop, as $<name>From and $<name>Before.
func (c *conditions) between(v, prop, name string, r paging.TimeRange) {
	if !r.From.IsZero() {
		c.add(v+"."+prop+" >= $"+name+"From", name+"From", r.From)
	}
	if !r.Before.IsZero() {
		c.add(v+"."+prop+" < $"+name+"Before", name+"Before", r.Before)
	}
}

// synced adds the creation and modification ranges of s to the list's
// filters and orders it by s.Order (list names the list in cursors).
func synced(l listSpec, list string, s paging.Sync) listSpec {
	l.where.between(l.v, l.createdProp(), "created", s.Created)
	l.where.between(l.v, "updatedAt", "updated", s.Updated)
	return orderedByTime(l, list, s.Order)
}

// orderedByTime orders a list of records by o: the property, the
// direction, and the sort name its cursors carry (list names the list).
func orderedByTime(l listSpec, list string, o paging.TimeOrder) listSpec {
	l.order, l.desc, l.sortName = timeSort(list, l.createdProp(), o)
	return l
}

// timeSort is the property a list of records is ordered by in order o
// (created names the one holding creation times), its direction, and the
// sort name its cursors carry (list names the list).
func timeSort(list, created string, o paging.TimeOrder) (prop string, desc bool, sortName string) {
	prop, desc = created, !o.Asc
	if o.Updated() {
		prop = "updatedAt"
	}
	sortName = list + ":" + prop
	if desc {
		sortName += ":desc"
	}
	return prop, desc, sortName + timeSortSuffix
}

// timeKey is the sort value of a record listed in order o.
func timeKey(o paging.TimeOrder, created, updated time.Time) time.Time {
	if o.Updated() {
		return updated
	}
	return created
}

func (c *conditions) where(extra ...string) string {
	return whereOf(append(slices.Clone(c.terms), extra...))
}

// whereOne is the WHERE clause with the IN term of param narrowed to its
// i-th value.
func (c *conditions) whereOne(param string, i int, extra ...string) string {
	terms := slices.Clone(c.terms)
	term := terms[c.ins[param]]
	terms[c.ins[param]] = strings.Replace(term, " IN $"+param, fmt.Sprintf(" = $%s[%d]", param, i), 1)
	return whereOf(append(terms, extra...))
}

func whereOf(all []string) string {
	if len(all) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(all, "\n  AND ")
}

func stringList[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(x)
	}
	return out
}

// listSpec is a keyset-paged list built from the filters given: its match
// binds the listed nodes to v.
type listSpec struct {
	match string // for example "MATCH (c:CI)"
	v     string
	where *conditions
	// order is the property listed by (from the store's code), desc its
	// direction; sortName names the order in cursors.
	order    string
	desc     bool
	sortName string
	// perValue, when set, names an IN filter (its parameter, and how many
	// values it holds) whose values are listed each in its own branch: with
	// an index on (that property, order) each branch reads only its page,
	// in order, where one IN over several values reads and sorts every
	// match.
	perValue *inFilter
	// countIndex, when set, is the index the count must use: the planner
	// prefers a single-property index and then reads each match's other
	// property, where a composite index counts from its entries alone.
	countIndex string
	// countStatement, when set, replaces the count of the filters.
	countStatement string
	// project, when set, is what each row returns (as n) in place of the
	// node's properties.
	project string
	// created, when set, is the property that holds when a listed node
	// came to be (openedAt, at), in place of createdAt.
	created string
	// countOrdered makes the count require the order's property as the
	// list does, so that a composite index ending in it serves the count.
	countOrdered bool
}

func (l listSpec) createdProp() string {
	if l.created != "" {
		return l.created
	}
	return "createdAt"
}

// inFilter is an IN filter on v.prop with n values in $param.
type inFilter struct {
	prop, param string
	n           int
}

// statement lists a page: the first one, or the one after a cursor. The
// order's property is required (every listed node has it) so that its
// index can serve the order when no filter's index narrows the list more.
func (l listSpec) statement(after bool) string {
	extra := []string{l.v + "." + l.order + " IS NOT NULL"}
	if after {
		extra = append(extra, keysetAfter(l.v, l.order, l.desc))
	}
	dir := "ASC"
	if l.desc {
		dir = "DESC"
	}
	page := fmt.Sprintf(`
ORDER BY %[1]s.%[2]s %[3]s, %[1]s.id %[3]s
LIMIT $limit`, l.v, l.order, dir)
	project := "properties(" + l.v + ")"
	if l.project != "" {
		project = l.project
	}
	if l.perValue == nil {
		return l.match + l.where.where(extra...) + "\nRETURN " + project + " AS n" + page
	}
	// Each branch orders by the split property first, equal within it, so
	// that the composite index provides the order.
	var branches []string
	for i := range l.perValue.n {
		branches = append(branches, l.match+l.where.whereOne(l.perValue.param, i, extra...)+
			fmt.Sprintf("\nRETURN %[1]s ORDER BY %[1]s.%[2]s %[4]s, %[1]s.%[3]s %[4]s, %[1]s.id %[4]s LIMIT $limit",
				l.v, l.perValue.prop, l.order, dir))
	}
	return "CALL () {\n" + strings.Join(branches, "\nUNION ALL\n") + "\n}\nRETURN " + project + " AS n" + page
}

// count counts every match of the filters.
func (l listSpec) count() string {
	if l.countStatement != "" {
		return l.countStatement
	}
	hint := ""
	if l.countIndex != "" {
		hint = "\nUSING INDEX " + l.countIndex
	}
	var extra []string
	if l.countOrdered {
		extra = append(extra, l.v+"."+l.order+" IS NOT NULL")
	}
	return l.match + hint + l.where.where(extra...) + "\nRETURN count(" + l.v + ") AS total"
}

// keysetAfter is the keyset condition of a page after ($afterValue,
// $afterId) in the order of v.prop: a range on prop that its index can
// seek, the tie broken by id. The tie is a CASE rather than an OR, which
// the planner would split into two seeks and lose the index's order.
func keysetAfter(v, prop string, desc bool) string {
	opEq, idOp := ">=", ">"
	if desc {
		opEq, idOp = "<=", "<"
	}
	return fmt.Sprintf("%[1]s.%[2]s %[3]s $afterValue AND CASE WHEN %[1]s.%[2]s = $afterValue THEN %[1]s.id %[4]s $afterId ELSE true END", v, prop, opEq, idOp)
}

// listBy runs the list l describes (see listPage).
func listBy[T any](ctx context.Context, s *Store, l listSpec, p paging.Request,
	decode func(map[string]any) (T, error), key func(T) (value any, id string)) (paging.Page[T], error) {
	if l.countStatement != "" && !(p.Created.IsZero() && p.Updated.IsZero()) {
		// A count written ahead would not see the ranges: such a list
		// takes them in its own filter.
		var zero paging.Page[T]
		return zero, fmt.Errorf("list %s counts with a statement of its own and cannot take time ranges from the page request", l.sortName)
	}
	l.where.between(l.v, l.createdProp(), "created", p.Created)
	l.where.between(l.v, "updatedAt", "updated", p.Updated)
	if p.Order == nil {
		return listPage(ctx, s, l.statement(p.After != ""), l.count(), l.sortName, l.where.params, p, decode, key)
	}
	// Ordered by time: each item's sort value is read from its node, the
	// list's own key still giving its id.
	l = orderedByTime(l, strings.SplitN(l.sortName, ":", 2)[0], *p.Order)
	type timed struct {
		item T
		at   time.Time
	}
	page, err := listPage(ctx, s, l.statement(p.After != ""), l.count(), l.sortName, l.where.params, p,
		func(n map[string]any) (timed, error) {
			item, err := decode(n)
			return timed{item: item, at: tm(n, l.order)}, err
		},
		func(x timed) (any, string) {
			_, id := key(x.item)
			return x.at, id
		})
	out := paging.Page[T]{Cursors: page.Cursors, HasNext: page.HasNext, HasPrevious: page.HasPrevious, Total: page.Total}
	for _, x := range page.Items {
		out.Items = append(out.Items, x.item)
	}
	return out, err
}

func keysetTime(k paging.Keyset) (time.Time, error) {
	s, _ := k.Value.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.Invalid("after", "is not a cursor returned by this list")
	}
	return t, nil
}

// readAll runs one read statement and decodes the column key of each record.
func readAll[T any](ctx context.Context, s *Store, stmt string, params map[string]any, key string, decode func(map[string]any) (T, error)) ([]T, error) {
	return read(ctx, s, func(tx driver.ManagedTransaction) ([]T, error) {
		recs, err := collect(ctx, tx, stmt, params)
		if err != nil {
			return nil, err
		}
		return decodeAll(recs, key, decode)
	})
}

// decodeAll decodes the column key of each record.
func decodeAll[T any](recs []*driver.Record, key string, decode func(map[string]any) (T, error)) ([]T, error) {
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		v, err := decode(props(r, key))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// groupAll decodes the column key of each record into lists by the
// record's id column, in record order.
func groupAll[T any](recs []*driver.Record, key string, decode func(map[string]any) (T, error)) (map[string][]T, error) {
	out := map[string][]T{}
	for _, r := range recs {
		id, _ := r.Get("id")
		k, _ := id.(string)
		v, err := decode(props(r, key))
		if err != nil {
			return nil, err
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

// byID indexes records by their id.
func byID[T any](list []T, id func(T) string) map[string]T {
	out := make(map[string]T, len(list))
	for _, x := range list {
		out[id(x)] = x
	}
	return out
}
