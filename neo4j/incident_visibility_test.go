package neo4j_test

import (
	"context"
	"slices"
	"testing"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
)

// forgetVisibilities makes every incident record look as records written
// before texts had a visibility do.
func forgetVisibilities(t *testing.T) {
	t.Helper()
	cfg := neo4jtest.Config(t)
	ctx := context.Background()
	auth := driver.NoAuth()
	if cfg.Password != "" {
		auth = driver.BasicAuth(cfg.User, cfg.Password, "")
	}
	d, err := driver.NewDriverWithContext(cfg.URI, auth)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close(ctx) }()
	_, err = driver.ExecuteQuery(ctx, d, `MATCH (r:IncidentRecord) REMOVE r.commentVisibility, r.reasonVisibility, r.visibility`,
		nil, driver.EagerResultTransformer, driver.ExecuteQueryWithDatabase(cfg.Database))
	if err != nil {
		t.Fatal(err)
	}
}

// Each text keeps the visibility it was written with; records from before
// visibilities read as INTERNAL, so the caller loses sight of them.
func TestTextVisibilityIsStoredAndOldTextIsInternal(t *testing.T) {
	f := newIncidents(t)
	inc, _ := f.alert(t, "a", "x")
	public := incident.CustomerVisible
	cur, err := f.inc.SetMajor(f.ctx, f.as(f.agent), incident.MajorInput{ID: inc.ID, ExpectedVersion: 1, Major: true, ManagerID: f.agent2.Subject,
		Reason: "webshop down", ReasonVisibility: &public})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.Reassign(f.ctx, f.as(f.agent), incident.ReassignInput{ID: inc.ID, ExpectedVersion: cur.Version, GroupID: f.group.ID,
		Reason: "to the desk", ReasonVisibility: &public}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inc.AddCommunication(f.ctx, f.as(f.agent), incident.CommunicationInput{IncidentID: inc.ID, Audience: "customers", Channel: "status page",
		Message: "we are on it", Visibility: &public}); err != nil {
		t.Fatal(err)
	}
	// texts renders what v reads of the incident's texts, with visibilities.
	texts := func(v incident.Viewer) []string {
		ids := []string{inc.ID}
		h, err := f.inc.History(f.ctx, v, ids)
		if err != nil {
			t.Fatal(err)
		}
		e, err := f.inc.Escalations(f.ctx, v, ids)
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.inc.Communications(f.ctx, v, ids)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, x := range h[inc.ID] {
			if x.Field == incident.FieldMajor {
				out = append(out, "major:"+x.To+":"+x.Comment+":"+string(x.CommentVisibility))
			}
		}
		for _, x := range e[inc.ID] {
			out = append(out, "escalation:"+x.Reason+":"+string(x.ReasonVisibility))
		}
		for _, x := range c[inc.ID] {
			out = append(out, "communication:"+x.Message+":"+string(x.Visibility))
		}
		return out
	}
	agent, caller := f.viewer(f.agent), f.viewer(f.caller)
	for _, c := range []struct {
		name string
		v    incident.Viewer
		want []string
	}{
		{"agent", agent, []string{"major:YES:" + f.agent2.Subject + ":webshop down:CUSTOMER_VISIBLE", "escalation:to the desk:CUSTOMER_VISIBLE", "communication:we are on it:CUSTOMER_VISIBLE"}},
		{"caller", caller, []string{"major:YES:webshop down:CUSTOMER_VISIBLE", "escalation:to the desk:CUSTOMER_VISIBLE", "communication:we are on it:CUSTOMER_VISIBLE"}},
	} {
		if got := texts(c.v); !slices.Equal(got, c.want) {
			t.Errorf("%s reads %q, want %q", c.name, got, c.want)
		}
	}

	forgetVisibilities(t)
	for _, c := range []struct {
		name string
		v    incident.Viewer
		want []string
	}{
		{"agent", agent, []string{"major:YES:" + f.agent2.Subject + ":webshop down:INTERNAL", "escalation:to the desk:INTERNAL", "communication:we are on it:INTERNAL"}},
		{"caller", caller, []string{"major:YES::INTERNAL", "escalation::INTERNAL"}},
	} {
		if got := texts(c.v); !slices.Equal(got, c.want) {
			t.Errorf("old records: %s reads %q, want %q", c.name, got, c.want)
		}
	}
}
