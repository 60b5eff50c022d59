package orgsettings

import (
	"errors"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/authz"
	"encore.app/internal/storeerr"
)

// MsgUnavailable is the text clients see when the database cannot be used
// for now (the 503 of storeerr.APIError): the same whatever the cause, which
// is only logged.
const MsgUnavailable = "organization settings are temporarily unavailable, please retry"

// MsgOrgDeleted is the text of the 404 a deleted organization's requests get.
const MsgOrgDeleted = "this organization was deleted"

// ErrOrgDeleted is the Store's error for an organization whose deletion it
// has applied: its settings are gone and cannot be read or written again.
var ErrOrgDeleted = errors.New("orgsettings: the organization was deleted")

// APIError is the *errs.Error an endpoint returns for an error of the Store
// (err must not be nil). ErrOrgDeleted is 404 not_found, MsgOrgDeleted, not
// logged: Encore's error codes have no 410 Gone, and not_found is what the
// resource is; the message tells it apart from a wrong path. Any other
// error is storeerr.Logged's answer, logged as "<op> failed" with the
// organization and the user.
func APIError(op string, err error, data *clerkauth.AuthData) *errs.Error {
	if errors.Is(err, ErrOrgDeleted) {
		return &errs.Error{Code: errs.NotFound, Message: MsgOrgDeleted}
	}
	return storeerr.Logged(op, err, MsgUnavailable, "org_id", data.OrgID, "user_id", data.UserID)
}

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
