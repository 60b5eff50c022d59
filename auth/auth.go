// Package auth is the Encore service that authenticates every request with
// a Clerk session or machine token, receives Clerk's webhooks, mirrors
// Clerk in its database and reconciles that mirror. The logic lives in
// plain packages (clerkauth and the verifiers it uses, clerkusers,
// clerkmirror, clerkwebhook, clerkreconcile, localclerk); these files only
// hand them the request.
package auth

import (
	"context"

	encoreauth "encore.dev/beta/auth"

	"encore.app/auth/clerkauth"
	"encore.app/auth/internal/authsvc"
)

// AuthHandler verifies the Clerk session token of a request and returns the
// signed-in user. The header wins when both credentials are present; a
// cookie token must also pass the checks of an ambient credential.
//
//encore:authhandler
func (s *Service) AuthHandler(ctx context.Context, p *Params) (encoreauth.UID, *clerkauth.AuthData, error) {
	data, err := s.authenticator.Authenticate(ctx, clerkauth.Request{
		Authorization: p.Authorization,
		Cookie:        p.Cookie,
		Origin:        p.Origin,
		SecFetchSite:  p.SecFetchSite,
	})
	if err != nil {
		// A few lines a minute per reason, then a count: requests that
		// fail can come as fast as anyone sends them.
		authsvc.LogFailure(err)
		return "", nil, authsvc.APIError(err)
	}
	return encoreauth.UID(data.Subject), data, nil
}

// Params are the credentials Encore extracts for the auth handler. The
// token-bearing fields are sensitive: Encore's traces do not record them.
type Params struct {
	// Authorization is the raw header: "Bearer <session token>".
	Authorization string `header:"Authorization" encore:"sensitive"`
	// Cookie is the raw header, holding the __session and __client_uat
	// cookies Clerk's browser SDK sets for same-origin requests. The whole
	// header, because Encore names cookie params statically and clerk-js
	// also sets them under names derived from the publishable key.
	Cookie string `header:"Cookie" encore:"sensitive"`
	// Origin and SecFetchSite tell a cookie sent by another site apart.
	Origin       string `header:"Origin"`
	SecFetchSite string `header:"Sec-Fetch-Site"`
}
