package tests

import (
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/app"
)

const reconcileImportMutation = `
mutation($in: ImportConfigurationItemsInput!) {
  importConfigurationItems(input: $in) {
    created updated unchanged identified relationshipsCreated
    heldFields { row field heldBy }
    errors { row kind field message }
  }
}`

type reconcileReport struct {
	Created, Updated, Unchanged, Identified, RelationshipsCreated int
	HeldFields                                                    []struct {
		Row           int
		Field, HeldBy string
	}
	Errors []struct {
		Row     int
		Kind    string
		Field   *string
		Message string
	}
}

type reconciledCI struct {
	ID         string
	Name       string
	Location   *string
	Source     *string
	ExternalID *string
	Version    int
	Attributes []attribute
	Identities []struct {
		Source, ExternalID string
	}
	FieldSources []struct {
		Field, Source string
	}
	History struct {
		Edges []struct {
			Node struct {
				Action  string
				Feed    *string
				Changes []struct {
					Field         string
					Before, After *string
				}
			}
		}
	}
}

func (c reconciledCI) attr(key string) string {
	for _, a := range c.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return "<none>"
}

func (c reconciledCI) fieldSource(field string) string {
	for _, f := range c.FieldSources {
		if f.Field == field {
			return f.Source
		}
	}
	return "<none>"
}

