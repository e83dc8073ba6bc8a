package neo4j

import (
	"time"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/catalog"
	"github.com/itsm-graph/itsm/change"
	"github.com/itsm-graph/itsm/cmdb"
)

// approvalDoc, assessmentDoc and reviewDoc are the JSON documents on a
// change node (see docs.go). The assessment's parts kept the Go field
// names they were first written with.
type approvalDoc struct {
	ApproverID string      `json:"approverId"`
	Roles      []auth.Role `json:"roles"`
	Decision   string      `json:"decision"`
	Comment    string      `json:"comment,omitempty"`
	At         time.Time   `json:"at"`
}

type assessmentDoc struct {
	At               time.Time            `json:"at"`
	Depth            int                  `json:"depth"`
	Counts           map[string]int       `json:"counts"`
	Down             int                  `json:"down"`
	BusinessServices []impactedServiceDoc `json:"businessServices"`
	Conflicts        []conflictDoc        `json:"conflicts"`
	FreezeWindowIDs  []string             `json:"freezeWindowIds"`
	OpenIncidents    []ticketRefDoc       `json:"openIncidents"`
	SLAs             []refDoc             `json:"slas"`
	PastChanges      int                  `json:"pastChanges"`
	PastFailures     int                  `json:"pastFailures"`
	Risk             riskDoc              `json:"risk"`
	Required         []requirementDoc     `json:"required"`
}

type impactedServiceDoc struct {
	ID          string           `json:"ID"`
	Name        string           `json:"Name"`
	Severity    string           `json:"Severity"`
	Criticality cmdb.Criticality `json:"Criticality"`
	Distance    int              `json:"Distance"`
}

type conflictDoc struct {
	ChangeID    string                  `json:"ChangeID"`
	Reasons     []change.ConflictReason `json:"Reasons"`
	SharedIDs   []string                `json:"SharedIDs"`
	SharedCount int                     `json:"SharedCount"`
	Overlap     windowDoc               `json:"Overlap"`
}

type windowDoc struct {
	Start time.Time `json:"Start"`
	End   time.Time `json:"End"`
}

type ticketRefDoc struct {
	ID       string `json:"ID"`
	Title    string `json:"Title"`
	State    string `json:"State"`
	Priority string `json:"Priority"`
}

type refDoc struct {
	ID   string `json:"ID"`
	Name string `json:"Name"`
}

type riskDoc struct {
	Score   int          `json:"Score"`
	Level   change.Level `json:"Level"`
	Factors []factorDoc  `json:"Factors"`
}

type factorDoc struct {
	Name   change.FactorName `json:"Name"`
	Points int               `json:"Points"`
	Detail string            `json:"Detail"`
}

type requirementDoc struct {
	Role  auth.Role `json:"Role"`
	Count int       `json:"Count"`
}

type reviewDoc struct {
	Outcome           change.Outcome `json:"Outcome"`
	Notes             string         `json:"Notes"`
	ReviewerID        string         `json:"ReviewerID"`
	At                time.Time      `json:"At"`
	CausedIncidentIDs []string       `json:"CausedIncidentIDs,omitempty"`
}

func approvalToDoc(a change.Approval) approvalDoc {
	return approvalDoc{ApproverID: a.ApproverID, Roles: a.Roles, Decision: string(a.Decision), Comment: a.Comment, At: a.At}
}

func approvalFromDoc(d approvalDoc) change.Approval {
	return change.Approval{ApproverID: d.ApproverID, Roles: d.Roles, Decision: change.Decision(d.Decision), Comment: d.Comment, At: d.At}
}

