package clerkauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/clerkcredential"
	"encore.app/auth/clerkjwks"
	"encore.app/auth/clerkjwt"
	"encore.app/auth/internal/clerkapi"
	"encore.app/internal/authmetrics"
)

// Config configures an Authenticator. Zero values take the defaults below.
type Config struct {
	// SecretKey is the Clerk secret key (sk_...). Required: it authorizes
	// the JWKS fetches.
	SecretKey string
	// APIURL is the Backend API base including the version: https, or http
	// to a loopback host only. Default https://api.clerk.com/v1.
	APIURL string
	// AuthorizedParties are the origins a token's azp must name, and the only
	// origins a cookie-authenticated request may come from. A token without
	// azp is refused, as Clerk's backend refuses it; an empty list turns the
	// azp check off.
	AuthorizedParties []string
	// Issuer, when set, is the exact iss every token must carry: your Frontend
	// API URL, such as https://clerk.example.com. Empty keeps the SDK's check
	// that iss is a Clerk URL, made stricter by requiring https.
	Issuer string
	// PublishableKey, when set, is the instance's publishable key
	// (pk_test_... or pk_live_...). Cookie-authenticated requests are then
	// read by the cookies clerk-js 5.10 and later names after it
	// (__session_<suffix>), as Clerk's backend reads them, so that another
	// Clerk app on the same host is not read as this one. Empty reads the
	// plain __session and __client_uat only.
	PublishableKey string
	// JWTKey, when set, is the PEM public key from the Clerk dashboard. Tokens
	// are then verified without fetching the JWKS.
	JWTKey string
	// EmailClaim names a custom session-token claim holding the primary
	// email (Clerk dashboard, Sessions, Customize session token), such as
	// "email". A token carrying it as a string needs no user lookup. Empty
	// (the zero value) turns it off.
	EmailClaim string
	// Leeway is the clock skew allowed on exp, nbf and iat. Default 5s.
	Leeway time.Duration
	// TokenCacheSize bounds the verified tokens kept in memory. Default 10,000.
	TokenCacheSize int
	// ClerkTimeout is the deadline of every call to Clerk. Default 5s.
	ClerkTimeout time.Duration
	// KeyRefreshInterval is the least time between two JWKS fetches, however
	// many unknown kids arrive. Default 1s.
	KeyRefreshInterval time.Duration
	// KeySetMaxAge is how long fetched keys are used before the next request
	// refreshes them, so a key Clerk retires stops verifying. Default 1h.
	KeySetMaxAge time.Duration
	// MaxKeyWaiters bounds the requests waiting on a JWKS refresh for an
	// unknown kid; beyond it they are refused at once. Default 100.
	MaxKeyWaiters int
	// AcceptedTokenTypes are the token types verified at all:
	// TokenTypeSession, TokenTypeAPIKey, TokenTypeM2M, TokenTypeOAuth. A
	// token of another type is refused before any call to Clerk. Default
	// session tokens only.
	AcceptedTokenTypes []string
	// MachineID, when set, is this backend's machine in Clerk (mch_...): an
	// M2M JWT must name it among the machines it may call. Empty accepts
	// M2M JWTs of every machine of the instance.
	MachineID string
	// OpaqueTokens verifies API keys and opaque M2M and OAuth tokens.
	// Required when AcceptedTokenTypes names a machine token type.
	OpaqueTokens OpaqueTokens
	// Users looks up what the token does not say about its user. Required.
	Users Users
	// Revocations, when set, is asked on every request whether Clerk has
	// ended the session or deleted the user since the token was issued.
	Revocations Revocations
	// Log receives the few events worth an operator's attention that are not
	// a request's outcome, such as a misconfigured email claim. Optional.
	Log Logger
	// Metrics counts requests authenticated and refused, verified-token
	// cache lookups and JWKS fetches, and is told the key set's age.
	// Optional.
	Metrics authmetrics.Recorder
	// HTTPClient makes the calls to Clerk. Default http.DefaultClient's settings.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time

	// cookies reads the Cookie header by PublishableKey's names; withDefaults
	// sets it.
	cookies clerkcredential.Reader
	// accepted is AcceptedTokenTypes as a set; withDefaults sets it.
	accepted map[string]bool
}

