package orgsettings

import (
	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/authz"
)

// MsgUnavailable is the text clients see when the database cannot be used
// for now (the 503 of storeerr.APIError): the same whatever the cause, which
// is only logged.
const MsgUnavailable = "organization settings are temporarily unavailable, please retry"

// Access is what an endpoint does with the settings.
type Access int

const (
	// Read needs an active organization (any role).
	Read Access = iota
	// Write needs the org:admin role in the active organization.
	Write
)

// Authorize refuses a caller who may not have the access to the settings
// of the active organization of their token, the only organization they
// can ever reach: 401 unauthenticated without auth data, 403
// permission_denied without an active organization or, for Write, without
// the org:admin role. nil when allowed. The endpoints call it themselves,
// so they stay safe without the tag middleware of package authz, whose
// decisions it reuses.
func Authorize(data *clerkauth.AuthData, access Access) *errs.Error {
	if access == Write {
		return authz.Role(data, authz.AdminRole)
	}
	return authz.Organization(data)
}
