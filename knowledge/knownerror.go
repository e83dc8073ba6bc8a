package knowledge

import (
	"context"
	"fmt"

	"github.com/itsm-graph/itsm/auth"
)

// KnownErrorSource is what a known error's article is written from: the
// problem's number, title, root cause, workaround and links, at one of its
// versions.
type KnownErrorSource struct {
	ProblemID, Number, Title string
	RootCause, Workaround    string
	CIIDs, ServiceIDs        []string
	Version                  int
}

// PublishKnownError writes a known error's root cause and workaround as a
// KNOWN_ERROR article linked to the problem, its CIs and services, and
// submits it for review: publishing stays with a knowledge manager, as for
// every article. Once per version of the problem: a retry returns the
// article the first call wrote (created false) and submits it if it is
// still a draft.
func (s *Service) PublishKnownError(ctx context.Context, p auth.Principal, src KnownErrorSource, audience *Audience) (Article, bool, error) {
	key := fmt.Sprintf("known-error:%s:%d", src.ProblemID, src.Version)
	title := cutRunes(fmt.Sprintf("Known error %s: %s", src.Number, src.Title), MaxTitleLen)
	summary := cutRunes(src.Workaround, MaxSummaryLen)
	body := fmt.Sprintf("## Root cause\n\n%s\n\n## Workaround\n\n%s\n", src.RootCause, src.Workaround)
	kind := KnownError
	a, created, err := s.Create(ctx, p, CreateInput{IdempotencyKey: &key, ContentInput: ContentInput{
		Title: title, Summary: &summary, Body: &body, Type: &kind, Audience: audience,
		CIIDs: src.CIIDs, ServiceIDs: src.ServiceIDs, ProblemIDs: []string{src.ProblemID},
	}})
	if err != nil || a.Latest.State != Draft {
		return a, created, err
	}
	a, err = s.Transition(ctx, p, TransitionInput{ID: a.ID, ExpectedVersion: a.Version, To: InReview,
		Comment: "the workaround of known error " + src.Number})
	return a, created, err
}

// cutRunes cuts s to at most n characters, marking the cut.
func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