// Logger is what clerkauth logs to; Encore's rlog.With() satisfies it.
type Logger = clerkjwt.Logger

// withDefaults validates c and returns a copy with every default filled in.
func (c Config) withDefaults() (*Config, error) {
	if c.SecretKey == "" && c.JWTKey == "" {
		return nil, errors.New("clerkauth: the Clerk secret key is empty")
	}
	if c.APIURL == "" {
		c.APIURL = clerk.APIURL
	}
	if err := clerkapi.CheckAPIURL(c.APIURL); err != nil {
		return nil, fmt.Errorf("clerkauth: %w", err)
	}
	parties := make([]string, len(c.AuthorizedParties))
	for i, party := range c.AuthorizedParties {
		// azp is an origin; a trailing slash is the usual copy-paste slip.
		parties[i] = strings.TrimSuffix(party, "/")
		if u, err := url.Parse(parties[i]); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return nil, fmt.Errorf("clerkauth: AuthorizedParties entry %q is not an origin like https://app.example.com", party)
		}
	}
	c.AuthorizedParties = parties
	cookies, err := clerkcredential.NewReader(c.PublishableKey)
	if err != nil {
		return nil, fmt.Errorf("clerkauth: %w", err)
	}
	c.cookies = cookies
	if c.accepted, err = acceptedTokenTypes(c.AcceptedTokenTypes, c.OpaqueTokens != nil); err != nil {
		return nil, fmt.Errorf("clerkauth: %w", err)
	}
	if c.MachineID != "" && !clerkjwt.IsMachineID(c.MachineID) {
		return nil, fmt.Errorf("clerkauth: MachineID %q is not a machine ID like mch_2abc", c.MachineID)
	}
	if c.Issuer != "" {
		if u, err := url.Parse(c.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("clerkauth: Issuer %q is not an https URL", c.Issuer)
		}
	}
	if err := errors.Join(
		clerkapi.SetDefault("Leeway", &c.Leeway, 5*time.Second),
		clerkapi.SetDefault("ClerkTimeout", &c.ClerkTimeout, 5*time.Second),
		clerkapi.SetDefault("KeyRefreshInterval", &c.KeyRefreshInterval, time.Second),
		clerkapi.SetDefault("KeySetMaxAge", &c.KeySetMaxAge, time.Hour),
		clerkapi.SetDefault("TokenCacheSize", &c.TokenCacheSize, 10_000),
		clerkapi.SetDefault("MaxKeyWaiters", &c.MaxKeyWaiters, 100),
	); err != nil {
		return nil, fmt.Errorf("clerkauth: %w", err)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Metrics = authmetrics.Or(c.Metrics)
	return &c, nil
}

// keySet is the key set c names: JWTKey, else Clerk's JWKS.
func (c *Config) keySet() (clerkjwks.KeySet, error) {
	if c.JWTKey != "" {
		return clerkjwks.NewStatic(c.JWTKey)
	}
	return clerkjwks.NewRemote(clerkjwks.Config{
		Clerk:              clerkapi.Config{SecretKey: c.SecretKey, APIURL: c.APIURL, HTTPClient: c.HTTPClient, Now: c.Now, Metrics: c.Metrics},
		ClerkTimeout:       c.ClerkTimeout,
		KeyRefreshInterval: c.KeyRefreshInterval,
		KeySetMaxAge:       c.KeySetMaxAge,
		MaxKeyWaiters:      c.MaxKeyWaiters,
		Metrics:            c.Metrics,
		Now:                c.Now,
	}), nil
}

// verifier is the token verifier's configuration.
func (c *Config) verifier() clerkjwt.Config {
	return clerkjwt.Config{
		Accepted:          c.accepted,
		MachineID:         c.MachineID,
		Issuer:            c.Issuer,
		AuthorizedParties: c.AuthorizedParties,
		Leeway:            c.Leeway,
		EmailClaim:        c.EmailClaim,
		Log:               c.Log,
		Now:               c.Now,
	}
}
