package request

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/cmdb"
	"github.com/itsm-graph/itsm/ids"
	"github.com/itsm-graph/itsm/paging"
	"github.com/itsm-graph/itsm/validate"
)

// Store persists the catalogue and requests. Every method runs in one
// transaction; callbacks run inside it and may run more than once (the
// driver retries transient failures), so they must be pure.
type Store interface {
	// CreateItem writes it; NOT_FOUND naming the field for an unknown
	// service or group.
	CreateItem(ctx context.Context, it Item) (Item, error)
	// UpdateItem locks the item, passes it to apply and writes what apply
	// returns (checked as CreateItem). NOT_FOUND when absent.
	UpdateItem(ctx context.Context, id string, apply func(Item) (Item, error)) (Item, error)
	// GetItems returns the items with these ids, in any order.
	GetItems(ctx context.Context, ids []string) ([]Item, error)
	// ListItems returns every item by name (the live ones unless retired).
	ListItems(ctx context.Context, retired bool) ([]Item, error)
	// Submit writes a new request in one transaction: with key set, a key
	// seen before writes nothing and returns the request it created
	// (CONFLICT when the fingerprint differs). Otherwise it reads the item
	// (NOT_FOUND when absent), the people its approvals need (for the
	// line manager of forID) and which of the references refsOf finds in
	// the answers (and forID, when not the requester) do not exist, passes
	// them to build, numbers the record build returns and writes it.
	Submit(ctx context.Context, key *ids.IdempotencyKey, o Order, refsOf func(Item) Refs,
		build func(it Item, d Directory, missing []string) (Record, []HistoryEntry, error)) (Record, bool, error)
	// GetRequests returns the requests with these ids, with their
	// approvals and tasks, in any order.
	GetRequests(ctx context.Context, ids []string) ([]Record, error)
	// UpdateRequest locks the request, passes it to apply and writes the
	// record apply returns with its history. NOT_FOUND when absent.
	UpdateRequest(ctx context.Context, id string, apply func(Record) (Record, []HistoryEntry, error)) (Record, error)
	// RequestOf returns the id of the request an approval or task belongs
	// to; NOT_FOUND when there is none.
	RequestOf(ctx context.Context, approvalOrTaskID string) (string, error)
	// MyRequests pages the requests made by or for subject, newest first.
	MyRequests(ctx context.Context, subject string, p paging.Request) (paging.Page[Record], error)
	// MyApprovals pages the approvals pending with subject, oldest first,
	// each with its request.
	MyApprovals(ctx context.Context, subject string, p paging.Request) (paging.Page[Awaiting], error)
	// TaskQueue pages the tasks of these groups in these states, oldest
	// opened first.
	TaskQueue(ctx context.Context, groupIDs []string, states []TaskState, p paging.Request) (paging.Page[Task], error)
	// ListRequests pages every request the filter lets through, newest
	// first.
	ListRequests(ctx context.Context, f Filter, p paging.Request) (paging.Page[Record], error)
	// History returns the moves of many requests, oldest first.
	History(ctx context.Context, ids []string) (map[string][]HistoryEntry, error)
	// DueTimeOuts returns up to limit requests with a pending approval due
	// at or before now; DueClosures those FULFILLED at or before before.
	DueTimeOuts(ctx context.Context, now time.Time, limit int) ([]string, error)
	DueClosures(ctx context.Context, before time.Time, limit int) ([]string, error)
	// Finished returns up to limit requests closed (or fulfilled) within
	// [from, to), for reports.
	Finished(ctx context.Context, from, to time.Time, limit int) ([]Record, error)
	// ClockRequests returns, without approvals and tasks, the requests in
	// fulfilment and those fulfilled at or after since.
	ClockRequests(ctx context.Context, since time.Time) ([]Record, error)
	// RequestsApproved returns, without approvals and tasks, the requests
	// for any of serviceIDs approved within [from, to).
	RequestsApproved(ctx context.Context, serviceIDs []string, from, to time.Time) ([]Record, error)
}

// Order names what Submit writes: the new request's id and time, the
// item, who orders it and for whom.
type Order struct {
	ID, ItemID, RequesterID, ForID string
	At                             time.Time
}

// EventKeys are what subscribers follow a request by: its id, the people
// it was made by and for, and the groups with a task open on it. Every
// write of a request appends its event to the log in the same transaction,
// with those of the approvals it opened (see Opened).
func EventKeys(rec Record) []string {
	keys := []string{rec.Request.ID, rec.Request.RequesterID, rec.Request.RequestedForID}
	for _, t := range rec.Tasks {
		if t.State != TaskWaiting {
			keys = append(keys, groupKey(t.GroupID))
		}
	}
	return keys
}

