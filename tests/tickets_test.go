package tests

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/itsm-graph/itsm/app"
	"github.com/itsm-graph/itsm/auth"
)

// checkSequence fails unless numbers are distinct, of the form
// prefix + seven digits, and consecutive.
func checkSequence(t *testing.T, prefix string, numbers []string) {
	t.Helper()
	shape := regexp.MustCompile(`^` + prefix + `([0-9]{7})$`)
	var ns []int
	for _, n := range numbers {
		m := shape.FindStringSubmatch(n)
		if m == nil {
			t.Fatalf("number %q is not %s and seven digits", n, prefix)
		}
		v, _ := strconv.Atoi(m[1])
		ns = append(ns, v)
	}
	slices.Sort(ns)
	for i := 1; i < len(ns); i++ {
		if ns[i] != ns[i-1]+1 {
			t.Fatalf("%s numbers are not unique and consecutive: %v", prefix, ns)
		}
	}
}

// TestTicketNumbers: incidents and changes get human-readable numbers,
// unique and consecutive even when created concurrently; every kind of
// ticket reads by number as by id, with the same visibility; numbers show
// in subscriptions; a bad number is refused with the reason.
func TestTicketNumbers(t *testing.T) {
	e, w, team, _ := newChangeEnv(t, app.Limits{})
	iteam := newIncidentTeam(t, e)
	start, end := nowWindow()

	const n = 12
	incs := make([]incidentData, n)
	chgs := make([]changeData, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			incs[i], _ = e.createIncident(t, iteam.agent, map[string]any{"shortDescription": fmt.Sprintf("concurrent %d", i), "callerId": subjCaller, "impact": "LOW", "urgency": "LOW"})
		})
		wg.Go(func() {
			chgs[i] = e.createChange(t, team.requester, normalChange(fmt.Sprintf("concurrent %d", i), w.idsOf(t, "cache"), start, end))
		})
	}
	wg.Wait()
	var incNumbers, chgNumbers []string
	for i := range n {
		incNumbers, chgNumbers = append(incNumbers, incs[i].Number), append(chgNumbers, chgs[i].Number)
	}
	checkSequence(t, "INC", incNumbers)
	checkSequence(t, "CHG", chgNumbers)

	t.Run("read by number", func(t *testing.T) {
		var out struct {
			Incident struct{ ID, Number string } `json:"incident"`
			Change   struct{ ID, Number string } `json:"change"`
		}
		e.ok(t, e.analyst, `query($i: String, $c: String) { incident(number: $i) { id number } change(number: $c) { id number } }`,
			map[string]any{"i": incs[3].Number, "c": chgs[5].Number}, &out)
		if out.Incident.ID != incs[3].ID || out.Change.ID != chgs[5].ID {
			t.Errorf("by number: %+v, want incident %s and change %s", out, incs[3].ID, chgs[5].ID)
		}
		pm := e.mint(t, "numbers-problem-manager", auth.ProblemManager)
		prb, _ := e.createProblem(t, pm, map[string]any{"title": "numbered", "impact": "LOW", "urgency": "LOW"})
		var p struct {
			Problem struct{ ID string } `json:"problem"`
		}
		e.ok(t, pm, `query($n: String) { problem(number: $n) { id } }`, map[string]any{"n": prb.Number}, &p)
		if p.Problem.ID != prb.ID {
			t.Errorf("problem by number %s: %s, want %s", prb.Number, p.Problem.ID, prb.ID)
		}
		lower := []byte(incs[3].Number)
		copy(lower, "inc")
		e.ok(t, e.analyst, `query($i: String) { incident(number: $i) { id number } }`, map[string]any{"i": string(lower)}, &out)
		if out.Incident.ID != incs[3].ID {
			t.Errorf("lower-case number read %s", out.Incident.ID)
		}
	})

	t.Run("the caller's own rule applies", func(t *testing.T) {
		q := `query($i: String) { incident(number: $i) { id } }`
		e.ok(t, iteam.caller, q, map[string]any{"i": incs[0].Number}, nil)
		e.fail(t, iteam.other, q, map[string]any{"i": "INC9999999"}, "NOT_FOUND")
		hidden := e.fail(t, iteam.other, q, map[string]any{"i": incs[0].Number}, "NOT_FOUND")
		if want := "no incident has number " + incs[0].Number; hidden.Errors[0].Message != want {
			t.Errorf("an incident out of reach answers %q, want %q as for an unknown number", hidden.Errors[0].Message, want)
		}
	})

	t.Run("bad numbers", func(t *testing.T) {
		for _, tc := range []struct {
			name, query string
			vars        map[string]any
			code        string
		}{
			{"malformed", `query($n: String) { incident(number: $n) { id } }`, map[string]any{"n": "INC-12"}, "BAD_USER_INPUT"},
			{"another kind", `query($n: String) { incident(number: $n) { id } }`, map[string]any{"n": chgs[0].Number}, "BAD_USER_INPUT"},
			{"both", `query($n: String, $id: ID) { incident(id: $id, number: $n) { id } }`, map[string]any{"n": incs[0].Number, "id": incs[0].ID}, "BAD_USER_INPUT"},
			{"neither", `{ change { id } }`, nil, "BAD_USER_INPUT"},
			{"unknown", `query($n: String) { change(number: $n) { id } }`, map[string]any{"n": "CHG0999999"}, "NOT_FOUND"},
		} {
			t.Run(tc.name, func(t *testing.T) { e.fail(t, e.analyst, tc.query, tc.vars, tc.code) })
		}
	})

	t.Run("subscriptions carry the number", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := e.connectWS(t, ctx, "", map[string]any{"Authorization": "Bearer " + e.analyst})
		c.expectAck(t)
		c.subscribe(t, "1", `subscription($id: ID) { incidentChanged(id: $id) { id number } }`, map[string]any{"id": incs[1].ID})
		e.awaitLive(t, c, "1", iteam.agent, incs[1].ID)
		e.ok(t, iteam.agent, addEntryMutation, map[string]any{"in": map[string]any{"incidentId": incs[1].ID, "kind": "WORK_NOTE", "body": "again"}}, nil)
		ev, ok := nextEvent(t, c, "1", "incidentChanged", 10*time.Second)
		if !ok || !regexp.MustCompile(`"number":"`+incs[1].Number+`"`).Match(ev.Payload) {
			t.Errorf("event %s, want number %s", ev.Payload, incs[1].Number)
		}
	})
}
