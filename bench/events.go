package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/neo4j"
)

// eventWrites is how many writes each event measurement times.
const eventWrites = 60

// EventResult measures the event log: how long a write made through one
// instance takes to reach a subscriber of another at the default poll
// interval, and what appending the event costs the write.
type EventResult struct {
	PollInterval string `json:"pollInterval"`
	// Delivery runs from the commit of a CI update on one instance to its
	// delivery to a subscriber of another (its own connection, woken by
	// nothing but its poll).
	Delivery Latency `json:"delivery"`
	// ProductWrite is a CI update through the product, event included.
	ProductWrite Latency `json:"productWrite"`
	// RawWrite is a raw Cypher update of the same CI; RawWriteWithEvent
	// the same with the event appended in its transaction.
	RawWrite          Latency `json:"rawWrite"`
	RawWriteWithEvent Latency `json:"rawWriteWithEvent"`
	// AppendRatioP50 is RawWriteWithEvent over RawWrite; ProductRatioP50
	// the product's write over the same write less the append's cost.
	AppendRatioP50  float64 `json:"appendRatioP50"`
	ProductRatioP50 float64 `json:"productRatioP50"`
}

// measureEvents times event delivery across instances and the cost of
// appending events, on the CIs of the estate.
func (b *bench) measureEvents(ctx context.Context, api *app.App, ciIDs []string) (EventResult, error) {
	res := EventResult{PollInterval: app.DefaultEventPoll.String()}
	other, err := neo4j.Open(ctx, neo4j.Config{URI: b.o.uri, User: b.o.user, Password: b.o.password, Database: database, RetryTime: 30 * time.Second})
	if err != nil {
		return res, err
	}
	defer func() { _ = other.Close(ctx) }()
	hub := events.NewHub(other.Events(), app.DefaultEventPoll, 0)
	if err := hub.Start(ctx); err != nil {
		return res, err
	}
	tail, stop := context.WithCancel(ctx)
	defer stop()
	go hub.Run(tail, func(error) {})
	heard, err := events.NewTopic[cmdb.CI](hub, events.KindCI).Subscribe(tail, nil, nil)
	if err != nil {
		return res, err
	}

	r := rand.New(rand.NewPCG(b.o.seed, 7))
	who := auth.Principal{Subject: "bench", Roles: []auth.Role{auth.ConfigManager}}
	update := func(id string) (cmdb.CI, error) {
		cur, err := api.CMDB.Get(ctx, id)
		if err != nil {
			return cmdb.CI{}, err
		}
		desc := fmt.Sprintf("bench %d", r.Int64())
		return api.CMDB.Update(ctx, who, cmdb.UpdateInput{ID: id, ExpectedVersion: cur.Version, Description: &desc})
	}
	var delivery []time.Duration
	for i := range eventWrites {
		// Writes land at random phases of the poll.
		time.Sleep(time.Duration(r.Int64N(int64(app.DefaultEventPoll))))
		ci, err := update(ciIDs[r.IntN(len(ciIDs))])
		if err != nil {
			return res, err
		}
		committed := time.Now()
		for {
			select {
			case d := <-heard:
				if d.Lost {
					return res, fmt.Errorf("the subscriber lost events")
				}
				if d.Value.ID != ci.ID || d.Value.Version != ci.Version {
					continue
				}
				delivery = append(delivery, time.Since(committed))
			case <-time.After(10 * time.Second):
				return res, fmt.Errorf("write %d was not delivered within 10s", i)
			}
			break
		}
	}
	res.Delivery = summarize(delivery)

	// The append's cost: the same raw update with and without it, and the
	// product's update, interleaved so that drift hits all three alike.
	var raw, rawEvent, product []time.Duration
	for range eventWrites {
		id := ciIDs[r.IntN(len(ciIDs))]
		for _, withEvent := range []bool{false, true} {
			start := time.Now()
			if err := b.rawUpdate(ctx, id, withEvent); err != nil {
				return res, err
			}
			if withEvent {
				rawEvent = append(rawEvent, time.Since(start))
			} else {
				raw = append(raw, time.Since(start))
			}
		}
		start := time.Now()
		if _, err := update(id); err != nil {
			return res, err
		}
		product = append(product, time.Since(start))
	}
	res.RawWrite, res.RawWriteWithEvent, res.ProductWrite = summarize(raw), summarize(rawEvent), summarize(product)
	if res.RawWrite.P50 > 0 {
		res.AppendRatioP50 = res.RawWriteWithEvent.P50 / res.RawWrite.P50
	}
	if without := res.ProductWrite.P50 - (res.RawWriteWithEvent.P50 - res.RawWrite.P50); without > 0 {
		res.ProductRatioP50 = res.ProductWrite.P50 / without
	}
	return res, nil
}

const rawCIUpdate = `
MATCH (c:CI:Item {id: $id})
SET c.description = $description, c.version = c.version + 1, c.updatedAt = datetime()
RETURN properties(c) AS c`

// rawUpdate changes a CI's description in one transaction of raw Cypher,
// appending its event when withEvent.
func (b *bench) rawUpdate(ctx context.Context, id string, withEvent bool) error {
	sess := b.raw.NewSession(ctx, driver.SessionConfig{DatabaseName: database, AccessMode: driver.AccessModeWrite})
	defer func() { _ = sess.Close(ctx) }()
	_, err := sess.ExecuteWrite(ctx, func(tx driver.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, rawCIUpdate, map[string]any{"id": id, "description": "raw " + time.Now().String()})
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil || !withEvent {
			return nil, err
		}
		props, _ := rec.Get("c")
		e, err := events.Of(events.KindCI, id, []string{id}, props)
		if err != nil {
			return nil, err
		}
		stmt, params := neo4j.AppendStatement(e)
		_, err = tx.Run(ctx, stmt, params)
		return nil, err
	})
	return err
}
