// Package auth is the vocabulary of callers: who the caller is (Principal),
// the roles of SPEC §2.9 and what they allow. Checking the tokens and
// passwords that prove who a caller is belongs to package credentials. It
// knows nothing of GraphQL or Neo4j.
package auth

import (
	"context"
	"slices"

	"github.com/itsm-graph/itsm/apperr"
)

// Role is a grant from SPEC §2.9.
type Role string

// The roles of SPEC §2.9.
const (
	Requester        Role = "REQUESTER"
	Agent            Role = "AGENT"
	ChangeManager    Role = "CHANGE_MANAGER"
	CABMember        Role = "CAB_MEMBER"
	ProblemManager   Role = "PROBLEM_MANAGER"
	ConfigManager    Role = "CONFIG_MANAGER"
	KnowledgeManager Role = "KNOWLEDGE_MANAGER"
	ServiceOwner     Role = "SERVICE_OWNER"
	Analyst          Role = "ANALYST"
	Admin            Role = "ADMIN"
)

// AllRoles lists every role, in the order of SPEC §2.9.
var AllRoles = []Role{Requester, Agent, ChangeManager, CABMember, ProblemManager,
	ConfigManager, KnowledgeManager, ServiceOwner, Analyst, Admin}

// Staff are the roles that may read the CMDB and the people directory:
// everyone but plain requesters.
var Staff = []Role{Agent, ChangeManager, CABMember, ProblemManager, ConfigManager,
	KnowledgeManager, ServiceOwner, Analyst}

// ParseRole returns the role named s, or BAD_USER_INPUT.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(AllRoles, r) {
		return r, nil
	}
	return "", apperr.New(apperr.BadUserInput, "unknown role %q; valid roles are %v", s, AllRoles)
}

// Principal is an authenticated caller.
type Principal struct {
	// Subject is the token subject: a user id for local accounts.
	Subject string
	Roles   []Role
}

// Has reports whether the principal holds role. ADMIN holds every role.
func (p *Principal) Has(role Role) bool {
	return slices.Contains(p.Roles, role) || slices.Contains(p.Roles, Admin)
}

// HasAny reports whether the principal holds at least one of roles. An empty
// list means "any authenticated principal".
func (p *Principal) HasAny(roles []Role) bool {
	if len(roles) == 0 || slices.Contains(p.Roles, Admin) {
		return true
	}
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller, or nil for an anonymous request.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Require returns the caller when it holds one of roles (any caller when roles
// is empty); UNAUTHENTICATED without a caller, FORBIDDEN without the role.
func Require(ctx context.Context, roles ...Role) (*Principal, error) {
	p := FromContext(ctx)
	if p == nil {
		return nil, apperr.New(apperr.Unauthenticated, "this operation needs a bearer token: send 'Authorization: Bearer <token>' (get one from the login mutation)")
	}
	if !p.HasAny(roles) {
		return nil, apperr.New(apperr.Forbidden, "this operation needs one of the roles %v; your token has %v", roles, p.Roles)
	}
	return p, nil
}
