package authz

import (
	"fmt"
	"slices"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// Scope refuses an API key or OAuth token that does not carry the scope
// (e.g. "settings:write"), compared exactly as Clerk does. A session token
// passes: the user acts as themself, within what Role and Permission allow.
// An M2M token passes too: Clerk authorizes machines by the machine scopes
// of the calling machine (which machines it may call), checked when the
// token is verified, and the EndpointTags middleware lets it reach only an
// endpoint tagged accepts_m2m_token; RequireScope checks that tag again.
func Scope(data *clerkauth.AuthData, scope string) *errs.Error {
	session, err := caller(data)
	switch {
	case err != nil:
		return err
	case session, data.TokenType == clerkauth.TokenTypeM2M:
		return nil
	case scope != "" && slices.Contains(data.Scopes, scope):
		return nil
	}
	return denied(fmt.Sprintf("the %s scope is required, and this %s does not have it", scope, data.TokenType))
}
