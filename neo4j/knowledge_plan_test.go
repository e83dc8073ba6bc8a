package neo4j_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/incident"
	"github.com/itsm-graph/itsm/knowledge"
	"github.com/itsm-graph/itsm/neo4j"
	"github.com/itsm-graph/itsm/neo4j/neo4jtest"
	"github.com/itsm-graph/itsm/search"
)

// knowledgeFilters are the filters the article list and search offer,
// alone and together.
func knowledgeFilters() map[string]knowledge.Filter {
	return map[string]knowledge.Filter{
		"no filter": {},
		"states":    {States: []knowledge.State{knowledge.Draft, knowledge.Published}},
		"types":     {Types: []knowledge.Type{knowledge.FAQ}},
		"audiences": {Audiences: []knowledge.Audience{knowledge.Public}},
		"category":  {Category: "database"},
		"CI":        {CIID: "ci_a"},
		"service":   {ServiceID: "svc_a", Types: []knowledge.Type{knowledge.HowTo}},
	}
}

// TestArticleListsUseIndexes is the PROFILE guard of knowledgeArticles:
// every filter, for staff (latest versions) and for requesters (published
// public ones), reads its pages from an index (counts are not guarded, as
// in the problem lists).
func TestArticleListsUseIndexes(t *testing.T) {
	s := neo4jtest.Open(t)
	for name, f := range knowledgeFilters() {
		checkPlans(t, s, "staff, "+name, neo4j.ArticleListStatements(f, knowledge.Visibility{}), false)
		vis := knowledge.VisibilityOf(auth.Principal{Roles: []auth.Role{auth.Requester}})
		bounded := f
		bounded.States, bounded.Audiences = vis.States, vis.Audiences
		checkPlans(t, s, "requester, "+name, neo4j.ArticleListStatements(bounded, vis), false)
	}
}

// TestSearchUsesTheFullTextIndex: every search, page and count, starts
// from the full-text index and scans no label.
func TestSearchUsesTheFullTextIndex(t *testing.T) {
	s := neo4jtest.Open(t)
	for name, f := range knowledgeFilters() {
		page, count, params := neo4j.SearchStatements(f)
		params["query"], params["afterValue"], params["afterId"], params["limit"] = "disk", 1.5, "kbv_x", int64(21)
		for which, stmt := range map[string]string{"page": page, "count": count} {
			checkFullTextPlan(t, s, name+", "+which, stmt, params)
		}
	}
}

// TestSearchBoxUsesTheFullTextIndex: the search box, for staff and for a
// customer or agent whose row rules are terms of the statement, starts
// from its full-text index and scans no label.
func TestSearchBoxUsesTheFullTextIndex(t *testing.T) {
	s := neo4jtest.Open(t)
	queries := map[string]search.Query{
		"staff":    {Kinds: search.Kinds(), IncidentScope: incident.Scope{All: true}},
		"agent":    {Kinds: search.Kinds(), IncidentScope: incident.Scope{AssigneeID: "usr_a", GroupIDs: []string{"grp_a"}, Unassigned: true, Major: true}},
		"customer": {Kinds: []search.Kind{search.Service, search.Incident}, IncidentScope: incident.Scope{CallerID: "usr_r"}, BusinessServicesOnly: true},
	}
	for name, q := range queries {
		q.Text = "disk"
		page, count, params := neo4j.RecordSearchStatements(q)
		params["afterValue"], params["afterId"], params["limit"] = 1.5, "ci_x", int64(21)
		for which, stmt := range map[string]string{"page": page, "count": count} {
			checkFullTextPlan(t, s, name+", "+which, stmt, params)
		}
	}
}

// checkFullTextPlan fails unless stmt starts from a full-text index and
// scans no label.
func checkFullTextPlan(t *testing.T, s *neo4j.Store, name, stmt string, params map[string]any) {
	t.Helper()
	ops, err := s.PlanDetails(context.Background(), stmt, params)
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stmt)
	}
	if !slices.ContainsFunc(ops, func(op string) bool {
		return strings.HasPrefix(op, "ProcedureCall") && strings.Contains(op, "db.index.fulltext.queryNodes")
	}) {
		t.Errorf("%s: no full-text index call in %v", name, ops)
	}
	for _, op := range ops {
		for _, scan := range scans {
			if strings.HasPrefix(op, scan) {
				t.Errorf("%s: planned with %s\n%s", name, op, stmt)
			}
		}
	}
}