// assessmentToDoc leaves out ImpactedIDs, which are a property of their own.
func assessmentToDoc(a change.Assessment) assessmentDoc {
	d := assessmentDoc{At: a.At, Depth: a.Depth, Counts: map[string]int{}, Down: a.Down,
		BusinessServices: convert(a.BusinessServices, func(s change.ImpactedService) impactedServiceDoc {
			return impactedServiceDoc{ID: s.ID, Name: s.Name, Severity: s.Severity, Criticality: s.Criticality, Distance: s.Distance}
		}),
		Conflicts: convert(a.Conflicts, func(c change.Conflict) conflictDoc {
			return conflictDoc{ChangeID: c.ChangeID, Reasons: c.Reasons, SharedIDs: c.SharedIDs, SharedCount: c.SharedCount,
				Overlap: windowDoc{Start: c.Overlap.Start, End: c.Overlap.End}}
		}),
		FreezeWindowIDs: a.FreezeWindowIDs,
		OpenIncidents: convert(a.OpenIncidents, func(t change.TicketRef) ticketRefDoc {
			return ticketRefDoc{ID: t.ID, Title: t.Title, State: t.State, Priority: t.Priority}
		}),
		SLAs:         convert(a.SLAs, func(r change.Ref) refDoc { return refDoc{ID: r.ID, Name: r.Name} }),
		PastChanges:  a.PastChanges,
		PastFailures: a.PastFailures,
		Risk: riskDoc{Score: a.Risk.Score, Level: a.Risk.Level, Factors: convert(a.Risk.Factors, func(f change.Factor) factorDoc {
			return factorDoc{Name: f.Name, Points: f.Points, Detail: f.Detail}
		})},
		Required: convert(a.Required, func(r change.Requirement) requirementDoc { return requirementDoc{Role: r.Role, Count: r.Count} }),
	}
	for k, n := range a.Counts {
		d.Counts[string(k)] = n
	}
	return d
}

func assessmentFromDoc(d assessmentDoc, impactedIDs []string) *change.Assessment {
	a := &change.Assessment{At: d.At, Depth: d.Depth, ImpactedIDs: impactedIDs, Counts: map[catalog.Kind]int{}, Down: d.Down,
		BusinessServices: convert(d.BusinessServices, func(s impactedServiceDoc) change.ImpactedService {
			return change.ImpactedService{ID: s.ID, Name: s.Name, Severity: s.Severity, Criticality: s.Criticality, Distance: s.Distance}
		}),
		Conflicts: convert(d.Conflicts, func(c conflictDoc) change.Conflict {
			return change.Conflict{ChangeID: c.ChangeID, Reasons: c.Reasons, SharedIDs: c.SharedIDs, SharedCount: c.SharedCount,
				Overlap: change.Window{Start: c.Overlap.Start, End: c.Overlap.End}}
		}),
		FreezeWindowIDs: d.FreezeWindowIDs,
		OpenIncidents: convert(d.OpenIncidents, func(t ticketRefDoc) change.TicketRef {
			return change.TicketRef{ID: t.ID, Title: t.Title, State: t.State, Priority: t.Priority}
		}),
		SLAs:         convert(d.SLAs, func(r refDoc) change.Ref { return change.Ref{ID: r.ID, Name: r.Name} }),
		PastChanges:  d.PastChanges,
		PastFailures: d.PastFailures,
		Risk: change.Risk{Score: d.Risk.Score, Level: d.Risk.Level, Factors: convert(d.Risk.Factors, func(f factorDoc) change.Factor {
			return change.Factor{Name: f.Name, Points: f.Points, Detail: f.Detail}
		})},
		Required: convert(d.Required, func(r requirementDoc) change.Requirement { return change.Requirement{Role: r.Role, Count: r.Count} }),
	}
	for k, n := range d.Counts {
		a.Counts[catalog.Kind(k)] = n
	}
	return a
}

func reviewToDoc(r change.Review) reviewDoc {
	return reviewDoc{Outcome: r.Outcome, Notes: r.Notes, ReviewerID: r.ReviewerID, At: r.At, CausedIncidentIDs: r.CausedIncidentIDs}
}

func reviewFromDoc(d reviewDoc) *change.Review {
	return &change.Review{Outcome: d.Outcome, Notes: d.Notes, ReviewerID: d.ReviewerID, At: d.At, CausedIncidentIDs: d.CausedIncidentIDs}
}
