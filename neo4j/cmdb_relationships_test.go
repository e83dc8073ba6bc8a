package neo4j_test

import (
	"reflect"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
)

func TestRelationships(t *testing.T) {
	f := setup(t)
	app := f.create(t, "app", cmdb.TypeApplication)
	db := f.create(t, "db", cmdb.TypeDatabase)
	host := f.create(t, "host", cmdb.TypeServer)
	pool := f.create(t, "pool", cmdb.TypeCluster, func(in *cmdb.CreateInput) { in.MinimumUp = ptr(1) })
	retired := f.create(t, "old", cmdb.TypeServer)
	if _, err := f.svc.Retire(f.ctx, auth.Principal{Subject: "t"}, cmdb.RetireInput{ID: retired.ID, ExpectedVersion: 1, Reason: ""}); err != nil {
		t.Fatal(err)
	}

	rel, created, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID})
	if err != nil || !created || rel.Source.Name != "app" || rel.Target.Name != "db" || rel.Type != "DEPENDS_ON" {
		t.Fatalf("relate: %+v %v %v", rel, created, err)
	}
	again, created, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID})
	if err != nil || created || again.ID != rel.ID {
		t.Fatalf("relate again: %+v %v %v", again, created, err)
	}
	for _, r := range [][3]string{{db.ID, "RUNS_ON", host.ID}, {host.ID, "MEMBER_OF", pool.ID}, {app.ID, "USES", host.ID}} {
		if _, _, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: r[0], Type: r[1], TargetID: r[2]}); err != nil {
			t.Fatal(r, err)
		}
	}
	refusals := []struct {
		name                string
		source, typ, target string
		code                apperr.Code
	}{
		{"unknown type", app.ID, "LIKES", db.ID, apperr.BadUserInput},
		{"injection in type", app.ID, "DEPENDS_ON]->(x) DETACH DELETE x//", db.ID, apperr.BadUserInput},
		{"self", app.ID, "DEPENDS_ON", app.ID, apperr.BadUserInput},
		{"unknown source", "ci_nope", "DEPENDS_ON", db.ID, apperr.NotFound},
		{"retired end", app.ID, "DEPENDS_ON", retired.ID, apperr.BadUserInput},
		{"member of a non-group", db.ID, "MEMBER_OF", host.ID, apperr.BadUserInput},
	}
	for _, tt := range refusals {
		if _, _, err := f.svc.Relate(f.ctx, auth.Principal{Subject: "t"}, cmdb.RelateInput{SourceID: tt.source, Type: tt.typ, TargetID: tt.target}); !apperr.Is(err, tt.code) {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}

	names := func(rels []cmdb.Relationship) string {
		s := ""
		for _, r := range rels {
			s += r.Source.Name + "-" + r.Type + "->" + r.Target.Name + " "
		}
		return s
	}
	cases := []struct {
		dir   cmdb.Direction
		types []string
		limit int
		want  map[string]string
	}{
		{cmdb.Both, nil, 10, map[string]string{
			app.ID:  "app-DEPENDS_ON->db app-USES->host ",
			db.ID:   "app-DEPENDS_ON->db db-RUNS_ON->host ",
			host.ID: "host-MEMBER_OF->pool db-RUNS_ON->host app-USES->host ",
			pool.ID: "host-MEMBER_OF->pool ",
		}},
		{cmdb.Outgoing, nil, 10, map[string]string{app.ID: "app-DEPENDS_ON->db app-USES->host ", db.ID: "db-RUNS_ON->host ", host.ID: "host-MEMBER_OF->pool "}},
		{cmdb.Incoming, []string{"RUNS_ON", "USES"}, 10, map[string]string{host.ID: "db-RUNS_ON->host app-USES->host "}},
		{cmdb.Both, nil, 1, map[string]string{app.ID: "app-DEPENDS_ON->db ", db.ID: "app-DEPENDS_ON->db ", host.ID: "host-MEMBER_OF->pool ", pool.ID: "host-MEMBER_OF->pool "}},
	}
	for _, c := range cases {
		q := cmdb.RelationshipQuery{Direction: c.dir, Types: c.types, Limit: c.limit, Ends: cmdb.WholeEnds}
		got, err := f.svc.Relationships(f.ctx, []string{app.ID, db.ID, host.ID, pool.ID}, q)
		if err != nil {
			t.Fatal(err)
		}
		q.Ends = cmdb.SummaryEnds
		brief, err := f.svc.Relationships(f.ctx, []string{app.ID, db.ID, host.ID, pool.ID}, q)
		if err != nil {
			t.Fatal(err)
		}
		for id, rels := range got {
			if names(brief[id]) != names(rels) {
				t.Errorf("%s %v for %s: summaries %q, whole %q", c.dir, c.types, id, names(brief[id]), names(rels))
			}
			for i, r := range rels {
				b := brief[id][i]
				summary := cmdb.CI{ID: r.Target.ID, Name: r.Target.Name, Type: r.Target.Type, Status: r.Target.Status, Attributes: map[string]string{}}
				if r.Target.Environment == "" || !reflect.DeepEqual(b.Target, summary) || b.Source.ID != r.Source.ID || b.ID != r.ID {
					t.Errorf("%s for %s: summary relationship %+v, whole %+v", c.dir, id, b, r)
				}
			}
		}
		for id, want := range c.want {
			if names(got[id]) != want {
				t.Errorf("%s %v limit %d for %s: got %q, want %q", c.dir, c.types, c.limit, id, names(got[id]), want)
			}
		}
		for id, rels := range got {
			if _, ok := c.want[id]; !ok && len(rels) > 0 {
				t.Errorf("%s %v: unexpected relationships for %s: %s", c.dir, c.types, id, names(rels))
			}
		}
	}
	members, err := f.svc.Members(f.ctx, []string{pool.ID, app.ID})
	if err != nil || len(members[pool.ID]) != 1 || members[pool.ID][0].ID != host.ID || len(members[app.ID]) != 0 {
		t.Fatalf("members %+v %v", members, err)
	}
	byID, err := f.svc.Relationship(f.ctx, rel.ID)
	if err != nil || byID.Source.ID != app.ID || byID.Target.ID != db.ID {
		t.Fatalf("relationship by id: %+v %v", byID, err)
	}

	// Both ends record the addition once and the removal once.
	if h := f.history(t, db.ID); len(h) != 3 || h[0].Action != cmdb.ActionRelationshipAdded {
		t.Fatalf("db history before unrelate: %+v", h)
	}
	removed, err := f.svc.Unrelate(f.ctx, auth.Principal{Subject: "t"}, cmdb.UnrelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID})
	if err != nil || removed != rel.ID {
		t.Fatalf("unrelate: %q %v", removed, err)
	}
	for _, id := range []string{app.ID, db.ID} {
		if h := f.history(t, id); h[0].Action != cmdb.ActionRelationshipRemoved {
			t.Errorf("%s history head %+v", id, h[0])
		}
	}
	if _, err := f.svc.Unrelate(f.ctx, auth.Principal{Subject: "t"}, cmdb.UnrelateInput{SourceID: app.ID, Type: "DEPENDS_ON", TargetID: db.ID}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unrelate twice: %v", err)
	}
	if _, err := f.svc.Relationship(f.ctx, rel.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("removed relationship by id: %v", err)
	}
}