// FollowerKeys are the keys a subscriber to all their requests follows:
// their own, and their groups' (the requests with a task for them).
func FollowerKeys(v Viewer) []string {
	keys := []string{v.Principal.Subject}
	for _, g := range v.GroupIDs {
		keys = append(keys, groupKey(g))
	}
	return keys
}

func groupKey(id string) string { return "group:" + id }

// ApprovalKeys are what subscribers follow approvals by: the approver.
func ApprovalKeys(a Approval) []string { return []string{a.ApproverID} }

// Opened lists the approvals of rec that the write which made it from
// before opened (before is empty for a new request): those its approver
// is now asked to decide.
func Opened(before, rec Record) []Approval {
	var out []Approval
	for _, a := range rec.Approvals {
		was := slices.IndexFunc(before.Approvals, func(b Approval) bool { return b.ID == a.ID })
		if a.State == Pending && (was < 0 || before.Approvals[was].State != Pending) {
			out = append(out, a)
		}
	}
	return out
}

// Policy holds the closure window.
type Policy struct {
	// ConfirmWindow is how long a fulfilled request waits for the
	// requester before it closes by itself.
	ConfirmWindow time.Duration
}

// DefaultPolicy waits five days for confirmation, as incidents do.
func DefaultPolicy() Policy { return Policy{ConfirmWindow: 5 * 24 * time.Hour} }

// SweepBatch is the most requests one sweep round moves.
const SweepBatch = 100

// CIs creates the configuration items fulfilment tasks deliver
// (cmdb.Service).
type CIs interface {
	Create(ctx context.Context, caller auth.Principal, in cmdb.CreateInput) (cmdb.CI, error)
}

// WithCIs lets fulfilment tasks create configuration items through cis.
func (s *Service) WithCIs(cis CIs) *Service {
	s.cis = cis
	return s
}

// Service applies the request rules.
type Service struct {
	cis    CIs
	store  Store
	policy Policy
	now    func() time.Time
	newID  func(prefix string) string
}

// NewService returns a Service; a zero policy takes DefaultPolicy.
func NewService(store Store, policy Policy, now func() time.Time, newID func(string) string) *Service {
	if policy.ConfirmWindow <= 0 {
		policy = DefaultPolicy()
	}
	return &Service{store: store, policy: policy, now: now, newID: newID}
}

func (s *Service) clock(actor string) Clock {
	return Clock{Now: s.now().UTC(), Actor: actor, NewID: s.newID}
}

// update runs one UpdateRequest.
func (s *Service) update(ctx context.Context, id string, apply func(Record) (Record, []HistoryEntry, error)) (Record, error) {
	return s.store.UpdateRequest(ctx, id, apply)
}

// bumped returns rec as the next version of cur, written at now.
func bumped(rec, cur Record, now time.Time) Record {
	rec.Request.Version, rec.Request.UpdatedAt = cur.Request.Version+1, now
	return rec
}

func notFound(id string) error { return apperr.New(apperr.NotFound, "no request has id %q", id) }

// ItemNotFound is the answer for an item that does not exist or is not
// offered to the caller: the two look alike.
func ItemNotFound(id string) error {
	return apperr.New(apperr.NotFound, "no catalogue item %q is offered to you; choose one from requestCatalogue", id)
}

func forbidden(v Viewer) error {
	if CanManage(v.Principal) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "managing the request catalogue needs the SERVICE_OWNER role")
}

// CreateItem adds an item, version 1. FORBIDDEN without SERVICE_OWNER;
// BAD_USER_INPUT naming the field; NOT_FOUND for unknown references.
func (s *Service) CreateItem(ctx context.Context, v Viewer, it Item) (Item, error) {
	if err := forbidden(v); err != nil {
		return Item{}, err
	}
	now := s.now().UTC()
	it.ID, it.Version, it.Retired, it.CreatedAt, it.UpdatedAt = s.newID(ItemPrefix), 1, false, now, now
	if err := ValidateItem(it); err != nil {
		return Item{}, err
	}
	return s.store.CreateItem(ctx, it)
}

