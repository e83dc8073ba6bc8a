package auth

import "testing"

func TestPrincipalRoles(t *testing.T) {
	agent := &Principal{Subject: "a", Roles: []Role{Agent}}
	admin := &Principal{Subject: "b", Roles: []Role{Admin}}
	tests := []struct {
		p     *Principal
		roles []Role
		want  bool
	}{
		{agent, nil, true},
		{agent, []Role{Agent}, true},
		{agent, []Role{ConfigManager, Agent}, true},
		{agent, []Role{ConfigManager}, false},
		{admin, []Role{ConfigManager}, true},
	}
	for _, tt := range tests {
		if got := tt.p.HasAny(tt.roles); got != tt.want {
			t.Errorf("%v HasAny %v = %v, want %v", tt.p.Roles, tt.roles, got, tt.want)
		}
	}
}
