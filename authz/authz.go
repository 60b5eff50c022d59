// Package authz decides what a caller may do: from the organization,
// billing and reverification claims of a Clerk session token, and from the
// type and scopes of a machine token (API key, M2M token, OAuth token). It
// is not an Encore service: Encore wants global middleware outside service
// folders, and endpoint code in any service can call it.
//
// The decisions are plain functions of *clerkauth.AuthData, tested with
// `go test`; the middleware and the Require functions only fetch the auth
// data and the endpoint's tags and hand them over.
//
// Roles, permissions, features, plans and reverification belong to a
// signed-in user's session, so only a session token satisfies them, as in
// Clerk, whose machine auth objects answer every has() with false. An
// organization's API key acts in its organization; scopes are what machine
// tokens are checked for. Auth data whose token type this package does not
// know is refused as unauthenticated rather than taken for a session.
package authz

import (
	"fmt"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// AdminRole is the role Clerk gives an organization's creator, and the one
// TagOrgAdmin asks for.
const AdminRole = "org:admin"

// The texts clients see: each says what is missing, so a frontend can tell
// the user what to do rather than show a bare 403.
const (
	msgUnauthenticated = "invalid or missing session token"
	msgNoOrganization  = "an active organization is required: select one in your app"
)

// Organization refuses a caller without an active organization, which a
// frontend sets with Clerk's setActive or <OrganizationSwitcher/>. An
// organization's API key acts in the organization that owns it; a user's
// API key, an M2M token and an OAuth token act in none.
func Organization(data *clerkauth.AuthData) *errs.Error {
	session, err := caller(data)
	switch {
	case err != nil:
		return err
	case data.OrgID != "" && (session || data.TokenType == clerkauth.TokenTypeAPIKey):
		return nil
	case session:
		return denied(msgNoOrganization)
	}
	return denied(fmt.Sprintf("an active organization is required, and a token of type %s acts in none", data.TokenType))
}

// Role refuses a caller without the role in the active organization; "admin"
// and "org:admin" are the same role, as in Clerk's has(). Machine tokens
// hold no role, an organization's API key included.
func Role(data *clerkauth.AuthData, role string) *errs.Error {
	return inOrganization(data, (*clerkauth.AuthData).HasRole, role, "role")
}

// Permission refuses a caller whose role in the active organization does not
// grant the permission (e.g. "org:settings:manage"). Prefer it to Role:
// permissions survive renaming and splitting roles. Machine tokens hold no
// permission.
func Permission(data *clerkauth.AuthData, permission string) *errs.Error {
	return inOrganization(data, (*clerkauth.AuthData).HasPermission, permission, "permission")
}

// Feature refuses a caller whose plan does not include the feature; "org:x"
// and "user:x" look at one scope only, a bare "x" at both. Features come
// from a session token's claims: machine tokens carry none.
func Feature(data *clerkauth.AuthData, feature string) *errs.Error {
	return entitled(data, (*clerkauth.AuthData).HasFeature, feature, "feature")
}

// Plan refuses a caller not subscribed to the plan, scoped as in Feature.
func Plan(data *clerkauth.AuthData, plan string) *errs.Error {
	return entitled(data, (*clerkauth.AuthData).HasPlan, plan, "plan")
}

type hasFunc func(*clerkauth.AuthData, string) bool

// inOrganization checks the organization first so a user without one is
// told to select one, not that a role they may well hold is missing. A
// machine token is told it can never hold one.
func inOrganization(data *clerkauth.AuthData, has hasFunc, want, kind string) *errs.Error {
	session, err := caller(data)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the %s %s in the active organization", want, kind)
	switch {
	case !session:
		return carriesNone(data, what)
	case data.OrgID == "":
		return denied(msgNoOrganization)
	case !has(data, want):
		return denied(what + " is required")
	}
	return nil
}

// entitled does not require an organization: user features and plans hold
// without one.
func entitled(data *clerkauth.AuthData, has hasFunc, want, kind string) *errs.Error {
	session, err := caller(data)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the %s %s", want, kind)
	switch {
	case !session:
		return carriesNone(data, what)
	case !has(data, want):
		return denied(what + " is required")
	}
	return nil
}

// caller sorts the auth data into a session token's (session) and a known
// machine token's. Anything else was not made by the authenticator, which
// always sets the type, and is refused rather than guessed at: taking it
// for a session would let a machine token whose type was forgotten pass
// every session check.
func caller(data *clerkauth.AuthData) (session bool, err *errs.Error) {
	if data == nil {
		return false, unauthenticated()
	}
	switch data.TokenType {
	case clerkauth.TokenTypeSession:
		return true, nil
	case clerkauth.TokenTypeAPIKey, clerkauth.TokenTypeM2M, clerkauth.TokenTypeOAuth:
		return false, nil
	}
	return false, unauthenticated()
}

// carriesNone refuses a machine token a session-only requirement.
func carriesNone(data *clerkauth.AuthData, what string) *errs.Error {
	return denied(fmt.Sprintf("%s is required, and a token of type %s carries none", what, data.TokenType))
}

func unauthenticated() *errs.Error {
	return &errs.Error{Code: errs.Unauthenticated, Message: msgUnauthenticated}
}

func denied(msg string) *errs.Error {
	return &errs.Error{Code: errs.PermissionDenied, Message: msg}
}
