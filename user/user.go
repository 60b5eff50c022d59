// Package user is the Encore service that serves the signed-in user's
// profile and preferences. The logic lives in the plain packages profile and
// preferences, which plain `go test` covers; this package only hands them
// the auth data and declares the database and subscription, so it has no
// tests of its own (a test binary declaring Encore resources cannot start
// outside Encore).
package user

import (
	"context"

	encoreauth "encore.dev/beta/auth"
	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/authz"
	"encore.app/user/profile"
)

// Profile returns the signed-in user's profile, with the active
// organization's ID, slug, role and permissions when there is one. An OAuth
// application may call it with the profile scope, and sees the email only
// with the email scope.
//
//encore:api auth method=GET path=/user/profile tag:accepts_session_token tag:accepts_oauth_token
func Profile(ctx context.Context) (*profile.Response, error) {
	data, err := authData()
	if err != nil {
		return nil, err
	}
	if err := authz.RequireScope(ctx, profile.ScopeProfile); err != nil {
		return nil, err
	}
	return profile.NewResponse(data), nil
}

// authData is the signed-in user the auth handler returned.
func authData() (*clerkauth.AuthData, error) {
	data, ok := encoreauth.Data().(*clerkauth.AuthData)
	if !ok || data == nil || data.UserID == "" {
		// Unreachable for an auth endpoint, but never dereference a guess.
		return nil, &errs.Error{Code: errs.Unauthenticated, Message: "not signed in"}
	}
	return data, nil
}