// UpdateItem replaces an item's definition (retire sets Retired) as a new
// version; requests already made keep the version they were ordered from.
// CONFLICT when stale; INVALID_TRANSITION on a retired item.
func (s *Service) UpdateItem(ctx context.Context, v Viewer, expected int, it Item) (Item, error) {
	if err := forbidden(v); err != nil {
		return Item{}, err
	}
	now := s.now().UTC()
	return s.store.UpdateItem(ctx, it.ID, func(cur Item) (Item, error) {
		if cur.Version != expected {
			return Item{}, apperr.Stale("catalogue item", cur.ID, cur.Version, expected)
		}
		if cur.Retired {
			return Item{}, apperr.New(apperr.InvalidTransition, "catalogue item %s is retired and can no longer be changed", cur.ID)
		}
		next := it
		next.Version, next.CreatedAt, next.UpdatedAt = cur.Version+1, cur.CreatedAt, now
		if err := ValidateItem(next); err != nil {
			return Item{}, err
		}
		return next, nil
	})
}

// RetireItem takes an item off the menu for good.
func (s *Service) RetireItem(ctx context.Context, v Viewer, id string, expected int) (Item, error) {
	if err := forbidden(v); err != nil {
		return Item{}, err
	}
	now := s.now().UTC()
	return s.store.UpdateItem(ctx, id, func(cur Item) (Item, error) {
		if cur.Version != expected {
			return Item{}, apperr.Stale("catalogue item", cur.ID, cur.Version, expected)
		}
		if cur.Retired {
			return Item{}, apperr.New(apperr.InvalidTransition, "catalogue item %s is already retired", cur.ID)
		}
		cur.Retired, cur.Version, cur.UpdatedAt = true, cur.Version+1, now
		return cur, nil
	})
}

// Items returns the items of ids v may read, keyed by id.
func (s *Service) Items(ctx context.Context, v Viewer, ids []string) (map[string]Item, error) {
	got, err := s.store.GetItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]Item{}
	for _, it := range got {
		if SeesItem(v, it) {
			out[it.ID] = it
		}
	}
	return out, nil
}

// Catalogue lists the items offered to v, by name.
func (s *Service) Catalogue(ctx context.Context, v Viewer) ([]Item, error) {
	all, err := s.store.ListItems(ctx, false)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(it Item) bool { return !Offered(v, it) }), nil
}

// AllItems lists every item, retired ones too, for catalogue managers.
func (s *Service) AllItems(ctx context.Context, v Viewer) ([]Item, error) {
	if !SeesAll(v.Principal) {
		return nil, apperr.New(apperr.Forbidden, "the whole catalogue is for SERVICE_OWNER and ANALYST; use requestCatalogue")
	}
	return s.store.ListItems(ctx, true)
}

// SubmitInput is an order.
type SubmitInput struct {
	ItemID         string
	Quantity       int
	Answers        []Answer
	RequestedForID string
	IdempotencyKey *string
}

// Submit orders an item for v (or for RequestedForID) in one write.
// NOT_FOUND for an item that does not exist, is retired or is not offered
// to v (the three look alike: the menu shows only what v may order);
// BAD_USER_INPUT naming every wrong answer, or the quantity (1..100);
// CONFLICT for an idempotency key reused for another order or an item
// whose approvals nobody may decide.
func (s *Service) Submit(ctx context.Context, v Viewer, in SubmitInput) (Record, bool, error) {
	if err := validate.Text("itemId", in.ItemID, true, MaxIDLen); err != nil {
		return Record{}, false, err
	}
	if in.Quantity < 1 || in.Quantity > MaxQuantity {
		return Record{}, false, apperr.Invalid("quantity", "must be between 1 and %d (got %d)", MaxQuantity, in.Quantity)
	}
	if err := validate.Text("requestedFor", in.RequestedForID, false, MaxIDLen); err != nil {
		return Record{}, false, err
	}
	if len(in.Answers) > MaxFields {
		return Record{}, false, apperr.Invalid("answers", "lists %d answers; the limit is %d", len(in.Answers), MaxFields)
	}
	me := v.Principal.Subject
	forID := in.RequestedForID
	if forID == "" {
		forID = me
	}
	c := s.clock(me)
	r := Request{ID: s.newID(Prefix), Quantity: in.Quantity, RequesterID: me, RequestedForID: forID, Version: 1,
		CreatedAt: c.Now, UpdatedAt: c.Now}
	var key *ids.IdempotencyKey
	if in.IdempotencyKey != nil {
		if err := validate.Text("idempotencyKey", *in.IdempotencyKey, true, MaxIdemKeyLen); err != nil {
			return Record{}, false, err
		}
		r.IdempotencyKey = *in.IdempotencyKey
		key = &ids.IdempotencyKey{Scope: me + "\x1fsubmitRequest", Key: *in.IdempotencyKey,
			Fingerprint: ids.Fingerprint(struct {
				Item, For string
				Qty       int
				Answers   []Answer
			}{in.ItemID, forID, in.Quantity, in.Answers})}
	}
	refsOf := func(it Item) Refs {
		_, refs, _ := CheckAnswers(it.Form, in.Answers)
		return refs
	}
	got, created, err := s.store.Submit(ctx, key, Order{ID: r.ID, ItemID: in.ItemID, RequesterID: me, ForID: forID, At: c.Now}, refsOf, func(it Item, d Directory, missing []string) (Record, []HistoryEntry, error) {
		if !Offered(v, it) {
			return Record{}, nil, ItemNotFound(in.ItemID)
		}
		answers, _, err := CheckAnswers(it.Form, in.Answers)
		if err != nil {
			return Record{}, nil, err
		}
		if len(missing) > 0 {
			e := apperr.New(apperr.BadUserInput, "%v name no existing record; choose existing ones", missing)
			e.Field = missing[0]
			return Record{}, nil, e
		}
		next := r
		next.Item, next.Answers = it, answers
		next.Cost = math.Round(it.Price*float64(in.Quantity)*100) / 100
		next.Stages = StagesFor(it, next.Cost)
		return Plan(next, d, c)
	})
	return got, created, err
}

