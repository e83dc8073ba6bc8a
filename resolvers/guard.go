package resolvers

import (
	"context"
	"reflect"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/events"
	"github.com/itsm-graph/itsm/graph/model"
)

// Guard is the field middleware that applies the rules to what every field
// returns: a list loses the objects the reader may not see, a nullable
// field answers null, a non-null one NOT_FOUND. A mutation's payload is the
// exception: a write answers with what it wrote (each write checked the
// row before writing); what the payload's objects lead to is screened as
// usual.
func (r *Resolver) Guard(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil || res == nil {
		return res, err
	}
	switch res.(type) { // the bulk of fields, at no cost
	case string, bool, int, float64, *string, *int, []string:
		return res, nil
	}
	shape := r.shapeOf(reflect.TypeOf(res))
	if shape == plain {
		return res, nil
	}
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && fc.Parent != nil && fc.Parent.Object == "Mutation" {
		return res, nil
	}
	s := r.seerAt(ctx, fc)
	if s.all() {
		return res, nil
	}
	val := reflect.ValueOf(res)
	if shape == one {
		if val.Kind() == reflect.Pointer && val.IsNil() {
			return res, nil
		}
		ok, err := s.visible(ctx, []any{res})
		if err != nil {
			return nil, err
		}
		if ok[0] {
			return res, nil
		}
		if fc != nil && fc.Field.Definition != nil && fc.Field.Definition.Type.NonNull {
			shown, _ := records(res)
			return nil, apperr.New(apperr.NotFound, "no %s has id %q", fc.Field.Definition.Type.Name(), firstOr(shown))
		}
		return nil, nil
	}
	objs := make([]any, 0, val.Len())
	for i := 0; i < val.Len(); i++ {
		objs = append(objs, val.Index(i).Interface())
	}
	ok, err := s.visible(ctx, objs)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ok, false) {
		return res, nil
	}
	kept := reflect.MakeSlice(val.Type(), 0, val.Len())
	for i, o := range ok {
		if o {
			kept = reflect.Append(kept, val.Index(i))
		}
	}
	return kept.Interface(), nil
}

// seerAt returns who reads the field of fc: the caller, except under
// login, whose caller is anonymous: a login's answer is read as the account
// that just logged in (its own account and groups).
func (r *Resolver) seerAt(ctx context.Context, fc *graphql.FieldContext) *seer {
	for f := fc; f != nil; f = f.Parent {
		if f.Object != "Mutation" || f.Field.Field == nil || f.Field.Name != "login" {
			continue
		}
		if lp, ok := f.Result.(*model.LoginPayload); ok && lp.User != nil {
			return r.seerOf(auth.Principal{Subject: lp.User.ID, Roles: toRoles(lp.User.Roles)})
		}
	}
	if l := loadersFrom(ctx); l != nil && l.seer != nil {
		return l.seer
	}
	return r.seerFor(ctx)
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// shape says how a field's result holds objects the rules screen.
type shape int

const (
	plain shape = iota // nothing to screen (scalars, values, payloads)
	one                // one object that may show records
	many               // a list whose elements may
)

// shapeOf returns the shape of results of type t, remembered in r.shapes
// since the same few types come back on every field.
func (r *Resolver) shapeOf(t reflect.Type) shape {
	if s, ok := r.shapes.Load(t); ok {
		return s.(shape)
	}
	s := plain
	switch {
	case mayShowRecords(t):
		s = one
	case t.Kind() == reflect.Slice && mayShowRecords(t.Elem()):
		s = many
	}
	r.shapes.Store(t, s)
	return s
}

// mayShowRecords reports whether values of type t may be objects that show
// records: interfaces (Node, GraphItem) may; pointers to the types records
// knows do.
func mayShowRecords(t reflect.Type) bool {
	if t.Kind() == reflect.Interface {
		return true
	}
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return false
	}
	_, ok := records(reflect.New(t.Elem()).Interface())
	return ok
}

// follow subscribes the caller to feed's records under keys (all when
// none), from after when given, and forwards those keep accepts (all when
// nil) that the subscriber may see, converted, each with its position.
func follow[E, M any](ctx context.Context, r *Resolver, feed *events.Topic[E], keys []string, after *string, keep func(E) bool, conv func(E) M) (<-chan M, error) {
	v, err := r.viewer(ctx)
	if err != nil {
		return nil, err
	}
	var from *int64
	if after != nil {
		p, err := events.ParsePosition("after", *after)
		if err != nil {
			return nil, err
		}
		from = &p
	}
	in, err := feed.Subscribe(ctx, keys, from)
	if err != nil {
		return nil, err
	}
	return stream(ctx, r.streamSeer(v), positionsOf(ctx), in, keep, conv), nil
}

// stream forwards the deliveries of in that the subscriber may see,
// converted, until ctx ends, queueing each one's position for its message
// (see Positions). A delivery marked lost goes out as a nil value, which
// Positions turns into the SUBSCRIBER_TOO_SLOW error, and ends the stream.
func stream[E any, M any](ctx context.Context, s *seer, q *positions, in <-chan events.Delivery[E], keep func(E) bool, conv func(E) M) <-chan M {
	out := make(chan M)
	go func() {
		defer close(out)
		for d := range in {
			var m M
			if !d.Lost {
				if keep != nil && !keep(d.Value) {
					continue
				}
				m = conv(d.Value)
				ok, err := s.visible(ctx, []any{m})
				if err != nil || !ok[0] {
					continue
				}
			}
			q.push(mark{position: d.Position, lost: d.Lost})
			select {
			case out <- m:
			case <-ctx.Done():
				return
			}
			if d.Lost {
				return
			}
		}
	}()
	return out
}
