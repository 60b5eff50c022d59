// Package auth is the Encore service that authenticates every request to an
// `auth` endpoint with a Clerk session token. The logic lives in the plain
// package clerkauth; this file only hands it the request.
package auth

import (
	"context"
	"errors"
	"net/http"

	encoreauth "encore.dev/beta/auth"
	"encore.dev/rlog"

	"encore.app/auth/clerkauth"
)

// Params are the credentials Encore extracts for the auth handler.
type Params struct {
	// Authorization is the raw header: "Bearer <session token>".
	Authorization string `header:"Authorization"`
	// Session is the cookie Clerk's browser SDK sets for same-origin requests.
	Session *http.Cookie `cookie:"__session"`
}

// AuthHandler verifies the Clerk session token of a request and returns the
// signed-in user. The header wins when both credentials are present.
//
//encore:authhandler
func (s *Service) AuthHandler(ctx context.Context, p *Params) (encoreauth.UID, *clerkauth.AuthData, error) {
	var cookie string
	if p.Session != nil {
		cookie = p.Session.Value
	}
	data, err := s.authenticator.Authenticate(ctx, p.Authorization, cookie)
	if err != nil {
		if errors.Is(err, clerkauth.ErrClerkUnavailable) {
			rlog.Error("cannot authenticate: Clerk unavailable", "reason", err.Error())
		} else {
			rlog.Info("request not authenticated", "reason", err.Error())
		}
		return "", nil, clerkauth.APIError(err)
	}
	return encoreauth.UID(data.UserID), data, nil
}