// Get returns one request v may read; NOT_FOUND otherwise.
func (s *Service) Get(ctx context.Context, v Viewer, id string) (Record, error) {
	got, err := s.GetMany(ctx, v, []string{id})
	if err != nil {
		return Record{}, err
	}
	rec, ok := got[id]
	if !ok {
		return Record{}, notFound(id)
	}
	return rec, nil
}

// GetMany returns the requests of ids that v may read, keyed by id.
func (s *Service) GetMany(ctx context.Context, v Viewer, ids []string) (map[string]Record, error) {
	out := map[string]Record{}
	if len(ids) == 0 {
		return out, nil
	}
	recs, err := s.store.GetRequests(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		if CanSee(v, rec) {
			out[rec.Request.ID] = rec
		}
	}
	return out, nil
}

// seen runs apply on request id under its lock, after the read rule: a
// request v may not read is NOT_FOUND, as a read would answer; a stale
// expected version (when given) is CONFLICT.
func (s *Service) seen(ctx context.Context, v Viewer, id string, expected *int, apply func(Record) (Record, []HistoryEntry, error)) (Record, error) {
	return s.update(ctx, id, func(cur Record) (Record, []HistoryEntry, error) {
		if !CanSee(v, cur) {
			return Record{}, nil, notFound(id)
		}
		if expected != nil && cur.Request.Version != *expected {
			return Record{}, nil, apperr.Stale("request", cur.Request.Number, cur.Request.Version, *expected)
		}
		next, h, err := apply(cur)
		if err != nil {
			return Record{}, nil, err
		}
		return bumped(next, cur, s.now().UTC()), h, nil
	})
}

// Transition makes a requester's move: cancel, confirm (CLOSED) or say the
// fulfilment is not done (IN_FULFILMENT). See CheckTransition.
func (s *Service) Transition(ctx context.Context, v Viewer, id string, expected int, to State, comment string) (Record, error) {
	if err := validate.Enum("to", to, States()); err != nil {
		return Record{}, err
	}
	if err := validate.Text("comment", comment, false, MaxReasonLen); err != nil {
		return Record{}, err
	}
	c := s.clock(v.Principal.Subject)
	return s.seen(ctx, v, id, &expected, func(cur Record) (Record, []HistoryEntry, error) {
		if err := CheckTransition(v, cur, to); err != nil {
			return Record{}, nil, err
		}
		rec, h := Move(cur, to, comment, c)
		return rec, h, nil
	})
}

// Decide records v's decision on one of their approvals (see Decide).
func (s *Service) Decide(ctx context.Context, v Viewer, approvalID string, approve bool, reason string) (Record, error) {
	if err := validate.Text("approvalId", approvalID, true, MaxIDLen); err != nil {
		return Record{}, err
	}
	if err := validate.Text("reason", reason, false, MaxReasonLen); err != nil {
		return Record{}, err
	}
	id, err := s.store.RequestOf(ctx, approvalID)
	if err != nil {
		return Record{}, apperr.New(apperr.NotFound, "no approval %q waits for you", approvalID)
	}
	c := s.clock(v.Principal.Subject)
	return s.seen(ctx, v, id, nil, func(cur Record) (Record, []HistoryEntry, error) {
		return Decide(cur, approvalID, approve, reason, c)
	})
}

