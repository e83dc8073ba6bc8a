package neo4j

import (
	"context"
	"encoding/json"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/incident"
)

// matrixCellDoc is one cell of the stored priority matrix document (see
// docs.go), under the Go field names it was first written with.
type matrixCellDoc struct {
	Impact   incident.Level    `json:"Impact"`
	Urgency  incident.Level    `json:"Urgency"`
	Priority incident.Priority `json:"Priority"`
}

const readMatrix = `
OPTIONAL MATCH (m:PriorityMatrix {name: 'incident'})
RETURN m.cells AS cells`

// PriorityMatrix implements incident.Store.
func (m *Incidents) PriorityMatrix(ctx context.Context) (incident.Matrix, error) {
	return read(ctx, m.s, func(tx driver.ManagedTransaction) (incident.Matrix, error) {
		recs, err := collect(ctx, tx, readMatrix, nil)
		if err != nil {
			return nil, err
		}
		v, _ := recs[0].Get("cells")
		text, ok := v.(string)
		if !ok {
			return nil, nil
		}
		return matrixFromText(text)
	})
}

func matrixFromText(text string) (incident.Matrix, error) {
	var cells []matrixCellDoc
	if err := json.Unmarshal([]byte(text), &cells); err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "the stored priority matrix is unreadable; an admin must set it again")
	}
	return convert(cells, func(d matrixCellDoc) incident.MatrixCell {
		return incident.MatrixCell{Impact: d.Impact, Urgency: d.Urgency, Priority: d.Priority}
	}), nil
}

func matrixText(m incident.Matrix) (string, error) {
	b, err := json.Marshal(convert(m, func(c incident.MatrixCell) matrixCellDoc {
		return matrixCellDoc{Impact: c.Impact, Urgency: c.Urgency, Priority: c.Priority}
	}))
	return string(b), err
}

const saveMatrix = `
MERGE (m:PriorityMatrix {name: 'incident'})
SET m.cells = $cells, m.updatedAt = $at, m.updatedBy = $actor`

// SavePriorityMatrix implements incident.Store.
func (m *Incidents) SavePriorityMatrix(ctx context.Context, matrix incident.Matrix, actor string, at time.Time) error {
	cells, err := matrixText(matrix)
	if err != nil {
		return err
	}
	_, err = write(ctx, m.s, func(tx driver.ManagedTransaction) (struct{}, error) {
		_, err := collect(ctx, tx, saveMatrix, map[string]any{"cells": cells, "at": at, "actor": actor})
		return struct{}{}, err
	})
	return err
}
