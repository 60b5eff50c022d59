package clerkauth

import (
	"slices"
	"strings"

	"encore.app/auth/clerkjwt"
)

// The Has methods answer as Clerk's backend has() does, so an endpoint
// written in Go agrees with the same check in a Clerk frontend or a Node
// backend. The reference is createCheckAuthorization in Clerk's
// packages/shared/src/authorization.ts (clerk/javascript), as shipped in
// @clerk/shared's fail-closed version: checkOrgAuthorization for roles and
// permissions, checkBillingAuthorization, checkForFeatureOrPlan and
// splitByScope for features and plans, prefixWithOrg for the optional "org:"
// prefix. Each method is has() asked about a single dimension; has() with
// several parameters is the AND of the corresponding methods.
//
// Every method is false for a nil receiver or an AuthData without a UserID,
// as has() is false without a userId. None ever panics.
//
// Two choices where Clerk's code would match only a malformed token: an empty
// argument is never satisfied (Clerk would match an "o:" feature entry, or
// an "org:" permission or role), and a role that is empty once "org:"
// prefixes are removed is no role (a v1 org_role of "org:", or the Go SDK's
// reading of a v2 token without "rol", where Clerk's parser leaves orgRole
// unset, as the verifier does).

// HasRole reports whether the user holds the role in the active
// organization; "admin" and "org:admin" name the same role.
func (d *AuthData) HasRole(role string) bool {
	if !d.inOrganization() {
		return false
	}
	// checkOrgAuthorization: prefixWithOrg(orgRole) === prefixWithOrg(role).
	held := withoutOrgPrefix(d.OrgRole)
	return held != "" && held == withoutOrgPrefix(role)
}

// HasPermission reports whether the user's role in the active organization
// grants the permission; "reports:read" and "org:reports:read" name the same
// permission. The token's permissions are compared as written, as Clerk
// does: only the argument is normalised.
func (d *AuthData) HasPermission(permission string) bool {
	if !d.inOrganization() {
		return false
	}
	name := withoutOrgPrefix(permission)
	return name != "" && slices.Contains(d.OrgPermissions, "org:"+name)
}

// HasFeature reports whether the token grants the feature. "org:x" (also
// "o:x", "organization:x") looks only at organization features, "user:x"
// (also "u:x") only at user features, a bare "x" at both. Like Clerk, an
// organization feature does not require OrgID: Clerk puts "o:" entries in a
// token only while an organization is active.
func (d *AuthData) HasFeature(feature string) bool {
	return d != nil && d.UserID != "" && hasEntitlement(d.Features, feature)
}

// HasPlan reports whether the token's plans include the plan, with the same
// scoping as HasFeature.
func (d *AuthData) HasPlan(plan string) bool {
	return d != nil && d.UserID != "" && hasEntitlement(d.Plans, plan)
}

// inOrganization is the precondition of checkOrgAuthorization: a signed-in
// user (createCheckAuthorization) with an active organization.
func (d *AuthData) inOrganization() bool {
	return d != nil && d.UserID != "" && d.OrgID != ""
}

// withoutOrgPrefix is prefixWithOrg without the prefix it adds back:
// value.replace(/^(org:)*/, 'org:') keeps one "org:" whatever was there.
func withoutOrgPrefix(s string) string {
	for strings.HasPrefix(s, "org:") {
		s = s[len("org:"):]
	}
	return s
}

// hasEntitlement is checkForFeatureOrPlan over a fea or pla claim.
func hasEntitlement(claim []string, want string) bool {
	if want == "" {
		return false
	}
	org, user, ok := clerkjwt.SplitByScope(claim)
	if !ok {
		return false
	}
	// featureOrPlan.split(':') destructured as [rawScope, rawId]: the scope
	// is what precedes the first colon, the id what lies between the first
	// and the second, and an empty id falls back to the scope.
	scope, rest, scoped := strings.Cut(want, ":")
	id, _, _ := strings.Cut(rest, ":")
	if id == "" {
		id = scope
	}
	if !scoped {
		return slices.Contains(org, id) || slices.Contains(user, id)
	}
	switch scope {
	case "o", "org", "organization": // ORG_SCOPES
		return slices.Contains(org, id)
	case "u", "user": // USER_SCOPES
		return slices.Contains(user, id)
	default:
		// Clerk throws "Invalid scope" and checkBillingAuthorization fails.
		return false
	}
}