// UpdateTask works a fulfilment task (see UpdateTask); the CI a task
// created or linked is named by ciId.
func (s *Service) UpdateTask(ctx context.Context, v Viewer, expected int, ch TaskChange) (Record, error) {
	if err := validate.Text("taskId", ch.TaskID, true, MaxIDLen); err != nil {
		return Record{}, err
	}
	if err := validate.Text("note", ch.Note, false, MaxNoteLen); err != nil {
		return Record{}, err
	}
	if ch.State != nil {
		if err := validate.Enum("state", *ch.State, TaskStates()); err != nil {
			return Record{}, err
		}
	}
	if ch.CIID != nil {
		if err := validate.Text("ciId", *ch.CIID, true, MaxIDLen); err != nil {
			return Record{}, err
		}
	}
	id, err := s.store.RequestOf(ctx, ch.TaskID)
	if err != nil {
		return Record{}, apperr.New(apperr.NotFound, "no task has id %q", ch.TaskID)
	}
	c := s.clock(v.Principal.Subject)
	if ch.NewCI != nil {
		if ch.CIID, err = s.deliverCI(ctx, v, id, expected, ch, c); err != nil {
			return Record{}, err
		}
	}
	return s.seen(ctx, v, id, &expected, func(cur Record) (Record, []HistoryEntry, error) {
		return UpdateTask(v, cur, ch, c)
	})
}

// deliverCI creates the CI a task delivers, once v is known to be allowed
// to work the task (the same checks as the update, on the request as
// read), and returns its id. The task's id is the idempotency key, so a
// retried update finds the CI its first attempt created.
func (s *Service) deliverCI(ctx context.Context, v Viewer, id string, expected int, ch TaskChange, c Clock) (*string, error) {
	if s.cis == nil {
		return nil, apperr.New(apperr.Unavailable, "creating configuration items from tasks is not configured")
	}
	if ch.CIID != nil {
		return nil, apperr.Invalid("newConfigurationItem", "give either configurationItemId or newConfigurationItem, not both")
	}
	cur, err := s.Get(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if cur.Request.Version != expected {
		return nil, apperr.Stale("request", cur.Request.Number, cur.Request.Version, expected)
	}
	dry := ch
	dry.NewCI = nil
	if _, _, err := UpdateTask(v, cur, dry, c); err != nil {
		return nil, err
	}
	in := *ch.NewCI
	key := "request-task:" + ch.TaskID
	in.IdempotencyKey = &key
	ci, err := s.cis.Create(ctx, v.Principal, in)
	if err != nil {
		return nil, err
	}
	return &ci.ID, nil
}

// Survey records the requester's satisfaction (1–5) and comment, once,
// after fulfilment. CONFLICT when already answered; INVALID_TRANSITION
// before fulfilment; FORBIDDEN for anyone but the requester or the person
// it was requested for.
func (s *Service) Survey(ctx context.Context, v Viewer, id string, rating int, comment string) (Record, error) {
	if rating < 1 || rating > 5 {
		return Record{}, apperr.Invalid("rating", "must be between 1 and 5 (got %d)", rating)
	}
	if err := validate.Text("comment", comment, false, MaxReasonLen); err != nil {
		return Record{}, err
	}
	return s.seen(ctx, v, id, nil, func(cur Record) (Record, []HistoryEntry, error) {
		r := cur.Request
		if !party(r, v.Principal.Subject) {
			return Record{}, nil, apperr.New(apperr.Forbidden, "only the requester answers the survey of request %s", r.Number)
		}
		if r.Satisfaction != 0 {
			return Record{}, nil, apperr.New(apperr.Conflict, "the survey of request %s was already answered", r.Number)
		}
		if r.State != Fulfilled && r.State != Closed {
			return Record{}, nil, apperr.New(apperr.InvalidTransition, "request %s is %s: the survey opens once it is fulfilled", r.Number, r.State)
		}
		cur.Request.Satisfaction, cur.Request.SurveyComment = rating, comment
		return cur, nil, nil
	})
}

// MyRequests pages the requests v made or that were made for them.
func (s *Service) MyRequests(ctx context.Context, v Viewer, p paging.Request) (paging.Page[Record], error) {
	return s.store.MyRequests(ctx, v.Principal.Subject, p)
}

// MyApprovals pages the approvals waiting for v, each with its request
// when v may see it (the zero Record otherwise): one read serves the page
// and what it shows of the requests.
func (s *Service) MyApprovals(ctx context.Context, v Viewer, p paging.Request) (paging.Page[Awaiting], error) {
	page, err := s.store.MyApprovals(ctx, v.Principal.Subject, p)
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		if !CanSee(v, page.Items[i].Request) {
			page.Items[i].Request = Record{}
		}
	}
	return page, nil
}

