package tests

import (
	"fmt"
	"slices"
	"testing"
)

const (
	unknownTechService = "tsv_00000000000000000000000000000000"
	unknownBizService  = "bsv_00000000000000000000000000000000"
	unknownUnit        = "bu_00000000000000000000000000000000"
	unknownProcess     = "bp_00000000000000000000000000000000"
)

// serviceNames reads a ServiceConnection's names and totalCount.
type serviceConn struct {
	TotalCount int      `json:"totalCount"`
	PageInfo   pageInfo `json:"pageInfo"`
	Edges      []struct {
		Node struct {
			Name   string `json:"name"`
			Kind   string `json:"kind"`
			Status string `json:"status"`
		} `json:"node"`
	} `json:"edges"`
}

func (c serviceConn) names() []string {
	out := []string{}
	for _, e := range c.Edges {
		out = append(out, e.Node.Name)
	}
	return out
}

func itemNames(items []gItem) []string {
	out := []string{}
	for _, i := range items {
		out = append(out, i.Name)
	}
	return out
}

// catalogueNode is an object node(id) must answer with its type and kind.
type catalogueNode struct {
	id, typename, name, kind string
}

// checkCatalogueNodes reads each case through node(id), checks that unknown
// catalogue ids are NOT_FOUND, and that service(id) refuses notAService.
func checkCatalogueNodes(t *testing.T, e *env, cases []catalogueNode, notAService string) {
	for _, c := range cases {
		var out struct {
			Node struct {
				Typename string `json:"__typename"`
				gItem
			} `json:"node"`
		}
		e.ok(t, e.analyst, `query($id: ID!) { node(id: $id) { __typename id ... on GraphItem { name kind } } }`, map[string]any{"id": c.id}, &out)
		if out.Node.Typename != c.typename || out.Node.ID != c.id || out.Node.Name != c.name || out.Node.Kind != c.kind {
			t.Errorf("node(%s) = %+v, want %s %s %s", c.name, out.Node, c.typename, c.name, c.kind)
		}
	}
	for _, id := range []string{unknownBizService, unknownTechService, unknownUnit, unknownProcess} {
		e.fail(t, e.analyst, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, "NOT_FOUND")
	}
	e.fail(t, e.analyst, `query($id: ID!) { service(id: $id) { id } }`, map[string]any{"id": notAService}, "NOT_FOUND")
}

// serviceData is what the catalogue tests read of a service.
type serviceData struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	ServiceKind string  `json:"serviceKind"`
	Description *string `json:"description"`
	Status      string  `json:"status"`
	Criticality string  `json:"criticality"`
	OwnerGroup  *named  `json:"ownerGroup"`
	Version     int     `json:"version"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
}

// key renders every field, pointers followed, for comparisons.
func (s serviceData) key() string {
	group := "<nil>"
	if s.OwnerGroup != nil {
		group = s.OwnerGroup.ID + "/" + s.OwnerGroup.Name
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%d|%s|%s", s.ID, s.Name, s.Kind, s.ServiceKind, deref(s.Description),
		s.Status, s.Criticality, group, s.Version, s.CreatedAt, s.UpdatedAt)
}

const serviceFields = `
fragment SF on Service {
  id name kind serviceKind description status criticality ownerGroup { id name } version createdAt updatedAt
}`

// customerServiceFields are the service fields a REQUESTER may read.
const customerServiceFields = `
fragment SF on Service {
  id name kind serviceKind description status criticality version createdAt updatedAt
}`

const createServiceMutation = `mutation($in: CreateServiceInput!) { createService(input: $in) { service { ...SF } } }` + serviceFields

const updateServiceMutation = `mutation($in: UpdateServiceInput!) { updateService(input: $in) { service { ...SF } } }` + serviceFields

const linkMutation = `mutation($in: CatalogLinkInput!) { linkCatalogItems(input: $in) { created } }`

const unlinkMutation = `mutation($in: CatalogLinkInput!) { unlinkCatalogItems(input: $in) { removed } }`

// createService creates a service with token and returns it.
func (w *world) createService(t testing.TB, token string, in map[string]any) serviceData {
	t.Helper()
	var out struct {
		CreateService struct {
			Service serviceData `json:"service"`
		} `json:"createService"`
	}
	w.e.ok(t, token, createServiceMutation, map[string]any{"in": in}, &out)
	s := out.CreateService.Service
	w.remember(s.Name, s.ID, s.Kind)
	return s
}

// updateService updates a service as the service owner and returns it.
func (w *world) updateService(t testing.TB, in map[string]any) serviceData {
	t.Helper()
	var out struct {
		UpdateService struct {
			Service serviceData `json:"service"`
		} `json:"updateService"`
	}
	w.e.ok(t, w.owner, updateServiceMutation, map[string]any{"in": in}, &out)
	return out.UpdateService.Service
}

// readService reads a service back.
func (w *world) readService(t testing.TB, id string) serviceData {
	t.Helper()
	var out struct {
		Service serviceData `json:"service"`
	}
	w.e.ok(t, w.e.analyst, `query($id: ID!) { service(id: $id) { ...SF } }`+serviceFields, map[string]any{"id": id}, &out)
	return out.Service
}

func (w *world) createUnit(t testing.TB, token, name string) string {
	t.Helper()
	var out struct {
		CreateBusinessUnit struct {
			BusinessUnit gItem `json:"businessUnit"`
		} `json:"createBusinessUnit"`
	}
	w.e.ok(t, token, `mutation($n: String!) { createBusinessUnit(input: {name: $n, description: "unit"}) { businessUnit { id name kind } } }`,
		map[string]any{"n": name}, &out)
	u := out.CreateBusinessUnit.BusinessUnit
	w.remember(u.Name, u.ID, u.Kind)
	return u.ID
}

func (w *world) createProcess(t testing.TB, token, name string) string {
	t.Helper()
	var out struct {
		CreateBusinessProcess struct {
			BusinessProcess gItem `json:"businessProcess"`
		} `json:"createBusinessProcess"`
	}
	w.e.ok(t, token, `mutation($n: String!) { createBusinessProcess(input: {name: $n, criticality: HIGH}) { businessProcess { id name kind } } }`,
		map[string]any{"n": name}, &out)
	p := out.CreateBusinessProcess.BusinessProcess
	w.remember(p.Name, p.ID, p.Kind)
	return p.ID
}

// catalogTotals counts services, units and processes.
func (w *world) catalogTotals(t testing.TB) [3]int {
	t.Helper()
	var out struct {
		Services struct {
			TotalCount int `json:"totalCount"`
		} `json:"services"`
		BusinessUnits struct {
			TotalCount int `json:"totalCount"`
		} `json:"businessUnits"`
		BusinessProcesses struct {
			TotalCount int `json:"totalCount"`
		} `json:"businessProcesses"`
	}
	w.e.ok(t, w.e.analyst, `{ services { totalCount } businessUnits { totalCount } businessProcesses { totalCount } }`, nil, &out)
	return [3]int{out.Services.TotalCount, out.BusinessUnits.TotalCount, out.BusinessProcesses.TotalCount}
}

// links lists, for every named item, its relationships of any type as seen
// by a depth-1 neighbourhood: the fingerprint of what links exist.
func (w *world) links(t testing.TB, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		res := w.reach(t, neighbourhoodQuery, "neighbourhood", map[string]any{"id": w.id(t, n), "d": 1})
		for _, e := range res.Graph.Edges {
			out = append(out, w.edge(e))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
