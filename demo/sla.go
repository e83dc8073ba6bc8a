package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/sla"
)

// LoadAgreements adds what service level management needs on the demo
// catalogue that Load wrote: Sales' SLA on the Webshop, the Database
// Team's OLA and Acme Hosting's underpinning contract beneath it.
func LoadAgreements(ctx context.Context, cat *catalog.Catalog, dir *people.Directory, slm *sla.Service) error {
	loader := auth.Principal{Subject: "demo-loader"}
	ids := map[string]string{}
	services, err := cat.Services(ctx, catalog.Filter{}, paging.Request{First: 100})
	if err != nil {
		return err
	}
	for _, s := range services.Items {
		ids[s.Name] = s.ID
	}
	units, err := cat.Units(ctx, paging.Request{First: 100})
	if err != nil {
		return err
	}
	for _, u := range units.Items {
		ids[u.Name] = u.ID
	}
	groups, err := dir.ListGroups(ctx, paging.Request{First: 100})
	if err != nil {
		return err
	}
	for _, g := range groups.Items {
		ids[g.Name] = g.ID
	}
	shop := []string{ids["Webshop"], ids["Order processing"], ids["Database platform"]}
	hours := func(h ...int) []sla.Target {
		var out []sla.Target
		for i, p := range sla.Priorities() {
			out = append(out, sla.Target{Priority: p, Response: time.Duration(h[i]) * time.Hour / 4, Resolution: time.Duration(h[i]) * time.Hour})
		}
		return out
	}
	if _, err := slm.Create(ctx, loader, sla.CreateInput{Terms: sla.Terms{Name: "Webshop gold", Description: "Sales' agreement on the shop, around the clock",
		CustomerID: ids["Sales"], ServiceIDs: shop, Targets: hours(4, 8, 24, 72, 120), Availability: 99.9, Schedule: sla.TwentyFourSeven(),
		WarningThreshold: 0.75, ReviewPeriod: sla.Quarterly, ReviewStart: time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)}}); err != nil {
		return fmt.Errorf("demo SLA: %w", err)
	}
	for _, o := range []sla.OLATerms{
		{Name: "Database Team OLA", Description: "The Database Team's share of Webshop gold", Kind: sla.OperationalAgreement,
			GroupID: ids["Database Team"], ServiceIDs: shop, Schedule: sla.TwentyFourSeven(),
			Targets: []sla.HoldTarget{{Priority: sla.P1, Within: 2 * time.Hour}, {Priority: sla.P2, Within: 4 * time.Hour}, {Priority: sla.P3, Within: 12 * time.Hour}}},
		{Name: "Acme Hosting contract", Description: "Data centre hands and feet under the shop", Kind: sla.UnderpinningContract,
			GroupID: ids["Acme Hosting"], ServiceIDs: shop, Schedule: sla.TwentyFourSeven(),
			Targets: []sla.HoldTarget{{Priority: sla.P1, Within: time.Hour}, {Priority: sla.P2, Within: 3 * time.Hour}, {Priority: sla.P3, Within: 8 * time.Hour}}},
	} {
		if _, err := slm.CreateOLA(ctx, loader, o); err != nil {
			return fmt.Errorf("demo %s: %w", o.Name, err)
		}
	}
	return nil
}
