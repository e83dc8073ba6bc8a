// Package demo loads a small, realistic CMDB and a few accounts into an empty
// database, so that a newcomer has something to explore at once. It goes
// through the domain services like any client, so the data obeys every rule
// and has a full history.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/problem"
)

// AdminUsername is the demo administrator's login. It exists only in
// databases loaded with demo data, and its password is random, new at every
// Load: a well-known password would be a default credential wherever the
// demo was loaded by mistake.
const AdminUsername = "admin"

// adminDisplayName marks the demo's own administrator, so that Load never
// resets the password of an account called admin that it did not create.
const adminDisplayName = "Demo Administrator"

// Load fills an empty database and returns the admin account with a fresh
// random password. When the database already holds CIs it loads nothing
// (loaded is false) and gives the existing demo admin a new random
// password; password is empty when that account is not the demo's.
func Load(ctx context.Context, svc *cmdb.Service, cat *catalog.Catalog, chg *change.Service, dir *people.Directory, users people.Store,
	inc *incident.Service, prb *problem.Service, kb *knowledge.Service) (admin people.User, password string, loaded bool, err error) {
	password = rand.Text()
	page, err := svc.List(ctx, cmdb.Filter{Statuses: cmdb.Statuses()}, cmdb.Order{}, paging.Request{First: 1})
	if err != nil {
		return people.User{}, "", false, err
	}
	if page.Total > 0 {
		admin, err = users.UserByUsername(ctx, AdminUsername)
		if err != nil || admin.DisplayName != adminDisplayName {
			return admin, "", false, err
		}
		return admin, password, false, dir.SetPassword(ctx, admin.ID, password)
	}
	loader := auth.Principal{Subject: "demo-loader"}

	groups := map[string]people.Group{}
	for _, g := range []struct {
		name, desc string
		kind       people.GroupKind
	}{
		{"Service Desk", "First line support", people.Team},
		{"Network Team", "Switches, routers, firewalls, load balancers", people.Team},
		{"Database Team", "Database administration", people.Team},
		{"Platform Team", "Hypervisors, VMs and storage", people.Team},
		{"Acme Hosting", "Data centre provider", people.Vendor},
	} {
		if groups[g.name], err = dir.CreateGroup(ctx, loader, people.CreateGroupInput{Name: g.name, Description: g.desc, Kind: g.kind}); err != nil {
			return people.User{}, "", false, fmt.Errorf("demo group %s: %w", g.name, err)
		}
	}
	admin, err = dir.CreateUser(ctx, loader, people.CreateUserInput{Username: AdminUsername, DisplayName: adminDisplayName,
		Email: "admin@example.com", Roles: []auth.Role{auth.Admin}, Password: &password})
	if err != nil {
		return people.User{}, "", false, fmt.Errorf("demo admin: %w", err)
	}
	for _, u := range []people.CreateUserInput{
		{Username: "alice", DisplayName: "Alice Agent", Roles: []auth.Role{auth.Agent}, GroupIDs: []string{groups["Service Desk"].ID}},
		{Username: "carl", DisplayName: "Carl Config", Roles: []auth.Role{auth.ConfigManager}, GroupIDs: []string{groups["Platform Team"].ID}},
		{Username: "ana", DisplayName: "Ana Analyst", Roles: []auth.Role{auth.Analyst}},
		{Username: "cora", DisplayName: "Cora Change Manager", Roles: []auth.Role{auth.ChangeManager}},
		{Username: "pat", DisplayName: "Pat Problem Manager", Roles: []auth.Role{auth.ProblemManager}},
		{Username: "kim", DisplayName: "Kim Knowledge Manager", Roles: []auth.Role{auth.KnowledgeManager}},
		{Username: "cab-dana", DisplayName: "Dana (CAB)", Roles: []auth.Role{auth.CABMember}},
		{Username: "cab-eli", DisplayName: "Eli (CAB)", Roles: []auth.Role{auth.CABMember}},
		{Username: "discovery", DisplayName: "Discovery feed", Kind: people.Service, Roles: []auth.Role{auth.ConfigManager}},
	} {
		if _, err := dir.CreateUser(ctx, loader, u); err != nil {
			return people.User{}, "", false, fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}

	cis := map[string]cmdb.CI{}
	active := cmdb.StatusActive
	for _, c := range []struct {
		name  string
		typ   cmdb.Type
		crit  cmdb.Criticality
		group string
		minUp int
		attrs map[string]string
	}{
		{"core-switch-1", cmdb.TypeNetworkDevice, cmdb.CriticalityCritical, "Network Team", 0, map[string]string{"vendor": "Arista", "model": "7280R"}},
		{"core-switch-2", cmdb.TypeNetworkDevice, cmdb.CriticalityCritical, "Network Team", 0, map[string]string{"vendor": "Arista", "model": "7280R"}},
		{"lb-1", cmdb.TypeLoadBalancer, cmdb.CriticalityHigh, "Network Team", 0, nil},
		{"san-1", cmdb.TypeStorage, cmdb.CriticalityCritical, "Platform Team", 0, map[string]string{"capacity_tb": "200"}},
		{"esx-host-1", cmdb.TypeServer, cmdb.CriticalityHigh, "Platform Team", 0, map[string]string{"cpu": "64", "ram_gb": "512"}},
		{"esx-host-2", cmdb.TypeServer, cmdb.CriticalityHigh, "Platform Team", 0, map[string]string{"cpu": "64", "ram_gb": "512"}},
		{"esx-host-3", cmdb.TypeServer, cmdb.CriticalityHigh, "Platform Team", 0, map[string]string{"cpu": "64", "ram_gb": "512"}},
		{"vm-web-1", cmdb.TypeVirtualMachine, cmdb.CriticalityMedium, "Platform Team", 0, map[string]string{"os": "linux"}},
		{"vm-web-2", cmdb.TypeVirtualMachine, cmdb.CriticalityMedium, "Platform Team", 0, map[string]string{"os": "linux"}},
		{"vm-db-1", cmdb.TypeVirtualMachine, cmdb.CriticalityHigh, "Database Team", 0, map[string]string{"os": "linux"}},
		{"web-pool", cmdb.TypeCluster, cmdb.CriticalityHigh, "Platform Team", 1, nil},
		{"orders-db", cmdb.TypeDatabase, cmdb.CriticalityCritical, "Database Team", 0, map[string]string{"engine": "postgresql", "version": "16"}},
		{"orders-app", cmdb.TypeApplication, cmdb.CriticalityCritical, "Platform Team", 0, map[string]string{"language": "java"}},
		{"payments-app", cmdb.TypeApplication, cmdb.CriticalityCritical, "Platform Team", 0, nil},
		{"orders-runbook", cmdb.TypeDocument, cmdb.CriticalityLow, "Service Desk", 0, nil},
	} {
		in := cmdb.CreateInput{Name: c.name, Type: c.typ, Status: &active, Criticality: &c.crit}
		gid := groups[c.group].ID
		in.OwnerGroupID = &gid
		if c.minUp > 0 {
			in.MinimumUp = &c.minUp
		}
		for k, v := range c.attrs {
			in.Attributes = append(in.Attributes, cmdb.AttributeInput{Key: k, Value: &v})
		}
		if cis[c.name], err = svc.Create(ctx, loader, in); err != nil {
			return people.User{}, "", false, fmt.Errorf("demo CI %s: %w", c.name, err)
		}
	}
	for _, r := range [][3]string{
		{"vm-web-1", "HOSTED_ON", "esx-host-1"},
		{"vm-web-2", "HOSTED_ON", "esx-host-2"},
		{"vm-db-1", "HOSTED_ON", "esx-host-3"},
		{"esx-host-1", "CONNECTS_TO", "core-switch-1"},
		{"esx-host-2", "CONNECTS_TO", "core-switch-1"},
		{"esx-host-3", "CONNECTS_TO", "core-switch-2"},
		{"esx-host-1", "STORES_DATA_ON", "san-1"},
		{"esx-host-2", "STORES_DATA_ON", "san-1"},
		{"esx-host-3", "STORES_DATA_ON", "san-1"},
		{"vm-web-1", "MEMBER_OF", "web-pool"},
		{"vm-web-2", "MEMBER_OF", "web-pool"},
		{"orders-app", "RUNS_ON", "web-pool"},
		{"orders-db", "RUNS_ON", "vm-db-1"},
		{"orders-app", "DEPENDS_ON", "orders-db"},
		{"payments-app", "DEPENDS_ON", "orders-db"},
		{"orders-app", "DEPENDS_ON", "lb-1"},
		{"lb-1", "CONNECTS_TO", "core-switch-2"},
		{"orders-app", "DOCUMENTED_BY", "orders-runbook"},
	} {
		if _, _, err := svc.Relate(ctx, loader, cmdb.RelateInput{SourceID: cis[r[0]].ID, Type: r[1], TargetID: cis[r[2]].ID}); err != nil {
			return people.User{}, "", false, fmt.Errorf("demo relationship %v: %w", r, err)
		}
	}
	if err := loadCatalog(ctx, cat, loader, cis, groups); err != nil {
		return people.User{}, "", false, err
	}
	if err := loadChanges(ctx, chg, auth.Principal{Subject: admin.ID, Roles: admin.Roles}, cis, groups); err != nil {
		return people.User{}, "", false, err
	}
	if err := loadProblems(ctx, inc, prb, incident.Viewer{Principal: auth.Principal{Subject: admin.ID, Roles: admin.Roles}}, cis, groups); err != nil {
		return people.User{}, "", false, err
	}
	// The loader writes the articles as an agent; the admin publishes them.
	if err := loadKnowledge(ctx, kb, auth.Principal{Subject: loader.Subject, Roles: []auth.Role{auth.Agent}},
		auth.Principal{Subject: admin.ID, Roles: admin.Roles}, cis); err != nil {
		return people.User{}, "", false, err
	}
	return admin, password, true, nil
}

// loadChanges adds a standard change template and a submitted database
// upgrade next weekend, whose assessment shows what it would take down.
func loadChanges(ctx context.Context, chg *change.Service, p auth.Principal, cis map[string]cmdb.CI, groups map[string]people.Group) error {
	if _, err := chg.CreateTemplate(ctx, p, change.CreateTemplateInput{Name: "Restart an application server",
		Description:        "Rolling restart of one application instance behind the load balancer",
		ImplementationPlan: "drain the instance, restart, check health, re-enable", BackoutPlan: "keep the instance drained",
		CITypes: []cmdb.Type{cmdb.TypeApplication, cmdb.TypeServer, cmdb.TypeVirtualMachine}}); err != nil {
		return fmt.Errorf("demo change template: %w", err)
	}
	now := time.Now().UTC()
	saturday := now.AddDate(0, 0, (int(time.Saturday)-int(now.Weekday())+7)%7+7).Truncate(24 * time.Hour).Add(22 * time.Hour)
	end := saturday.Add(4 * time.Hour)
	c, err := chg.Create(ctx, p, change.CreateInput{Title: "Upgrade orders-db to PostgreSQL 16.4",
		Justification: "security fixes", TargetIDs: []string{cis["orders-db"].ID}, PlannedStart: &saturday, PlannedEnd: &end,
		ImplementationPlan: "switch to maintenance, pg_upgrade, run smoke tests", BackoutPlan: "restore the pre-upgrade snapshot",
		TestPlan: "order placement smoke test", AssignmentGroupID: groups["Database Team"].ID})
	if err != nil {
		return fmt.Errorf("demo change: %w", err)
	}
	if _, err := chg.Transition(ctx, p, change.TransitionInput{ID: c.ID, ExpectedVersion: c.Version, To: change.Submitted, Comment: "ready for the CAB"}); err != nil {
		return fmt.Errorf("demo change submission: %w", err)
	}
	return nil
}

func loadCatalog(ctx context.Context, cat *catalog.Catalog, loader auth.Principal, cis map[string]cmdb.CI, groups map[string]people.Group) error {
	ids := map[string]string{}
	for _, c := range cis {
		ids[c.Name] = c.ID
	}
	live := catalog.StatusLive
	critical := cmdb.CriticalityCritical
	for _, s := range []struct {
		name string
		kind catalog.Kind
	}{
		{"Webshop", catalog.KindBusinessService},
		{"Payments", catalog.KindBusinessService},
		{"Order processing", catalog.KindTechnicalService},
		{"Payment gateway", catalog.KindTechnicalService},
		{"Database platform", catalog.KindTechnicalService},
	} {
		created, err := cat.CreateService(ctx, loader, catalog.CreateServiceInput{Kind: s.kind, Name: s.name, Status: &live, Criticality: &critical, OwnerGroupID: groups["Platform Team"].ID})
		if err != nil {
			return fmt.Errorf("demo service %s: %w", s.name, err)
		}
		ids[s.name] = created.ID
	}
	for _, u := range []string{"Sales", "Finance"} {
		created, err := cat.CreateUnit(ctx, loader, catalog.CreateUnitInput{Name: u})
		if err != nil {
			return fmt.Errorf("demo unit %s: %w", u, err)
		}
		ids[u] = created.ID
	}
	for _, p := range []string{"Order to cash", "Customer payments"} {
		created, err := cat.CreateProcess(ctx, loader, catalog.CreateProcessInput{Name: p, Criticality: &critical})
		if err != nil {
			return fmt.Errorf("demo process %s: %w", p, err)
		}
		ids[p] = created.ID
	}
	for _, l := range [][3]string{
		{"Sales", catalog.Consumes, "Webshop"},
		{"Finance", catalog.Consumes, "Payments"},
		{"Sales", catalog.Consumes, "Payments"},
		{"Webshop", catalog.Supports, "Order to cash"},
		{"Payments", catalog.Supports, "Customer payments"},
		{"Webshop", catalog.DependsOn, "Order processing"},
		{"Payments", catalog.DependsOn, "Payment gateway"},
		{"Order processing", catalog.DependsOn, "orders-app"},
		{"Order processing", catalog.DependsOn, "Database platform"},
		{"Payment gateway", catalog.DependsOn, "payments-app"},
		{"Database platform", catalog.DependsOn, "orders-db"},
	} {
		if _, err := cat.Link(ctx, loader, catalog.LinkInput{SourceID: ids[l[0]], Type: l[1], TargetID: ids[l[2]]}); err != nil {
			return fmt.Errorf("demo link %v: %w", l, err)
		}
	}
	return nil
}
