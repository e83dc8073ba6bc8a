package incident

import (
	"fmt"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/sla"
	"github.com/itsm-graph/itsm/validate"
)

// MatrixCell is one cell of the priority matrix.
type MatrixCell struct {
	Impact   Level
	Urgency  Level
	Priority Priority
}

// Matrix maps impact × urgency to a priority. It is data: an admin may
// replace the default, and Validate keeps it complete.
type Matrix []MatrixCell

// DefaultMatrix is SPEC §2.6: (H,H)=P1, (H,M)=(M,H)=P2, (H,L)=(M,M)=(L,H)=P3,
// (M,L)=(L,M)=P4, (L,L)=P5.
func DefaultMatrix() Matrix {
	return Matrix{
		{High, High, sla.P1}, {High, Medium, sla.P2}, {High, Low, sla.P3},
		{Medium, High, sla.P2}, {Medium, Medium, sla.P3}, {Medium, Low, sla.P4},
		{Low, High, sla.P3}, {Low, Medium, sla.P4}, {Low, Low, sla.P5},
	}
}

// Validate returns BAD_USER_INPUT unless the matrix has each of the nine
// (impact, urgency) cells exactly once, each with a priority P1..P5.
func (m Matrix) Validate() error {
	seen := map[[2]Level]bool{}
	for _, c := range m {
		if err := validate.Enum("matrix.impact", c.Impact, Levels()); err != nil {
			return err
		}
		if err := validate.Enum("matrix.urgency", c.Urgency, Levels()); err != nil {
			return err
		}
		if err := validate.Enum("matrix.priority", c.Priority, sla.Priorities()); err != nil {
			return err
		}
		k := [2]Level{c.Impact, c.Urgency}
		if seen[k] {
			return apperr.Invalid("matrix", "gives impact %s × urgency %s twice; give each cell once", c.Impact, c.Urgency)
		}
		seen[k] = true
	}
	for _, i := range Levels() {
		for _, u := range Levels() {
			if !seen[[2]Level{i, u}] {
				return apperr.Invalid("matrix", "has no priority for impact %s × urgency %s; give all nine cells", i, u)
			}
		}
	}
	return nil
}

// Priority returns the priority of (impact, urgency). The matrix must be
// valid; an unknown pair is a programming error.
func (m Matrix) Priority(impact, urgency Level) Priority {
	for _, c := range m {
		if c.Impact == impact && c.Urgency == urgency {
			return c.Priority
		}
	}
	panic(fmt.Sprintf("priority matrix has no cell %s × %s", impact, urgency))
}
