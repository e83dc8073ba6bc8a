package resolvers

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/itsm-graph/itsm/auth"
	"github.com/itsm-graph/itsm/graph"
	"github.com/itsm-graph/itsm/graph/model"
	"github.com/itsm-graph/itsm/people"
)

func userModel(u people.User) *model.User {
	return &model.User{
		ID:             u.ID,
		Username:       u.Username,
		DisplayName:    u.DisplayName,
		Email:          optional(u.Email),
		Kind:           model.AccountKind(u.Kind),
		Roles:          fromRoles(u.Roles),
		Active:         u.Active,
		ManagerID:      optional(u.ManagerID),
		BusinessUnitID: optional(u.BusinessUnitID),
		CreatedAt:      u.CreatedAt,
	}
}

func groupModel(g people.Group) *model.Group {
	return &model.Group{
		ID:          g.ID,
		Name:        g.Name,
		Description: optional(g.Description),
		Kind:        model.GroupKind(g.Kind),
		CreatedAt:   g.CreatedAt,
	}
}

// peopleLoaders batch the accounts and groups fields refer to.
type peopleLoaders struct {
	users        *dataloadgen.Loader[string, people.User]
	groups       *dataloadgen.Loader[string, people.Group]
	groupsOfUser *dataloadgen.Loader[string, []people.Group]
	usersOfGroup *dataloadgen.Loader[string, []people.User]
}

func peopleLoadersFrom(ctx context.Context) *peopleLoaders {
	return loaderSet(ctx, func(r *Resolver, wait dataloadgen.Option) *peopleLoaders {
		return &peopleLoaders{
			users:  dataloadgen.NewMappedLoader(r.People.Users, wait),
			groups: dataloadgen.NewMappedLoader(r.People.Groups, wait),
			groupsOfUser: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]people.Group, error) {
				m, err := r.People.GroupsOf(ctx, ids)
				return withEmpty(ids, m, err)
			}, wait),
			usersOfGroup: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string][]people.User, error) {
				m, err := r.People.MembersOf(ctx, ids)
				return withEmpty(ids, m, err)
			}, wait),
		}
	})
}

// peopleProcess registers accounts and groups.
func peopleProcess() process {
	return process{
		kinds: []kind{
			{prefix: people.UserPrefix, typ: "User", readers: auth.Staff, own: ownAccount,
				fetch: func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
					return asNode(userModel)(r.People.User(ctx, id))
				}},
			{prefix: people.GroupPrefix, typ: "Group", readers: auth.Staff, own: ownGroups,
				fetch: func(r *Resolver, ctx context.Context, id string) (model.Node, error) {
					return asNode(groupModel)(r.People.Group(ctx, id))
				}},
		},
		costs: func(_ *Resolver, c *graph.ComplexityRoot) {
			c.Query.Users = func(child int, _ *model.TimeOrder, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
			c.Query.Groups = func(child int, _ *model.TimeOrder, _ *model.TimeRange, first *int, _ *string) int {
				return connection(child, first)
			}
		},
	}
}

// readableUser loads a user the reader may see; null otherwise, or when
// the subject is no local user (a service account or an outside identity).
func readableUser(ctx context.Context, id string) (*model.User, error) {
	if id == "" || !mayRead(ctx, id) {
		return nil, nil
	}
	u, err := peopleLoadersFrom(ctx).users.Load(ctx, id)
	if err != nil {
		return nil, notFoundAsNull(err)
	}
	return userModel(u), nil
}

// readableGroup loads a group the reader may see; null otherwise.
func readableGroup(ctx context.Context, id string) (*model.Group, error) {
	if id == "" || !mayRead(ctx, id) {
		return nil, nil
	}
	g, err := peopleLoadersFrom(ctx).groups.Load(ctx, id)
	if err != nil {
		return nil, notFoundAsNull(err)
	}
	return groupModel(g), nil
}
