package neo4j

import (
	"time"

	"github.com/itsm-graph/itsm/sla"
)

// targetDoc, scheduleDoc and reviewActionDoc are the JSON documents of SLAs
// and their reviews (see docs.go); they kept the Go field names they were
// first written with.
type targetDoc struct {
	Priority   sla.Priority  `json:"Priority"`
	Response   time.Duration `json:"Response"`
	Resolution time.Duration `json:"Resolution"`
}

type scheduleDoc struct {
	Kind        sla.ScheduleKind `json:"Kind"`
	TimeZone    string           `json:"TimeZone"`
	Weekdays    []time.Weekday   `json:"Weekdays"`
	StartMinute int              `json:"StartMinute"`
	EndMinute   int              `json:"EndMinute"`
	Holidays    []string         `json:"Holidays"`
}

type reviewActionDoc struct {
	Description string     `json:"Description"`
	OwnerID     string     `json:"OwnerID"`
	Due         *time.Time `json:"Due"`
}

func targetToDoc(t sla.Target) targetDoc {
	return targetDoc{Priority: t.Priority, Response: t.Response, Resolution: t.Resolution}
}

func targetFromDoc(d targetDoc) sla.Target {
	return sla.Target{Priority: d.Priority, Response: d.Response, Resolution: d.Resolution}
}

func scheduleToDoc(s sla.Schedule) scheduleDoc {
	return scheduleDoc{Kind: s.Kind, TimeZone: s.TimeZone, Weekdays: s.Weekdays, StartMinute: s.StartMinute, EndMinute: s.EndMinute, Holidays: s.Holidays}
}

func scheduleFromDoc(d scheduleDoc) sla.Schedule {
	return sla.Schedule{Kind: d.Kind, TimeZone: d.TimeZone, Weekdays: d.Weekdays, StartMinute: d.StartMinute, EndMinute: d.EndMinute, Holidays: d.Holidays}
}

func reviewActionToDoc(a sla.ReviewAction) reviewActionDoc {
	return reviewActionDoc{Description: a.Description, OwnerID: a.OwnerID, Due: a.Due}
}

func reviewActionFromDoc(d reviewActionDoc) sla.ReviewAction {
	return sla.ReviewAction{Description: d.Description, OwnerID: d.OwnerID, Due: d.Due}
}
