package tests

import (
	"regexp"
	"slices"
	"testing"
)

// TestKnowledgeArticleFromDraftToPublished: an agent writes an article
// linked to a CI and a service, sends it for review; the author may not
// publish it even as a knowledge manager would, a knowledge manager
// publishes it and becomes its approver; history records each step.
func TestKnowledgeArticleFromDraftToPublished(t *testing.T) {
	e, w, team := newKnowledgeEnv(t)
	app1 := w.id(t, "orders-app")
	a, created := e.createArticle(t, team.author, map[string]any{"title": "Restart the orders app", "summary": "When orders hang",
		"body": "1. Drain the node\n2. Restart", "keywords": []string{"orders", "restart"}, "type": "HOW_TO", "audience": "PUBLIC",
		"language": "en", "configurationItemIds": []string{app1}, "serviceIds": w.idsOf(t, "Orders"), "idempotencyKey": "kb-1"})
	if !created || a.Version != 1 || a.Current.State != "DRAFT" || a.Current.Number != 1 || !regexp.MustCompile(`^KB\d{7}$`).MatchString(a.Number) {
		t.Fatalf("created %v: %+v", created, a)
	}
	if !slices.Equal(a.AllowedTransitions, []string{"IN_REVIEW"}) || !slices.Equal(a.Current.Authors, []string{subjKBAuthor}) || a.Published != nil {
		t.Fatalf("new draft: %+v", a)
	}
	// A retry with the key returns the same article.
	again, created := e.createArticle(t, team.author, map[string]any{"title": "Restart the orders app", "summary": "When orders hang",
		"body": "1. Drain the node\n2. Restart", "keywords": []string{"orders", "restart"}, "type": "HOW_TO", "audience": "PUBLIC",
		"language": "en", "configurationItemIds": []string{app1}, "serviceIds": w.idsOf(t, "Orders"), "idempotencyKey": "kb-1"})
	if created || again.ID != a.ID {
		t.Fatalf("retry created %v, id %s (first %s)", created, again.ID, a.ID)
	}

	// The reviewer cannot publish a draft that was not sent for review.
	e.fail(t, team.manager, transitionArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "to": "PUBLISHED"}}, "INVALID_TRANSITION")
	a = e.moveArticle(t, team.author, a, "IN_REVIEW")
	if a.Current.State != "IN_REVIEW" || a.Version != 2 {
		t.Fatalf("in review: %+v", a)
	}
	// A stale version is refused.
	e.fail(t, team.manager, transitionArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": 1, "to": "PUBLISHED"}}, "CONFLICT")
	// An agent is no reviewer.
	e.fail(t, team.agent, transitionArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "to": "PUBLISHED"}}, "FORBIDDEN")

	// A knowledge manager who wrote the article cannot publish it.
	own, _ := e.createArticle(t, team.manager, map[string]any{"title": "Own article"})
	own = e.moveArticle(t, team.manager, own, "IN_REVIEW")
	if slices.Contains(own.AllowedTransitions, "PUBLISHED") {
		t.Fatalf("the author is offered PUBLISHED: %v", own.AllowedTransitions)
	}
	r := e.fail(t, team.manager, transitionArticleMutation, map[string]any{"in": map[string]any{"id": own.ID, "expectedVersion": own.Version, "to": "PUBLISHED"}}, "FORBIDDEN")
	if !regexp.MustCompile(`you wrote version 1`).MatchString(r.Errors[0].Message) {
		t.Fatalf("message: %s", r.Errors[0].Message)
	}
	if got := e.article(t, team.manager, own.ID); got.Version != own.Version || got.Current.State != "IN_REVIEW" {
		t.Fatalf("a refused publish wrote: %+v", got)
	}
	own = e.moveArticle(t, team.manager2, own, "PUBLISHED")

	if !slices.Equal(a.AllowedTransitions, []string{"DRAFT"}) {
		t.Fatalf("author in review may only withdraw: %v", a.AllowedTransitions)
	}
	a = e.moveArticle(t, team.manager, a, "PUBLISHED")
	if a.Current.State != "PUBLISHED" || deref(a.Current.ApprovedBy) != subjKBManager || a.Current.ApprovedAt == nil ||
		a.Published == nil || a.Published.Number != 1 {
		t.Fatalf("published: %+v", a)
	}
	var states []string
	for _, h := range a.History {
		if h.Field == "STATE" {
			states = append(states, deref(h.From)+">"+deref(h.To))
		}
	}
	if !slices.Equal(states, []string{"<nil>>DRAFT", "DRAFT>IN_REVIEW", "IN_REVIEW>PUBLISHED"}) {
		t.Fatalf("history %v", states)
	}
	a = e.moveArticle(t, team.manager, a, "RETIRED")
	if a.Current.State != "RETIRED" || a.Published != nil || len(a.AllowedTransitions) != 0 {
		t.Fatalf("retired: %+v", a)
	}
	e.fail(t, team.manager, transitionArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "to": "PUBLISHED"}}, "INVALID_TRANSITION")
}

// TestKnowledgeEditPublishedStartsNewVersion: editing a published article
// starts version 2 as a DRAFT while version 1 stays live (requesters still
// read version 1); publishing version 2 makes version 1 OUTDATED, and every
// version stays readable with its approver.
func TestKnowledgeEditPublishedStartsNewVersion(t *testing.T) {
	e, _, team := newKnowledgeEnv(t)
	a := e.publishArticle(t, team, map[string]any{"title": "Reset a password", "body": "Use the portal", "audience": "PUBLIC"})
	a = e.updateArticle(t, team.problemManager, a, map[string]any{"body": "Use the new portal", "comment": "portal moved"})
	if a.Current.Number != 2 || a.Current.State != "DRAFT" || a.Published == nil || a.Published.Number != 1 ||
		deref(a.Published.Body) != "Use the portal" || deref(a.Current.Body) != "Use the new portal" {
		t.Fatalf("after editing the published article: %+v", a)
	}
	if !slices.Equal(a.Current.Authors, []string{"e2e-kb-problem-manager"}) {
		t.Fatalf("version 2 authors %v", a.Current.Authors)
	}
	// The requester still reads the live version 1.
	if r := e.article(t, team.requester, a.ID); r.Current.Number != 1 || deref(r.Current.Body) != "Use the portal" || len(r.Versions) != 1 {
		t.Fatalf("requester reads %+v", r)
	}
	// A second edit of the draft stays in version 2.
	a = e.updateArticle(t, team.author, a, map[string]any{"title": "Reset your password"})
	if a.Current.Number != 2 || len(a.Versions) != 2 || !slices.Equal(a.Current.Authors, []string{"e2e-kb-problem-manager", subjKBAuthor}) {
		t.Fatalf("second edit: %+v", a)
	}
	// An edit in review is refused and writes nothing.
	a = e.moveArticle(t, team.author, a, "IN_REVIEW")
	e.fail(t, team.author, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "expectedVersion": a.Version, "title": "x"}}, "INVALID_TRANSITION")
	a = e.moveArticle(t, team.manager, a, "PUBLISHED")
	if len(a.Versions) != 2 || a.Versions[0].State != "OUTDATED" || a.Versions[1].State != "PUBLISHED" ||
		deref(a.Versions[0].ApprovedBy) != subjKBManager || a.Published.Number != 2 {
		t.Fatalf("after publishing version 2: %+v", a.Versions)
	}
	if r := e.article(t, team.requester, a.ID); r.Current.Number != 2 || r.Current.Title != "Reset your password" {
		t.Fatalf("requester reads %+v", r.Current)
	}
}
