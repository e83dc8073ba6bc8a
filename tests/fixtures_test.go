package tests

import (
	"encoding/json"
	"testing"
)

// ciFields selects every scalar of a CI plus its owner group and redundancy.
const ciFields = `
fragment CIFields on ConfigurationItem {
  id name type status environment criticality description location
  source externalId version createdAt createdBy updatedAt retiredAt
  attributes { key value }
  ownerGroup { id name }
  redundancy { minimumUp members { name } }
}`

type attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type redundancy struct {
	MinimumUp int `json:"minimumUp"`
	Members   []struct {
		Name string `json:"name"`
	} `json:"members"`
}

// ciData mirrors the CIFields fragment.
type ciData struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Status      string      `json:"status"`
	Environment string      `json:"environment"`
	Criticality string      `json:"criticality"`
	Description *string     `json:"description"`
	Location    *string     `json:"location"`
	Source      *string     `json:"source"`
	ExternalID  *string     `json:"externalId"`
	Version     int         `json:"version"`
	CreatedAt   string      `json:"createdAt"`
	CreatedBy   *string     `json:"createdBy"`
	UpdatedAt   string      `json:"updatedAt"`
	RetiredAt   *string     `json:"retiredAt"`
	Attributes  []attribute `json:"attributes"`
	OwnerGroup  *named      `json:"ownerGroup"`
	Redundancy  *redundancy `json:"redundancy"`
}

const createCIMutation = `
mutation($in: CreateConfigurationItemInput!) {
  createConfigurationItem(input: $in) { configurationItem { ...CIFields } }
}` + ciFields

const updateCIMutation = `
mutation($in: UpdateConfigurationItemInput!) {
  updateConfigurationItem(input: $in) { configurationItem { ...CIFields } }
}` + ciFields

const retireCIMutation = `
mutation($in: RetireConfigurationItemInput!) {
  retireConfigurationItem(input: $in) { configurationItem { ...CIFields } }
}` + ciFields

const relateMutation = `
mutation($in: RelateConfigurationItemsInput!) {
  relateConfigurationItems(input: $in) {
    created
    relationship { id type impactDirection source { id name } target { id name } createdAt }
  }
}`

const unrelateMutation = `
mutation($in: UnrelateConfigurationItemsInput!) {
  unrelateConfigurationItems(input: $in) { removedRelationshipId }
}`

type relData struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	ImpactDirection string `json:"impactDirection"`
	Source          named  `json:"source"`
	Target          named  `json:"target"`
	CreatedAt       string `json:"createdAt"`
}

// createCI creates a CI as CONFIG_MANAGER and returns it.
func (e *env) createCI(t testing.TB, in map[string]any) ciData {
	t.Helper()
	var out struct {
		CreateConfigurationItem struct {
			ConfigurationItem ciData `json:"configurationItem"`
		} `json:"createConfigurationItem"`
	}
	e.ok(t, e.cm, createCIMutation, map[string]any{"in": in}, &out)
	return out.CreateConfigurationItem.ConfigurationItem
}

// updateCI updates a CI as CONFIG_MANAGER and returns it.
func (e *env) updateCI(t testing.TB, in map[string]any) ciData {
	t.Helper()
	var out struct {
		UpdateConfigurationItem struct {
			ConfigurationItem ciData `json:"configurationItem"`
		} `json:"updateConfigurationItem"`
	}
	e.ok(t, e.cm, updateCIMutation, map[string]any{"in": in}, &out)
	return out.UpdateConfigurationItem.ConfigurationItem
}

// retireCI retires a CI as CONFIG_MANAGER and returns it.
func (e *env) retireCI(t testing.TB, id string, version int, reason string) ciData {
	t.Helper()
	in := map[string]any{"id": id, "expectedVersion": version}
	if reason != "" {
		in["reason"] = reason
	}
	var out struct {
		RetireConfigurationItem struct {
			ConfigurationItem ciData `json:"configurationItem"`
		} `json:"retireConfigurationItem"`
	}
	e.ok(t, e.cm, retireCIMutation, map[string]any{"in": in}, &out)
	return out.RetireConfigurationItem.ConfigurationItem
}

// relate creates (source)-[:type]->(target) as CONFIG_MANAGER.
func (e *env) relate(t testing.TB, sourceID, relType, targetID string) (relData, bool) {
	t.Helper()
	var out struct {
		RelateConfigurationItems struct {
			Created      bool    `json:"created"`
			Relationship relData `json:"relationship"`
		} `json:"relateConfigurationItems"`
	}
	e.ok(t, e.cm, relateMutation, map[string]any{"in": map[string]any{
		"sourceId": sourceID, "type": relType, "targetId": targetID,
	}}, &out)
	return out.RelateConfigurationItems.Relationship, out.RelateConfigurationItems.Created
}

