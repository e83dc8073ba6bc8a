package incident

import (
	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/sla"
	"github.com/itsm-graph/itsm/validate"
)

// Limits on incident input.
const (
	MaxShortDescriptionLen = 200
	MaxDescriptionLen      = 20000
	MaxCategoryLen         = 100
	MaxIDLen               = 200
	MaxIdemKeyLen          = 200
	MaxItems               = 100
	MaxLinks               = 100
	MaxNotesLen            = 20000
	MaxEntryLen            = 20000
	MaxCommentLen          = 4000
	MaxAudienceLen         = 200
	// AutoCloseBatch bounds how many incidents one AutoClose call closes.
	AutoCloseBatch = 500
)

func priorities() []Priority { return sla.Priorities() }

func checkIDs(field string, ids []string, max int) error {
	if len(ids) > max {
		return apperr.Invalid(field, "lists %d ids; the limit is %d", len(ids), max)
	}
	for _, id := range ids {
		if err := validate.Text(field, id, true, MaxIDLen); err != nil {
			return err
		}
	}
	return nil
}

// validateIncident checks the fields a caller sets.
func validateIncident(inc Incident) error {
	checks := []error{
		validate.Text("shortDescription", inc.ShortDescription, true, MaxShortDescriptionLen),
		validate.Text("description", inc.Description, false, MaxDescriptionLen),
		validate.Text("callerId", inc.CallerID, true, MaxIDLen),
		validate.Enum("channel", inc.Channel, Channels()),
		validate.Text("category", inc.Category, false, MaxCategoryLen),
		checkIDs("ciIds", inc.CIIDs, MaxItems),
		checkIDs("serviceIds", inc.ServiceIDs, MaxItems),
		validate.Enum("impact", inc.Impact, Levels()),
		validate.Enum("urgency", inc.Urgency, Levels()),
		validate.Enum("outage", inc.Outage, Outages()),
		validate.Text("assignmentGroupId", inc.AssignmentGroupID, false, MaxIDLen),
		validate.Text("assigneeId", inc.AssigneeID, false, MaxIDLen),
		checkIDs("problemIds", inc.ProblemIDs, MaxLinks),
		validate.Text("causedByChangeId", inc.CausedByChange, false, MaxIDLen),
		checkIDs("knowledgeIds", inc.KnowledgeIDs, MaxLinks),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}
