// Package profile builds the body of GET /user/profile from the auth data.
// It is plain Go, so plain `go test` covers it; the user service's endpoint
// only hands it auth.Data().
package profile

import (
	"slices"

	"encore.app/auth/clerkauth"
)

// The OAuth scopes GET /user/profile reads: an OAuth application needs
// ScopeProfile to call it at all (the endpoint checks it with
// authz.RequireScope), and ScopeEmail to see the email, as in Clerk's own
// OAuth user info.
const (
	ScopeProfile = "profile"
	ScopeEmail   = "email"
)

// Response is the body of GET /user/profile:
// {"userId","email","sessionId"}, plus "orgId", "orgSlug", "orgRole" and
// "orgPermissions" when the session has an active organization (each
// omitted when empty, all of them without one).
type Response struct {
	UserID    string `json:"userId"`
	Email     string `json:"email"`
	SessionID string `json:"sessionId"`
	// The active organization, when the session has one.
	OrgID   string `json:"orgId,omitempty"`
	OrgSlug string `json:"orgSlug,omitempty"`
	// OrgRole is the user's role in it, such as "org:admin" or "org:member".
	OrgRole string `json:"orgRole,omitempty"`
	// OrgPermissions are the permissions the role grants, such as
	// "org:reports:read".
	OrgPermissions []string `json:"orgPermissions,omitempty"`
}

// NewResponse is the profile of the user the auth handler returned. The
// organization fields are filled only when there is an active
// organization, so a stray role without one is never shown. An OAuth
// token sees the email only with ScopeEmail.
func NewResponse(data *clerkauth.AuthData) *Response {
	r := &Response{
		UserID:    data.UserID,
		SessionID: data.SessionID,
	}
	if data.TokenType != clerkauth.TokenTypeOAuth || slices.Contains(data.Scopes, ScopeEmail) {
		r.Email = data.Email
	}
	if data.OrgID != "" {
		r.OrgID = data.OrgID
		r.OrgSlug = data.OrgSlug
		r.OrgRole = data.OrgRole
		r.OrgPermissions = slices.Clone(data.OrgPermissions)
	}
	return r
}
