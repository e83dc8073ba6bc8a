package neo4j_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/people"
)

func TestListFiltersOrderAndPaging(t *testing.T) {
	f := setup(t)
	g, _ := f.dir.CreateGroup(f.ctx, auth.Principal{}, people.CreateGroupInput{Name: "Net", Kind: people.Team})
	for i := range 25 {
		typ := cmdb.TypeServer
		if i%5 == 0 {
			typ = cmdb.TypeNetworkDevice
		}
		f.create(t, fmt.Sprintf("node-%02d", i), typ, func(in *cmdb.CreateInput) {
			if i%2 == 0 {
				in.OwnerGroupID = &g.ID
			}
			in.Attributes = []cmdb.AttributeInput{{Key: "rack", Value: ptr(fmt.Sprint(i % 3))}}
		})
	}
	f.create(t, "Gateway-Edge", cmdb.TypeNetworkDevice)

	filters := []struct {
		name string
		f    cmdb.Filter
		want int
	}{
		{"all", cmdb.Filter{}, 26},
		{"type", cmdb.Filter{Types: []cmdb.Type{cmdb.TypeNetworkDevice}}, 6},
		{"owner", cmdb.Filter{OwnerGroupID: g.ID}, 13},
		{"name contains, any case", cmdb.Filter{NameContains: "EDGE"}, 1},
		{"name contains digits", cmdb.Filter{NameContains: "-1"}, 10},
		{"attribute", cmdb.Filter{AttrKey: "rack", AttrValue: "2"}, 8},
		{"combined", cmdb.Filter{Types: []cmdb.Type{cmdb.TypeServer}, AttrKey: "rack", AttrValue: "0"}, 7},
		{"status", cmdb.Filter{Statuses: []cmdb.Status{cmdb.StatusPlanned}}, 0},
		{"every status", cmdb.Filter{Statuses: cmdb.Statuses()}, 26},
		{"every status but active", cmdb.Filter{Statuses: slices.DeleteFunc(cmdb.Statuses(), func(s cmdb.Status) bool { return s == cmdb.StatusActive })}, 0},
	}
	for _, tt := range filters {
		p, err := f.svc.List(f.ctx, tt.f, cmdb.Order{}, paging.Request{First: 100})
		if err != nil || p.Total != tt.want || len(p.Items) != tt.want {
			t.Errorf("%s: total %d, %d items, %v; want %d", tt.name, p.Total, len(p.Items), err, tt.want)
		}
	}

	for _, order := range []cmdb.Order{{Field: cmdb.OrderByName}, {Field: cmdb.OrderByName, Desc: true}, {Field: cmdb.OrderByCreatedAt, Desc: true}, {Field: cmdb.OrderByUpdatedAt}} {
		var names []string
		req := paging.Request{First: 7}
		pages := 0
		for {
			p, err := f.svc.List(f.ctx, cmdb.Filter{}, order, req)
			if err != nil {
				t.Fatal(order, err)
			}
			pages++
			for _, c := range p.Items {
				names = append(names, c.Name)
			}
			if p.HasPrevious != (req.After != "") || p.Total != 26 {
				t.Fatalf("%v page %d: hasPrevious %v total %d", order, pages, p.HasPrevious, p.Total)
			}
			if !p.HasNext {
				break
			}
			req.After = p.Cursors[len(p.Cursors)-1]
		}
		if pages != 4 || len(names) != 26 {
			t.Fatalf("%v: %d pages, %d items", order, pages, len(names))
		}
		for i := 1; i < len(names); i++ {
			if order.Field == cmdb.OrderByName && (names[i-1] < names[i]) == order.Desc {
				t.Fatalf("%v: %q before %q", order, names[i-1], names[i])
			}
			if order.Field == cmdb.OrderByCreatedAt && names[i-1] < names[i] && names[i] != "Gateway-Edge" && names[i-1] != "Gateway-Edge" {
				t.Fatalf("%v: %q before %q", order, names[i-1], names[i])
			}
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Fatalf("%v: %s twice", order, n)
			}
			seen[n] = true
		}
	}
	first, _ := f.svc.List(f.ctx, cmdb.Filter{}, cmdb.Order{Field: cmdb.OrderByName}, paging.Request{First: 2})
	if _, err := f.svc.List(f.ctx, cmdb.Filter{}, cmdb.Order{Field: cmdb.OrderByCreatedAt}, paging.Request{First: 2, After: first.Cursors[1]}); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("cursor of another order: %v", err)
	}
	if _, err := f.svc.List(f.ctx, cmdb.Filter{AttrKey: "x` = 1 DETACH DELETE c //"}, cmdb.Order{}, paging.Request{First: 2}); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("bad attribute key: %v", err)
	}
}

func TestHistoryPaging(t *testing.T) {
	f := setup(t)
	ci := f.create(t, "x", cmdb.TypeServer)
	for v := 1; v <= 6; v++ {
		if _, err := f.svc.Update(f.ctx, auth.Principal{Subject: "t"}, cmdb.UpdateInput{ID: ci.ID, ExpectedVersion: v, Name: ptr(fmt.Sprintf("x%d", v))}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	req := paging.Request{First: 3}
	for {
		h, err := f.svc.History(f.ctx, []string{ci.ID}, req)
		if err != nil {
			t.Fatal(err)
		}
		p := h[ci.ID]
		if p.Total != 7 {
			t.Fatalf("total %d", p.Total)
		}
		for _, e := range p.Items {
			name := "created"
			for _, c := range e.Changes {
				if c.Field == "name" && e.Action == cmdb.ActionUpdated {
					name = *c.After
				}
			}
			got = append(got, name)
		}
		if !p.HasNext {
			break
		}
		req.After = p.Cursors[len(p.Cursors)-1]
	}
	want := `"x6" "x5" "x4" "x3" "x2" "x1" created`
	if fmt.Sprint(got) != "["+want+"]" {
		t.Fatalf("history order %v, want [%s]", got, want)
	}
	e, err := f.svc.HistoryEntry(f.ctx, f.history(t, ci.ID)[0].ID)
	if err != nil || e.Action != cmdb.ActionUpdated {
		t.Fatalf("entry by id: %+v %v", e, err)
	}
}