// TestSourcesReconcileIntoOneCI: the hypervisor and hardware feeds describe
// the same host. The hardware feed's row is identified by serial number as
// the hypervisor's CI, so there is one CI with both identities; each field
// is set by the source the rules rank highest for it, the losing reports
// are listed, the history names the feeds, and relationships of either
// feed land on the one CI. A hostname shared by a machine with another
// serial number, another type, an ambiguous match and a second row of the
// same import claiming the CI are told apart.
func TestSourcesReconcileIntoOneCI(t *testing.T) {
	e := newEnv(t, app.Limits{})
	type m = map[string]any

	// Bad rules are refused and change nothing.
	for name, rules := range map[string][]m{
		"unknown field":   {{"field": "enviroment", "sources": []string{"hardware"}}},
		"field twice":     {{"field": "location", "sources": []string{"a"}}, {"field": "location", "sources": []string{"b"}}},
		"no sources":      {{"field": "location", "sources": []string{}}},
		"repeated source": {{"field": "*", "sources": []string{"a", "a"}}},
		"bad attribute":   {{"field": "attributes.no spaces", "sources": []string{"a"}}},
	} {
		r := e.gql(t, e.cm, `mutation($in: SetReconciliationRulesInput!) { setReconciliationRules(input: $in) { rules { updatedAt } } }`,
			m{"in": m{"precedence": rules}})
		if !slices.Equal(r.codes(), []string{"BAD_USER_INPUT"}) {
			t.Errorf("%s: got %v, want BAD_USER_INPUT", name, r.codes())
		}
	}
	if r := e.gql(t, e.analyst, `mutation { setReconciliationRules(input: {precedence: []}) { rules { updatedAt } } }`, nil); !slices.Equal(r.codes(), []string{"FORBIDDEN"}) {
		t.Errorf("an analyst set the rules: %v", r.codes())
	}
	var rules struct {
		ReconciliationRules struct {
			IdentifyingAttributes []string
			Precedence            []m
			UpdatedAt             *string
		}
	}
	e.ok(t, e.analyst, `{ reconciliationRules { identifyingAttributes precedence { field sources } updatedAt } }`, nil, &rules)
	if len(rules.ReconciliationRules.Precedence) != 0 || rules.ReconciliationRules.UpdatedAt != nil ||
		!slices.Equal(rules.ReconciliationRules.IdentifyingAttributes, []string{"serialNumber", "hostname"}) {
		t.Fatalf("rules before any were set: %+v", rules)
	}
	e.ok(t, e.cm, `mutation($in: SetReconciliationRulesInput!) { setReconciliationRules(input: $in) { rules { updatedAt } } }`,
		m{"in": m{"precedence": []m{
			{"field": "location", "sources": []string{"hardware", "hypervisor"}},
			{"field": "attributes.cpuCount", "sources": []string{"hypervisor", "hardware"}},
		}}}, nil)

	feed := func(source string, items []m, rels ...m) reconcileReport {
		t.Helper()
		var out struct{ ImportConfigurationItems reconcileReport }
		in := m{"source": source, "items": items}
		if rels != nil {
			in["relationships"] = rels
		}
		e.ok(t, e.cm, reconcileImportMutation, m{"in": in}, &out)
		return out.ImportConfigurationItems
	}
	attrs := func(kv ...string) []m {
		var out []m
		for i := 0; i < len(kv); i += 2 {
			out = append(out, m{"key": kv[i], "value": kv[i+1]})
		}
		return out
	}
	read := func(id string) reconciledCI {
		t.Helper()
		var out struct{ ConfigurationItem reconciledCI }
		e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { id name location source externalId version attributes { key value }
			identities { source externalId } fieldSources { field source }
			history(first: 10) { edges { node { action feed changes { field before after } } } } } }`, m{"id": id}, &out)
		return out.ConfigurationItem
	}

	first := feed("hypervisor", []m{{"externalId": "host-esx01", "name": "esx01", "type": "SERVER", "location": "DC1 row 3",
		"attributes": attrs("serialNumber", "SN-1", "hostname", "esx01.example.net", "cpuCount", "32")}})
	if first.Created != 1 {
		t.Fatalf("hypervisor feed: %+v", first)
	}
	host := e.sourceCIs(t, "hypervisor")["host-esx01"].ID

	// The hardware feed knows the same host by its asset tag.
	rep := feed("hardware", []m{{"externalId": "HW-77", "name": "ESX01", "type": "SERVER", "location": "DC1 hall A rack 12",
		"attributes": attrs("serialNumber", "SN-1", "cpuCount", "16", "warranty", "2028-01-31")}})
	if rep.Created != 0 || rep.Updated != 1 || rep.Identified != 1 || len(rep.Errors) != 0 {
		t.Fatalf("hardware feed: %+v", rep)
	}
	if len(rep.HeldFields) != 1 || rep.HeldFields[0].Row != 1 || rep.HeldFields[0].Field != "attributes.cpuCount" || rep.HeldFields[0].HeldBy != "hypervisor" {
		t.Fatalf("held fields %+v, want cpuCount kept by the hypervisor", rep.HeldFields)
	}
	c := read(host)
	if len(c.Identities) != 1 || c.Identities[0].Source != "hardware" || c.Identities[0].ExternalID != "HW-77" || deref(c.Source) != "hypervisor" {
		t.Fatalf("identities %+v of source %s", c.Identities, deref(c.Source))
	}
	if deref(c.Location) != "DC1 hall A rack 12" || c.attr("cpuCount") != "32" || c.attr("warranty") != "2028-01-31" || c.Name != "ESX01" {
		t.Fatalf("reconciled CI: %+v", c)
	}
	for field, want := range map[string]string{"location": "hardware", "attributes.cpuCount": "hypervisor", "attributes.warranty": "hardware", "name": "hardware", "attributes.hostname": "hypervisor"} {
		if got := c.fieldSource(field); got != want {
			t.Errorf("%s set by %s, want %s", field, got, want)
		}
	}
	latest := c.History.Edges[0].Node
	var fields []string
	for _, ch := range latest.Changes {
		fields = append(fields, ch.Field)
	}
	if latest.Action != "UPDATED" || deref(latest.Feed) != "hardware" || !slices.Contains(fields, "identities") || !slices.Contains(fields, "location") || slices.Contains(fields, "attributes.cpuCount") {
		t.Fatalf("history entry %+v", latest)
	}

	// The hypervisor cannot move the host: the hardware feed ranks higher
	// for location. Its other fields still land.
	rep = feed("hypervisor", []m{{"externalId": "host-esx01", "name": "ESX01", "type": "SERVER", "location": "DC2",
		"attributes": attrs("serialNumber", "SN-1", "hostname", "esx01.example.net", "cpuCount", "48")}})
	if rep.Updated != 1 || len(rep.HeldFields) != 1 || rep.HeldFields[0].Field != "location" || rep.HeldFields[0].HeldBy != "hardware" {
		t.Fatalf("hypervisor again: %+v", rep)
	}
	c = read(host)
	if deref(c.Location) != "DC1 hall A rack 12" || c.attr("cpuCount") != "48" {
		t.Fatalf("after the hypervisor's second report: location %s cpuCount %s", deref(c.Location), c.attr("cpuCount"))
	}
	// Re-importing what both said changes nothing.
	if rep = feed("hardware", []m{{"externalId": "HW-77", "name": "ESX01", "type": "SERVER", "location": "DC1 hall A rack 12",
		"attributes": attrs("serialNumber", "SN-1", "cpuCount", "16", "warranty", "2028-01-31")}}); rep.Unchanged != 1 || rep.Identified != 0 {
		t.Fatalf("hardware again: %+v", rep)
	}

	// A person's correction takes the field out of the feeds' hands: the
	// next report of any source sets it again.
	e.updateCI(t, m{"id": host, "expectedVersion": read(host).Version, "location": "DC1 hall B"})
	if got := read(host).fieldSource("location"); got != "<none>" {
		t.Fatalf("location still owned by %s after a person set it", got)
	}
	feed("hypervisor", []m{{"externalId": "host-esx01", "name": "ESX01", "type": "SERVER", "location": "DC2"}})
	if c = read(host); deref(c.Location) != "DC2" || c.fieldSource("location") != "hypervisor" {
		t.Fatalf("after the person's edit the hypervisor set location %s (owner %s)", deref(c.Location), c.fieldSource("location"))
	}

	// Either feed's relationships land on the one CI, by either identity.
	rep = feed("hypervisor", []m{{"externalId": "vm-1", "name": "vm-1", "type": "VIRTUAL_MACHINE"}},
		m{"sourceExternalId": "vm-1", "type": "HOSTED_ON", "targetExternalId": "HW-77", "targetExternalSource": "hardware"})
	if rep.RelationshipsCreated != 1 {
		t.Fatalf("relationship by the hardware identity: %+v", rep)
	}
	rep = feed("hardware", []m{{"externalId": "HW-SAN", "name": "san-1", "type": "STORAGE"}},
		m{"sourceExternalId": "HW-77", "type": "STORES_DATA_ON", "targetExternalId": "HW-SAN"})
	if rep.RelationshipsCreated != 1 || len(rep.Errors) != 0 {
		t.Fatalf("relationship from the hardware feed's own name for the host: %+v", rep)
	}
	var deps struct {
		ConfigurationItem struct {
			Relationships []struct {
				Type   string
				Source struct{ ID string }
				Target struct{ ID string }
			}
		}
	}
	e.ok(t, e.analyst, `query($id: ID!) { configurationItem(id: $id) { relationships { type source { id } target { id } } } }`, m{"id": host}, &deps)
	if n := len(deps.ConfigurationItem.Relationships); n != 2 {
		t.Fatalf("the host has %d relationships, want the hypervisor's and the hardware feed's: %+v", n, deps)
	}

	// Told apart: a hostname with another serial number is another
	// machine; another type is another CI; two CIs with one hostname are
	// ambiguous; a second row claiming the same CI is refused.
	// (People may enter duplicates; a feed would have joined them.)
	dupA := e.createCI(t, m{"name": "dup-a", "type": "SERVER", "attributes": attrs("hostname", "dup.example.net")})
	dupB := e.createCI(t, m{"name": "dup-b", "type": "SERVER", "attributes": attrs("hostname", "dup.example.net")})
	rep = feed("scanner", []m{
		{"externalId": "s1", "name": "other", "type": "SERVER", "attributes": attrs("serialNumber", "SN-9", "hostname", "esx01.example.net")},
		{"externalId": "s2", "name": "vm-with-serial", "type": "VIRTUAL_MACHINE", "attributes": attrs("serialNumber", "SN-1")},
		{"externalId": "s3", "name": "dup", "type": "SERVER", "attributes": attrs("hostname", "dup.example.net")},
		{"externalId": "s4", "name": "esx01", "type": "SERVER", "attributes": attrs("serialNumber", "SN-1")},
		{"externalId": "s5", "name": "esx01 again", "type": "SERVER", "attributes": attrs("hostname", "esx01.example.net")},
	})
	var refused []string
	for _, er := range rep.Errors {
		refused = append(refused, deref(er.Field))
	}
	if rep.Created != 2 || rep.Identified != 1 || !slices.Equal(refused, []string{"attributes.hostname", "attributes.hostname"}) ||
		rep.Errors[0].Row != 3 || rep.Errors[1].Row != 5 {
		t.Fatalf("scanner feed: %+v", rep)
	}
	for _, id := range []string{dupA.ID, dupB.ID} {
		if got := read(id); got.Version != 1 || len(got.Identities) != 0 {
			t.Errorf("the ambiguous row changed %s: %+v", id, got)
		}
	}
	if c = read(host); len(c.Identities) != 2 || c.Identities[1].Source != "scanner" || c.Identities[1].ExternalID != "s4" {
		t.Fatalf("identities after the scanner: %+v", c.Identities)
	}
}
