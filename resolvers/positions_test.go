package resolvers

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// Each message of a subscription takes the next position queued; the mark
// of lost events turns its message into the error that says where to
// resume.
func TestPositionsTagMessagesInOrder(t *testing.T) {
	q := &positions{}
	ctx := context.WithValue(context.Background(), positionsKey{}, q)
	q.push(mark{position: 7})
	q.push(mark{position: 9})
	q.push(mark{position: 9, lost: true})
	data := func(context.Context) *graphql.Response { return &graphql.Response{Data: []byte(`{"x":1}`)} }
	for _, want := range []string{"7", "9"} {
		resp := Positions{}.InterceptResponse(ctx, data)
		if resp.Extensions["position"] != want || len(resp.Errors) != 0 {
			t.Fatalf("message: %+v, want position %s", resp, want)
		}
	}
	resp := Positions{}.InterceptResponse(ctx, data)
	if len(resp.Errors) != 1 || resp.Data != nil {
		t.Fatalf("lost: %+v", resp)
	}
	ext := resp.Errors[0].Extensions
	if ext["code"] != "UNAVAILABLE" || ext["reason"] != "SUBSCRIBER_TOO_SLOW" || ext["position"] != "9" {
		t.Fatalf("lost: %+v", ext)
	}
	// Queries and mutations have no queue and are left alone.
	if resp := (Positions{}).InterceptResponse(context.Background(), data); resp.Extensions != nil {
		t.Fatalf("a query got %+v", resp.Extensions)
	}
}
