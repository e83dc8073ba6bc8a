package demo

import (
	"context"
	"fmt"

	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/people"
	"github.com/itsm-graph/itsm/problem"
)

// loadProblems adds two incidents on the orders application and the known
// error behind them: the orders database's connection pool runs out under
// load, with a workaround, linked to both incidents.
func loadProblems(ctx context.Context, inc *incident.Service, prb *problem.Service, v incident.Viewer, cis map[string]cmdb.CI, groups map[string]people.Group) error {
	desk, dbTeam := groups["Service Desk"].ID, groups["Database Team"].ID
	var incidentIDs []string
	for _, text := range []string{"Orders page times out at checkout", "Order history does not load"} {
		i, _, err := inc.Create(ctx, v.Principal, incident.CreateInput{ShortDescription: text, CIIDs: []string{cis["orders-app"].ID},
			Impact: incident.Medium, Urgency: incident.High, AssignmentGroupID: &desk})
		if err != nil {
			return fmt.Errorf("demo incident: %w", err)
		}
		incidentIDs = append(incidentIDs, i.ID)
	}
	p, _, err := prb.Create(ctx, v, problem.CreateInput{Title: "orders-db connection pool exhausted under load",
		Description: "Orders time out when traffic peaks", Category: "database",
		Impact: incident.High, Urgency: incident.Medium, AssignmentGroupID: &dbTeam,
		CIIDs: []string{cis["orders-app"].ID, cis["orders-db"].ID}, IncidentIDs: incidentIDs})
	if err != nil {
		return fmt.Errorf("demo problem: %w", err)
	}
	if p, err = prb.Transition(ctx, v, problem.TransitionInput{ID: p.ID, ExpectedVersion: p.Version, To: problem.Investigating}); err != nil {
		return fmt.Errorf("demo problem investigation: %w", err)
	}
	rootCause := "orders-app opens a database connection per request and the pool of orders-db (100) runs out at peak"
	workaround := "Restart orders-app one instance at a time (standard change 'Restart an application server') to release the connections"
	rootCI := cis["orders-db"].ID
	if _, err = prb.Transition(ctx, v, problem.TransitionInput{ID: p.ID, ExpectedVersion: p.Version, To: problem.KnownError,
		RootCause: &rootCause, RootCauseCIID: &rootCI, Workaround: &workaround}); err != nil {
		return fmt.Errorf("demo known error: %w", err)
	}
	return nil
}
