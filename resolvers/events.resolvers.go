package resolvers

import (
	"context"

	"github.com/itsm-graph/itsm/graph/model"
)

func (r *queryResolver) EventLog(ctx context.Context, after string, first *int, filter *model.EventFilter) (*model.EventLogPage, error) {
	return r.eventLog(ctx, after, first, filter)
}
