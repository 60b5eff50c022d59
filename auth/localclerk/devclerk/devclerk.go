// Package devclerk is the local Clerk of `encore run`: a localclerk.Clerk
// seeded with test users and an organization, its Backend API served on a
// loopback listener for the app's own Clerk clients, and the /dev/clerk/*
// development endpoints that mint tokens and send webhooks to the app.
//
// The auth service starts it only in local development when ClerkSecretKey
// is not set (authsvc.StartClerk). docs/local-clerk.md is its user guide.
package devclerk

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"encore.app/auth/localclerk"
	"encore.app/auth/localclerk/svixsign"
)

// DefaultIssuer is the iss of minted tokens when the app sets no Issuer: an
// https URL under clerk., as the verifier requires of an issuer it is not
// told.
const DefaultIssuer = "https://clerk.localclerk.example"

// Config is what the local Clerk needs from the app.
type Config struct {
	// AuthorizedParties are the app's frontend origins: a token's azp is
	// one of them, and a browser may call the development endpoints only
	// from one of them.
	AuthorizedParties []string
	// Issuer is the iss of minted tokens: the app's Issuer, so that its
	// exact check passes; empty means DefaultIssuer.
	Issuer string
	// WebhookURL is where webhooks are delivered: the app's own
	// POST /webhooks/clerk. Required.
	WebhookURL string
}

// Server is a running local Clerk.
type Server struct {
	// SecretKey, APIURL and WebhookSecret are what the app's Clerk clients
	// and its webhook handler are configured with: a random secret key,
	// the loopback URL of the Backend API, and a random signing secret.
	SecretKey     string
	APIURL        string
	WebhookSecret string

	clerk   *localclerk.Clerk
	cfg     Config
	client  *http.Client
	backend *http.Server
}

// Start seeds a local Clerk and serves its Backend API on a random port of
// 127.0.0.1, where only this machine can reach it, behind a random secret
// key: no other process holds the key, so none can read its users.
func Start(cfg Config) (*Server, error) {
	if u, err := url.Parse(cfg.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("local Clerk: WebhookURL %q is not an http(s) URL", cfg.WebhookURL)
	}
	c := localclerk.New()
	c.SecretKey, c.Issuer = localclerk.NewSecretKey(), cfg.Issuer
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if len(cfg.AuthorizedParties) > 0 {
		c.AuthorizedParty = cfg.AuthorizedParties[0]
	}
	if err := seed(c); err != nil {
		return nil, fmt.Errorf("local Clerk: seeding: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("local Clerk: listening on loopback: %w", err)
	}
	s := &Server{
		SecretKey:     c.SecretKey,
		APIURL:        "http://" + ln.Addr().String() + "/v1",
		WebhookSecret: svixsign.NewSecret(),
		clerk:         c,
		cfg:           cfg,
		client:        &http.Client{Timeout: 10 * time.Second},
		backend:       &http.Server{Handler: c.Handler(nil), ReadHeaderTimeout: 10 * time.Second},
	}
	go func() { _ = s.backend.Serve(ln) }() // returns ErrServerClosed on Close
	return s, nil
}

// Close stops serving the Backend API.
func (s *Server) Close() error { return s.backend.Close() }
