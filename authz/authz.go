// Package authz decides what a signed-in Clerk user may do, from the
// organization claims of their session token. It is not an Encore service:
// Encore wants global middleware outside service folders, and endpoint code
// in any service can call it.
//
// The decisions are plain functions of *clerkauth.AuthData, tested with
// `go test`; the middleware and the Require functions only fetch the auth
// data and hand it over.
package authz

import (
	"fmt"
	"slices"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// Endpoint tags, for `//encore:api auth ... tag:org_member`. Tags name
// requirements rather than roles so an endpoint says what it needs once.
const (
	// TagOrgMember requires an active organization: the data the endpoint
	// serves belongs to one, and without it there is nothing to scope to.
	TagOrgMember = "org_member"
	// TagOrgAdmin requires AdminRole in the active organization.
	TagOrgAdmin = "org_admin"
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

// Decide is the decision the tag middleware enforces: nil when the caller
// may proceed. Tags it does not know are ignored, so endpoints can carry
// tags meant for other middleware.
func Decide(data *clerkauth.AuthData, tags []string) *errs.Error {
	switch {
	// An admin is a member, so org_admin alone settles both tags.
	case slices.Contains(tags, TagOrgAdmin):
		return Role(data, AdminRole)
	case slices.Contains(tags, TagOrgMember):
		return Organization(data)
	}
	return nil
}

// Organization refuses a caller without an active organization, which a
// frontend sets with Clerk's setActive or <OrganizationSwitcher/>.
func Organization(data *clerkauth.AuthData) *errs.Error {
	if data == nil {
		return unauthenticated()
	}
	if data.OrgID == "" {
		return denied(msgNoOrganization)
	}
	return nil
}

// Role refuses a caller without the role in the active organization; "admin"
// and "org:admin" are the same role, as in Clerk's has().
func Role(data *clerkauth.AuthData, role string) *errs.Error {
	return inOrganization(data, (*clerkauth.AuthData).HasRole, role, "role")
}

// Permission refuses a caller whose role in the active organization does not
// grant the permission (e.g. "org:settings:manage"). Prefer it to Role:
// permissions survive renaming and splitting roles.
func Permission(data *clerkauth.AuthData, permission string) *errs.Error {
	return inOrganization(data, (*clerkauth.AuthData).HasPermission, permission, "permission")
}

// Feature refuses a caller whose plan does not include the feature; "org:x"
// and "user:x" look at one scope only, a bare "x" at both.
func Feature(data *clerkauth.AuthData, feature string) *errs.Error {
	return entitled(data, (*clerkauth.AuthData).HasFeature, feature, "feature")
}

// Plan refuses a caller not subscribed to the plan, scoped as in Feature.
func Plan(data *clerkauth.AuthData, plan string) *errs.Error {
	return entitled(data, (*clerkauth.AuthData).HasPlan, plan, "plan")
}

type hasFunc func(*clerkauth.AuthData, string) bool

// inOrganization checks the organization first so a caller without one is
// told to select one, not that a role they may well hold is missing.
func inOrganization(data *clerkauth.AuthData, has hasFunc, want, kind string) *errs.Error {
	if err := Organization(data); err != nil {
		return err
	}
	if !has(data, want) {
		return denied(fmt.Sprintf("the %s %s in the active organization is required", want, kind))
	}
	return nil
}

// entitled does not require an organization: user features and plans hold
// without one.
func entitled(data *clerkauth.AuthData, has hasFunc, want, kind string) *errs.Error {
	if data == nil {
		return unauthenticated()
	}
	if !has(data, want) {
		return denied(fmt.Sprintf("the %s %s is required", want, kind))
	}
	return nil
}

func unauthenticated() *errs.Error {
	return &errs.Error{Code: errs.Unauthenticated, Message: msgUnauthenticated}
}

func denied(msg string) *errs.Error {
	return &errs.Error{Code: errs.PermissionDenied, Message: msg}
}
