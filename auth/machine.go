package auth

import (
	"context"

	encoreauth "encore.dev/beta/auth"
	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkusers"
	"encore.app/auth/internal/authsvc"
)

// WhoAmI describes the caller's token: its type, subject and what it
// carries. Every token type may call it, so a client being wired up can
// check what the backend sees.
//
//encore:api auth method=GET path=/whoami tag:accepts_session_token tag:accepts_api_key tag:accepts_m2m_token tag:accepts_oauth_token
func WhoAmI(ctx context.Context) (*authsvc.WhoAmI, error) {
	data, ok := encoreauth.Data().(*clerkauth.AuthData)
	if !ok || data == nil {
		return nil, &errs.Error{Code: errs.Unauthenticated, Message: "not signed in"}
	}
	return authsvc.NewWhoAmI(data), nil
}

// User is the mirrored user, for the product's other services: machines
// Clerk allows to call this backend, with an M2M token. It is answered from
// memory or the mirror, and asks Clerk only for a user the mirror lacks.
//
//encore:api auth method=GET path=/auth/users/:userID tag:accepts_m2m_token
func (s *Service) User(ctx context.Context, userID string) (*clerkusers.UserRecord, error) {
	if err := authsvc.CheckUserID(userID); err != nil {
		return nil, err
	}
	record, err := s.users.Record(ctx, userID)
	if err != nil {
		return nil, authsvc.UserLookupError(err)
	}
	return &record, nil
}
