package auth

import (
	"net/http"

	"encore.dev"
	"encore.dev/rlog"

	"encore.app/auth/internal/authsvc"
)

// devClerk serves /dev/clerk/*. startClerk sets it, before any request, to
// the local Clerk's development endpoints in local development without
// ClerkSecretKey, and to a 404 everywhere else.
var devClerk http.Handler = http.NotFoundHandler()

// startClerk is the Clerk initService configures the service with: the
// instance whose secrets are set or, in local development without them,
// the embedded local Clerk (see authsvc.StartClerk and docs/local-clerk.md).
func startClerk() (*authsvc.Clerk, error) {
	meta := encore.Meta()
	clerk, err := authsvc.StartClerk(authsvc.ClerkSettings{
		Local:             meta.Environment.Cloud == encore.CloudLocal,
		SecretKey:         secrets.ClerkSecretKey,
		WebhookSecret:     authsvc.OptionalSecret(secrets.ClerkWebhookSecret),
		APIURL:            cfg.ClerkAPIURL,
		AuthorizedParties: cfg.AuthorizedParties,
		Issuer:            cfg.Issuer,
		JWTKey:            cfg.JWTKey,
		AppURL:            meta.APIBaseURL.String(),
	}, rlog.With())
	if err != nil {
		return nil, err
	}
	devClerk = clerk.Dev
	return clerk, nil
}

// DevClerk serves the local Clerk's development endpoints: a session token
// for a test user, the test users, webhooks as Clerk sends them, machine
// tokens (docs/local-clerk.md). They exist only in local development
// without ClerkSecretKey; everywhere else every path answers 404.
//
//encore:api public raw path=/dev/clerk/*rest
func (s *Service) DevClerk(w http.ResponseWriter, req *http.Request) {
	devClerk.ServeHTTP(w, req)
}
