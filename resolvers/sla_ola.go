package resolvers

import (
	"time"

	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/sla"
)

func olaModel(o sla.OLA) *model.Ola {
	return &model.Ola{
		ID: o.ID, Name: o.Name, Description: optional(o.Description), Kind: model.UnderpinningKind(o.Kind),
		GroupID: o.GroupID, ServiceIDs: o.ServiceIDs,
		Targets: mapSlice(o.Targets, func(t sla.HoldTarget) *model.OLATarget {
			return &model.OLATarget{Priority: model.Priority(t.Priority), Minutes: int(t.Within / time.Minute)}
		}),
		Schedule: scheduleModel(o.Schedule), PauseOn: enumList[model.HoldReason](o.PauseOn),
		Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
}

func olaTerms(in *model.OLATermsInput) sla.OLATerms {
	t := sla.OLATerms{
		Name: in.Name, Description: deref(in.Description), Kind: sla.UnderpinningKind(in.Kind), GroupID: in.GroupID, ServiceIDs: in.ServiceIds,
		Targets: mapSlice(in.Targets, func(t *model.OLATargetInput) sla.HoldTarget {
			return sla.HoldTarget{Priority: sla.Priority(t.Priority), Within: minutes(t.Minutes)}
		}),
		Schedule: scheduleOf(in.Schedule),
	}
	if in.PauseOn != nil { // nil leaves the default
		t.PauseOn = enumList[string](in.PauseOn)
	}
	return t
}

func holdClockModel(tc sla.TicketHoldClocks) *model.OLAClock {
	c := tc.Clock
	m := &model.OLAClock{Ola: olaModel(tc.OLA), Priority: model.Priority(c.Priority), HeldSeconds: int(c.Held / time.Second),
		DueAt: optionalTime(c.Due), Status: model.SLAClockStatus(c.Status)}
	if c.Status != sla.NotTargeted {
		n := int(c.Target / time.Minute)
		m.TargetMinutes = &n
	}
	return m
}

func olaReportModel(r sla.OLAReport) *model.OLAReport {
	return &model.OLAReport{Ola: olaModel(r.OLA), Tickets: r.Tickets, Met: r.Met, Breached: r.Breached, Compliance: r.Compliance,
		MeanHeldSeconds: int(r.MeanHeld / time.Second)}
}
