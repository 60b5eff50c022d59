// Package user is the Encore service that serves the signed-in user's profile.
package user

import (
	"context"

	encoreauth "encore.dev/beta/auth"
	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// Profile returns the signed-in user's profile.
//
//encore:api auth method=GET path=/user/profile
func Profile(ctx context.Context) (*ProfileResponse, error) {
	data, ok := encoreauth.Data().(*clerkauth.AuthData)
	if !ok {
		// Unreachable for an auth endpoint, but never dereference a guess.
		return nil, &errs.Error{Code: errs.Unauthenticated, Message: "not signed in"}
	}
	return NewProfileResponse(data), nil
}

// ProfileResponse is the body of GET /user/profile.
type ProfileResponse struct {
	UserID    string `json:"userId"`
	Email     string `json:"email"`
	SessionID string `json:"sessionId"`
	// The active organization, when the session has one.
	OrgID   string `json:"orgId,omitempty"`
	OrgSlug string `json:"orgSlug,omitempty"`
	OrgRole string `json:"orgRole,omitempty"`
}

// NewProfileResponse is the profile of the user the auth handler returned.
func NewProfileResponse(data *clerkauth.AuthData) *ProfileResponse {
	return &ProfileResponse{
		UserID:    data.UserID,
		Email:     data.Email,
		SessionID: data.SessionID,
		OrgID:     data.OrgID,
		OrgSlug:   data.OrgSlug,
		OrgRole:   data.OrgRole,
	}
}