// MaxQueueGroups bounds the groups one task queue reads at once (each is
// a branch of its statement); a member of more names the group.
const MaxQueueGroups = 50

// TaskQueue pages the tasks of v's groups, or of groupID (one of them;
// any group for those who see every request), in states (by default the
// ones to work: OPEN and IN_PROGRESS), oldest opened first.
func (s *Service) TaskQueue(ctx context.Context, v Viewer, groupID string, states []TaskState, p paging.Request) (paging.Page[Task], error) {
	for _, st := range states {
		if err := validate.Enum("states", st, TaskStates()); err != nil {
			return paging.Page[Task]{}, err
		}
	}
	if len(states) == 0 {
		states = []TaskState{TaskOpen, TaskInProgress}
	}
	groups := v.GroupIDs
	if groupID != "" {
		if !slices.Contains(v.GroupIDs, groupID) && !SeesAll(v.Principal) {
			return paging.Page[Task]{}, apperr.New(apperr.Forbidden, "groupId: you are not a member of group %q; leave it out for the tasks of your groups", groupID)
		}
		groups = []string{groupID}
	}
	switch {
	case len(groups) == 0:
		return paging.Page[Task]{}, nil
	case len(groups) > MaxQueueGroups:
		return paging.Page[Task]{}, apperr.Invalid("groupId", "you belong to %d groups; name the one whose tasks to list (at most %d are read together)", len(groups), MaxQueueGroups)
	}
	return s.store.TaskQueue(ctx, groups, states, p)
}

// Filter narrows the staff list of requests.
type Filter struct {
	States []State
	ItemID string
	// Sync bounds the creation and modification times and orders the
	// list (newest created first by default).
	paging.Sync
}

// List pages every request f lets through, newest first: for those who
// see every request.
func (s *Service) List(ctx context.Context, v Viewer, f Filter, p paging.Request) (paging.Page[Record], error) {
	if !SeesAll(v.Principal) {
		return paging.Page[Record]{}, apperr.New(apperr.Forbidden, "only service owners and analysts list every request; use myRequests")
	}
	for _, st := range f.States {
		if err := validate.Enum("filter.states", st, States()); err != nil {
			return paging.Page[Record]{}, err
		}
	}
	if err := validate.Text("filter.itemId", f.ItemID, false, MaxIDLen); err != nil {
		return paging.Page[Record]{}, err
	}
	if err := f.Check(); err != nil {
		return paging.Page[Record]{}, err
	}
	return s.store.ListRequests(ctx, f, p)
}

// History returns the moves of the requests of ids (which the caller has
// read), keyed by id.
func (s *Service) History(ctx context.Context, ids []string) (map[string][]HistoryEntry, error) {
	return s.store.History(ctx, ids)
}

// Sweep applies the time-outs that have passed and closes the fulfilled
// requests whose confirmation window has run out; it returns how many
// requests it moved. Each move re-checks the request under its lock, so
// sweeps may run on every instance.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.now().UTC()
	moved := 0
	due, err := s.store.DueTimeOuts(ctx, now, SweepBatch)
	if err != nil {
		return 0, err
	}
	c := s.clock("system")
	for _, id := range due {
		if _, err := s.update(ctx, id, func(cur Record) (Record, []HistoryEntry, error) {
			next, h, ok := TimeOut(cur, c)
			if !ok {
				return cur, nil, nil
			}
			return bumped(next, cur, now), h, nil
		}); err != nil {
			return moved, err
		}
		moved++
	}
	closing, err := s.store.DueClosures(ctx, now.Add(-s.policy.ConfirmWindow), SweepBatch)
	if err != nil {
		return moved, err
	}
	for _, id := range closing {
		if _, err := s.update(ctx, id, func(cur Record) (Record, []HistoryEntry, error) {
			r := cur.Request
			if r.State != Fulfilled || r.FulfilledAt == nil || r.FulfilledAt.After(now.Add(-s.policy.ConfirmWindow)) {
				return cur, nil, nil
			}
			next, h := Move(cur, Closed, "closed automatically: not confirmed within the window", c)
			return bumped(next, cur, now), h, nil
		}); err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}
