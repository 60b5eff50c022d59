package authsvc

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"encore.app/auth/localclerk"
	"encore.app/auth/localclerk/devclerk"
)

// ClerkSettings are what decides which Clerk the auth service talks to.
type ClerkSettings struct {
	// Local is true in local development (`encore run`):
	// encore.Meta().Environment.Cloud == encore.CloudLocal.
	Local bool
	// SecretKey and WebhookSecret are the secrets ClerkSecretKey and
	// ClerkWebhookSecret; APIURL is the ClerkAPIURL setting.
	SecretKey     string
	WebhookSecret string
	APIURL        string
	// AuthorizedParties, Issuer and JWTKey are the verifier's settings,
	// which the local Clerk's tokens must pass.
	AuthorizedParties []string
	Issuer            string
	JWTKey            string
	// AppURL is the app's API base (encore.Meta().APIBaseURL): the local
	// Clerk delivers webhooks to its POST /webhooks/clerk.
	AppURL string
}

// Clerk is the Clerk instance the auth service talks to.
type Clerk struct {
	// SecretKey, APIURL and WebhookSecret configure the service's Clerk
	// clients and its webhook handler.
	SecretKey     string
	APIURL        string
	WebhookSecret string
	// Dev serves /dev/clerk/*: the local Clerk's development endpoints
	// when it runs, and 404 otherwise.
	Dev http.Handler
	// Local is the running local Clerk; nil with the real one.
	Local *devclerk.Server
}

// UseLocalClerk is the start-up decision: the embedded local Clerk runs in
// local development when ClerkSecretKey is not set, and nowhere else. In a
// cloud a missing secret key stops the service, as without the local Clerk.
func UseLocalClerk(local bool, secretKey string) (bool, error) {
	switch {
	case secretKey != "":
		return false, nil
	case !local:
		return false, errors.New("auth service: the secret ClerkSecretKey is not set in this cloud environment: encore secret set --type prod ClerkSecretKey (--type dev for a development environment)")
	}
	return true, nil
}

// StartClerk returns the Clerk the service talks to: the one whose secrets
// are set, or, as UseLocalClerk decides, a local Clerk it starts, logging
// one Warn line that says so and how to use a real Clerk instead.
func StartClerk(s ClerkSettings, log Logger) (*Clerk, error) {
	useLocal, err := UseLocalClerk(s.Local, s.SecretKey)
	if err != nil {
		return nil, err
	}
	if !useLocal {
		return &Clerk{SecretKey: s.SecretKey, APIURL: s.APIURL, WebhookSecret: s.WebhookSecret, Dev: http.NotFoundHandler()}, nil
	}
	if s.JWTKey != "" {
		return nil, errors.New("auth service: JWTKey is set but the secret ClerkSecretKey is not: set the secret of the Clerk instance the key is from (encore secret set --type dev,local ClerkSecretKey), or empty JWTKey in auth/config.cue to use the local Clerk")
	}
	local, err := devclerk.Start(devclerk.Config{
		AuthorizedParties: s.AuthorizedParties,
		Issuer:            s.Issuer,
		WebhookURL:        strings.TrimSuffix(s.AppURL, "/") + localclerk.WebhookPath,
	})
	if err != nil {
		return nil, fmt.Errorf("auth service: %w", err)
	}
	log.Warn("auth service: ClerkSecretKey is not set, so the auth service uses an embedded local Clerk with test users (local development only): get a token with POST /dev/clerk/token; to use your Clerk application instead, set its secret key with: encore secret set --type dev,local ClerkSecretKey",
		"users", "user_alice, user_bob, user_carol", "guide", "docs/local-clerk.md")
	return &Clerk{
		SecretKey:     local.SecretKey,
		APIURL:        local.APIURL,
		WebhookSecret: local.WebhookSecret,
		Dev:           local.Handler(),
		Local:         local,
	}, nil
}
