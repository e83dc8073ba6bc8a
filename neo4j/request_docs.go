package neo4j

import (
	"time"

	"github.com/itsm-graph/itsm/request"
)

// The stored documents of the request slice: an item's definition (on the
// item, and as the snapshot a request keeps), a request's answers and
// stages, and a task's notes.

type fieldDoc struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Pattern  string   `json:"pattern,omitempty"`
	Options  []string `json:"options,omitempty"`
	Help     string   `json:"help,omitempty"`
}

type stageDoc struct {
	Approver       string `json:"approver"`
	GroupID        string `json:"groupId,omitempty"`
	Rule           string `json:"rule"`
	Percent        int    `json:"percent,omitempty"`
	TimeoutSeconds int64  `json:"timeoutSeconds,omitempty"`
	DefaultApprove bool   `json:"defaultApprove,omitempty"`
}

type planDoc struct {
	Name    string `json:"name"`
	GroupID string `json:"groupId"`
	Step    int    `json:"step"`
}

type itemDoc struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	Description      string     `json:"description,omitempty"`
	Category         string     `json:"category,omitempty"`
	ServiceID        string     `json:"serviceId"`
	Price            float64    `json:"price"`
	Currency         string     `json:"currency"`
	OfferedTo        []string   `json:"offeredTo,omitempty"`
	Form             []fieldDoc `json:"form,omitempty"`
	FinanceThreshold *float64   `json:"financeThreshold,omitempty"`
	FinanceGroupID   string     `json:"financeGroupId,omitempty"`
	FinanceRule      string     `json:"financeRule,omitempty"`
	Stages           []stageDoc `json:"stages,omitempty"`
	Plan             []planDoc  `json:"plan,omitempty"`
	TargetSeconds    int64      `json:"targetSeconds"`
	Retired          bool       `json:"retired,omitempty"`
	Version          int        `json:"version"`
	CreatedAt        time.Time  `json:"createdAt"`
	UpdatedAt        time.Time  `json:"updatedAt"`
}

type answerDoc struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

type noteDoc struct {
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Body   string    `json:"body"`
}

func stagesToDoc(in []request.Stage) []stageDoc {
	out := make([]stageDoc, 0, len(in))
	for _, s := range in {
		out = append(out, stageDoc{Approver: string(s.Approver), GroupID: s.GroupID, Rule: string(s.Rule), Percent: s.Percent,
			TimeoutSeconds: int64(s.Timeout / time.Second), DefaultApprove: s.DefaultApprove})
	}
	return out
}

func stagesFromDoc(in []stageDoc) []request.Stage {
	var out []request.Stage
	for _, s := range in {
		out = append(out, request.Stage{Approver: request.ApproverKind(s.Approver), GroupID: s.GroupID, Rule: request.Rule(s.Rule),
			Percent: s.Percent, Timeout: time.Duration(s.TimeoutSeconds) * time.Second, DefaultApprove: s.DefaultApprove})
	}
	return out
}

func itemToDoc(it request.Item) itemDoc {
	d := itemDoc{ID: it.ID, Name: it.Name, Description: it.Description, Category: it.Category, ServiceID: it.ServiceID,
		Price: it.Price, Currency: it.Currency, OfferedTo: it.OfferedTo, FinanceThreshold: it.Policy.FinanceThreshold,
		FinanceGroupID: it.Policy.FinanceGroupID, FinanceRule: string(it.Policy.FinanceRule), Stages: stagesToDoc(it.Policy.Stages),
		TargetSeconds: int64(it.Target / time.Second), Retired: it.Retired, Version: it.Version, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
	for _, f := range it.Form {
		d.Form = append(d.Form, fieldDoc{Key: f.Key, Label: f.Label, Type: string(f.Type), Required: f.Required, Min: f.Min, Max: f.Max,
			Pattern: f.Pattern, Options: f.Options, Help: f.Help})
	}
	for _, p := range it.Plan {
		d.Plan = append(d.Plan, planDoc(p))
	}
	return d
}

func itemFromDoc(d itemDoc) request.Item {
	it := request.Item{ID: d.ID, Name: d.Name, Description: d.Description, Category: d.Category, ServiceID: d.ServiceID,
		Price: d.Price, Currency: d.Currency, OfferedTo: d.OfferedTo,
		Policy: request.ApprovalPolicy{FinanceThreshold: d.FinanceThreshold, FinanceGroupID: d.FinanceGroupID,
			FinanceRule: request.Rule(d.FinanceRule), Stages: stagesFromDoc(d.Stages)},
		Target: time.Duration(d.TargetSeconds) * time.Second, Retired: d.Retired, Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, f := range d.Form {
		it.Form = append(it.Form, request.Field{Key: f.Key, Label: f.Label, Type: request.FieldType(f.Type), Required: f.Required,
			Min: f.Min, Max: f.Max, Pattern: f.Pattern, Options: f.Options, Help: f.Help})
	}
	for _, p := range d.Plan {
		it.Plan = append(it.Plan, request.PlanTask(p))
	}
	return it
}

func answersToDoc(in []request.Answer) []answerDoc {
	out := make([]answerDoc, 0, len(in))
	for _, a := range in {
		out = append(out, answerDoc(a))
	}
	return out
}

func answersFromDoc(in []answerDoc) []request.Answer {
	var out []request.Answer
	for _, a := range in {
		out = append(out, request.Answer(a))
	}
	return out
}

func notesToDoc(in []request.Note) []noteDoc {
	out := make([]noteDoc, 0, len(in))
	for _, n := range in {
		out = append(out, noteDoc(n))
	}
	return out
}

func notesFromDoc(in []noteDoc) []request.Note {
	var out []request.Note
	for _, n := range in {
		out = append(out, request.Note(n))
	}
	return out
}
