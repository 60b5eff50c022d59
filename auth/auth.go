// Package auth is the Encore service that authenticates every request to an
// `auth` endpoint with a Clerk session token, and receives Clerk's webhooks.
// The logic lives in plain packages (clerkauth, clerkusers, clerkwebhook);
// these files only hand them the request.
package auth

import (
	"context"
	"net/http"

	encoreauth "encore.dev/beta/auth"
	"encore.dev/rlog"

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
		SessionCookie: cookieValue(p.Session),
		ClientUAT:     cookieValue(p.ClientUAT),
		Origin:        p.Origin,
		SecFetchSite:  p.SecFetchSite,
	})
	if err != nil {
		if authsvc.IsOutage(err) {
			rlog.Error("cannot authenticate: Clerk unavailable", "reason", err.Error())
		} else {
			rlog.Info("request not authenticated", "reason", err.Error())
		}
		return "", nil, authsvc.APIError(err)
	}
	return encoreauth.UID(data.Subject), data, nil
}

// Params are the credentials Encore extracts for the auth handler. The
// token-bearing fields are sensitive: Encore's traces do not record them.
type Params struct {
	// Authorization is the raw header: "Bearer <session token>".
	Authorization string `header:"Authorization" encore:"sensitive"`
	// Session is the cookie Clerk's browser SDK sets for same-origin requests.
	Session *http.Cookie `cookie:"__session" encore:"sensitive"`
	// ClientUAT is Clerk's __client_uat cookie: when the client last signed
	// in or out, "0" once signed out.
	ClientUAT *http.Cookie `cookie:"__client_uat"`
	// Origin and SecFetchSite tell a cookie sent by another site apart.
	Origin       string `header:"Origin"`
	SecFetchSite string `header:"Sec-Fetch-Site"`
}

func cookieValue(c *http.Cookie) string {
	if c == nil {
		return ""
	}
	return c.Value
}
