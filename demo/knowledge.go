package demo

import (
	"context"
	"fmt"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/knowledge"
)

// loadKnowledge publishes a few articles linked to the demo CIs, one of
// them in Chinese: written by author, published by reviewer (an author
// may not publish their own).
func loadKnowledge(ctx context.Context, kb *knowledge.Service, author, reviewer auth.Principal, cis map[string]cmdb.CI) error {
	str := func(s string) *string { return &s }
	typ := func(t knowledge.Type) *knowledge.Type { return &t }
	aud := func(a knowledge.Audience) *knowledge.Audience { return &a }
	for _, in := range []knowledge.ContentInput{
		{Title: "orders-db connection pool exhausted: workaround", Summary: str("Orders time out when the database pool is full"),
			Body:     str("## Symptoms\nCheckout and order history time out.\n\n## Workaround\n1. Restart orders-app one instance at a time.\n2. Watch the pool gauge."),
			Keywords: []string{"orders", "database", "timeout", "pool"}, Category: str("database"), Type: typ(knowledge.KnownError),
			Audience: aud(knowledge.Internal), Language: str("en"), CIIDs: []string{cis["orders-db"].ID, cis["orders-app"].ID}},
		{Title: "Orders page is slow or times out", Summary: str("What to try before raising a ticket"),
			Body:     str("Reload the page after a minute. If it still fails, raise an incident naming the order number."),
			Keywords: []string{"orders", "slow"}, Category: str("self-service"), Type: typ(knowledge.FAQ),
			Audience: aud(knowledge.Public), Language: str("en"), CIIDs: []string{cis["orders-app"].ID}},
		{Title: "变更管理：如何申请数据库变更", Summary: str("变更管理流程与审批"),
			Body:     str("所有生产环境的数据库变更必须提交变更申请，经变更顾问委员会审批后，在维护窗口内实施。\n\n1. 填写变更申请\n2. 评估影响\n3. 审批\n4. 实施与回顾"),
			Keywords: []string{"变更", "数据库", "审批"}, Category: str("change"), Type: typ(knowledge.HowTo),
			Audience: aud(knowledge.Public), Language: str("zh-CN"), CIIDs: []string{cis["orders-db"].ID}},
	} {
		a, _, err := kb.Create(ctx, author, knowledge.CreateInput{ContentInput: in})
		if err != nil {
			return fmt.Errorf("demo article %s: %w", in.Title, err)
		}
		if a, err = kb.Transition(ctx, author, knowledge.TransitionInput{ID: a.ID, ExpectedVersion: a.Version, To: knowledge.InReview}); err != nil {
			return fmt.Errorf("demo article review: %w", err)
		}
		if _, err = kb.Transition(ctx, reviewer, knowledge.TransitionInput{ID: a.ID, ExpectedVersion: a.Version, To: knowledge.Published}); err != nil {
			return fmt.Errorf("demo article publishing: %w", err)
		}
	}
	return nil
}