// createGroup creates a TEAM group as ADMIN and returns its id.
func (e *env) createGroup(t testing.TB, name string) string {
	t.Helper()
	var out struct {
		CreateGroup struct {
			Group named `json:"group"`
		} `json:"createGroup"`
	}
	e.ok(t, e.admin, `mutation($in: CreateGroupInput!) { createGroup(input: $in) { group { id name } } }`,
		map[string]any{"in": map[string]any{"name": name}}, &out)
	if out.CreateGroup.Group.Name != name || out.CreateGroup.Group.ID == "" {
		t.Fatalf("createGroup(%q) returned %+v", name, out.CreateGroup.Group)
	}
	return out.CreateGroup.Group.ID
}

// allStatuses makes configurationItems count retired CIs too.
var allStatuses = []string{"PLANNED", "ACTIVE", "MAINTENANCE", "RETIRED"}

// ciTotal counts every CI in the database, retired ones included.
func (e *env) ciTotal(t testing.TB) int {
	t.Helper()
	var out struct {
		ConfigurationItems struct {
			TotalCount int `json:"totalCount"`
		} `json:"configurationItems"`
	}
	e.ok(t, e.analyst, `query($s: [CIStatus!]) { configurationItems(filter: {statuses: $s}) { totalCount } }`,
		map[string]any{"s": allStatuses}, &out)
	return out.ConfigurationItems.TotalCount
}

// userTotal counts the user accounts.
func (e *env) userTotal(t testing.TB) int {
	t.Helper()
	var out struct {
		Users struct {
			TotalCount int `json:"totalCount"`
		} `json:"users"`
	}
	e.ok(t, e.analyst, `{ users { totalCount } }`, nil, &out)
	return out.Users.TotalCount
}

// groupTotal counts the groups.
func (e *env) groupTotal(t testing.TB) int {
	t.Helper()
	var out struct {
		Groups struct {
			TotalCount int `json:"totalCount"`
		} `json:"groups"`
	}
	e.ok(t, e.analyst, `{ groups { totalCount } }`, nil, &out)
	return out.Groups.TotalCount
}

type fieldChange struct {
	Field  string  `json:"field"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

type historyEntry struct {
	ID      string        `json:"id"`
	Actor   string        `json:"actor"`
	Action  string        `json:"action"`
	At      string        `json:"at"`
	Changes []fieldChange `json:"changes"`
}

// historyConn is a CI's history connection as the tests read it.
type historyConn struct {
	TotalCount int `json:"totalCount"`
	Edges      []struct {
		Node historyEntry `json:"node"`
	} `json:"edges"`
}

// ciSnapshot is what a bad request must leave untouched.
type ciSnapshot struct {
	ci      ciData
	history []historyEntry
	rels    int
}

// snapshot reads a CI with its full history (up to 100 entries) and its
// number of relationships.
func (e *env) snapshot(t testing.TB, id string) ciSnapshot {
	t.Helper()
	var out struct {
		ConfigurationItem struct {
			ciData
			Relationships []struct {
				ID string `json:"id"`
			} `json:"relationships"`
			History historyConn `json:"history"`
		} `json:"configurationItem"`
	}
	e.ok(t, e.analyst, `query($id: ID!) {
  configurationItem(id: $id) {
    ...CIFields
    relationships(first: 500) { id }
    history(first: 100) { totalCount edges { node { id actor action at changes { field before after } } } }
  }
}`+ciFields, map[string]any{"id": id}, &out)
	c := out.ConfigurationItem
	if c.History.TotalCount != len(c.History.Edges) {
		t.Fatalf("history of %s: totalCount %d but %d edges", id, c.History.TotalCount, len(c.History.Edges))
	}
	s := ciSnapshot{ci: c.ciData, rels: len(c.Relationships)}
	for _, e := range c.History.Edges {
		s.history = append(s.history, e.Node)
	}
	return s
}

// assertUnchanged fails when the CI differs from before in any way.
func (e *env) assertUnchanged(t testing.TB, before ciSnapshot) {
	t.Helper()
	after := e.snapshot(t, before.ci.ID)
	if after.ci.Version != before.ci.Version {
		t.Errorf("CI %s version changed from %d to %d", before.ci.ID, before.ci.Version, after.ci.Version)
	}
	if after.ci.UpdatedAt != before.ci.UpdatedAt || after.ci.Status != before.ci.Status || after.ci.Name != before.ci.Name {
		t.Errorf("CI %s changed: before %+v, after %+v", before.ci.ID, before.ci, after.ci)
	}
	if len(after.history) != len(before.history) {
		t.Errorf("CI %s history grew from %d to %d entries (newest: %+v)", before.ci.ID, len(before.history), len(after.history), after.history[0])
	}
	if after.rels != before.rels {
		t.Errorf("CI %s relationships changed from %d to %d", before.ci.ID, before.rels, after.rels)
	}
}

func strp(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// jsonText is how history renders a string value: as JSON text.
func jsonText(s string) *string {
	b, _ := json.Marshal(s) // a string always marshals
	q := string(b)
	return &q
}
