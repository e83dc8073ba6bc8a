package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/request"
)

// LoadRequests adds the request catalogue's demo: a workplace service, a
// menu of a laptop (finance approval over 1,000 EUR, then the line
// manager; imaged by the workplace team and shipped by a vendor in
// parallel), a software licence (the service owner approves) and VPN
// access (no approval), the people who order, approve and fulfil them,
// and a request in each of a few states. Run it once, after Load loaded
// the rest.
func LoadRequests(ctx context.Context, cat *catalog.Catalog, dir *people.Directory, req *request.Service, admin people.User) error {
	loader := auth.Principal{Subject: "demo-loader"}
	groups := map[string]string{}
	for _, g := range []struct {
		name string
		kind people.GroupKind
	}{{"Finance Approvers", people.Team}, {"Workplace Team", people.Team}, {"Laptop Vendor", people.Vendor}, {"Staff", people.Team}} {
		created, err := dir.CreateGroup(ctx, loader, people.CreateGroupInput{Name: g.name, Kind: g.kind})
		if err != nil {
			return fmt.Errorf("demo group %s: %w", g.name, err)
		}
		groups[g.name] = created.ID
	}
	users := map[string]request.Viewer{}
	for _, u := range []struct {
		name, display, manager string
		role                   auth.Role
		groups                 []string
	}{
		{"mona", "Mona Manager", "", auth.Requester, []string{"Staff", "Workplace Team"}},
		{"rita", "Rita Requester", "mona", auth.Requester, []string{"Staff"}},
		{"fiona", "Fiona Finance", "", auth.Requester, []string{"Finance Approvers", "Staff"}},
		{"dan", "Dan Desktop", "", auth.Agent, []string{"Workplace Team"}},
		{"vic", "Vic Vendor", "", auth.Agent, []string{"Laptop Vendor"}},
	} {
		in := people.CreateUserInput{Username: u.name, DisplayName: u.display, Roles: []auth.Role{u.role}, ManagerID: users[u.manager].Principal.Subject}
		for _, g := range u.groups {
			in.GroupIDs = append(in.GroupIDs, groups[g])
		}
		created, err := dir.CreateUser(ctx, loader, in)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.name, err)
		}
		users[u.name] = request.Viewer{Principal: auth.Principal{Subject: created.ID, Roles: created.Roles}, GroupIDs: in.GroupIDs}
	}
	live := catalog.StatusLive
	svc, err := cat.CreateService(ctx, loader, catalog.CreateServiceInput{Kind: catalog.KindBusinessService, Name: "Workplace", Status: &live,
		OwnerGroupID: groups["Workplace Team"]})
	if err != nil {
		return fmt.Errorf("demo service Workplace: %w", err)
	}
	owner := request.Viewer{Principal: auth.Principal{Subject: admin.ID, Roles: admin.Roles}}
	threshold, minMemory, maxMemory := 1000.0, 8.0, 64.0
	items := map[string]request.Item{}
	for _, it := range []request.Item{
		{Name: "Laptop", Category: "Hardware", Description: "A standard laptop, imaged and delivered", ServiceID: svc.ID, Price: 1250,
			Currency: "EUR", OfferedTo: []string{groups["Staff"]}, Target: 72 * time.Hour,
			Form: []request.Field{
				{Key: "model", Label: "Model", Type: request.Choice, Required: true, Options: []string{"13-inch", "15-inch"}},
				{Key: "memoryGb", Label: "Memory (GB)", Type: request.Number, Min: &minMemory, Max: &maxMemory},
				{Key: "neededBy", Label: "Needed by", Type: request.Date},
				{Key: "justification", Label: "Why", Type: request.Text, Required: true},
			},
			Policy: request.ApprovalPolicy{FinanceThreshold: &threshold, FinanceGroupID: groups["Finance Approvers"], FinanceRule: request.Any,
				Stages: []request.Stage{{Approver: request.LineManager, Rule: request.Any}}},
			Plan: []request.PlanTask{{Name: "Image the laptop", GroupID: groups["Workplace Team"], Step: 1},
				{Name: "Ship the laptop", GroupID: groups["Laptop Vendor"], Step: 1}}},
		{Name: "Software licence", Category: "Software", ServiceID: svc.ID, Price: 90, Currency: "EUR", Target: 24 * time.Hour,
			Form:   []request.Field{{Key: "product", Label: "Product", Type: request.Choice, Required: true, Options: []string{"Office", "Visio", "Project"}}},
			Policy: request.ApprovalPolicy{Stages: []request.Stage{{Approver: request.ServiceOwner, Rule: request.Any, Timeout: 48 * time.Hour, DefaultApprove: true}}},
			Plan:   []request.PlanTask{{Name: "Assign the licence", GroupID: groups["Workplace Team"], Step: 1}}},
		{Name: "VPN access", Category: "Access", ServiceID: svc.ID, Price: 0, Currency: "EUR", Target: 8 * time.Hour,
			Form: []request.Field{{Key: "reason", Label: "What for", Type: request.Text, Required: true}},
			Plan: []request.PlanTask{{Name: "Grant VPN access", GroupID: groups["Workplace Team"], Step: 1}}},
	} {
		created, err := req.CreateItem(ctx, owner, it)
		if err != nil {
			return fmt.Errorf("demo catalogue item %s: %w", it.Name, err)
		}
		items[it.Name] = created
	}
	order := func(who, item string, answers ...request.Answer) (request.Record, error) {
		rec, _, err := req.Submit(ctx, users[who], request.SubmitInput{ItemID: items[item].ID, Quantity: 1, Answers: answers})
		if err != nil {
			return request.Record{}, fmt.Errorf("demo request %s for %s: %w", item, who, err)
		}
		return rec, nil
	}
	laptop := []request.Answer{{Key: "model", Values: []string{"13-inch"}}, {Key: "justification", Values: []string{"new starter"}}}
	// Waiting for finance.
	if _, err := order("rita", "Laptop", laptop...); err != nil {
		return err
	}
	// Rejected by finance.
	rejected, err := order("rita", "Laptop", laptop...)
	if err != nil {
		return err
	}
	if _, err := req.Decide(ctx, users["fiona"], approvalOf(rejected, users["fiona"]), false, "a laptop was delivered last month"); err != nil {
		return fmt.Errorf("demo rejection: %w", err)
	}
	// In fulfilment: VPN access needs no approval.
	if _, err := order("rita", "VPN access", request.Answer{Key: "reason", Values: []string{"working from home"}}); err != nil {
		return err
	}
	// Closed with a survey: a licence the service owner approved.
	lic, err := order("fiona", "Software licence", request.Answer{Key: "product", Values: []string{"Visio"}})
	if err != nil {
		return err
	}
	if lic, err = req.Decide(ctx, users["mona"], approvalOf(lic, users["mona"]), true, ""); err != nil {
		return fmt.Errorf("demo licence approval: %w", err)
	}
	done := request.TaskDone
	if lic, err = req.UpdateTask(ctx, users["dan"], lic.Request.Version, request.TaskChange{TaskID: lic.Tasks[0].ID, State: &done, Note: "assigned"}); err != nil {
		return fmt.Errorf("demo licence task: %w", err)
	}
	if lic, err = req.Transition(ctx, users["fiona"], lic.Request.ID, lic.Request.Version, request.Closed, ""); err != nil {
		return fmt.Errorf("demo licence confirmation: %w", err)
	}
	if _, err = req.Survey(ctx, users["fiona"], lic.Request.ID, 5, "had it within the hour"); err != nil {
		return fmt.Errorf("demo licence survey: %w", err)
	}
	return nil
}

// approvalOf returns the id of v's approval on rec.
func approvalOf(rec request.Record, v request.Viewer) string {
	for _, a := range rec.Approvals {
		if a.ApproverID == v.Principal.Subject {
			return a.ID
		}
	}
	return ""
}
