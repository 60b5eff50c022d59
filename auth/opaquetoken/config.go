package opaquetoken

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/internal/clerkapi"
	"encore.app/internal/authmetrics"
)

// Config configures a Verifier. Zero values take the defaults below.
type Config struct {
	// SecretKey is the Clerk instance's secret key (sk_...). Required: it
	// authorizes the verification of API keys and OAuth access tokens, and
	// of M2M tokens when MachineSecretKey is empty.
	SecretKey string
	// MachineSecretKey, when set, is the secret key (ak_...) of the machine
	// this service is in Clerk's Machines: M2M tokens are then verified in
	// its name, and Clerk accepts only those of machines allowed to call it.
	// Empty: the instance key verifies them, and every machine may call.
	MachineSecretKey string
	// APIURL is the Backend API base including the version: https, or http
	// to a loopback host only. Default https://api.clerk.com/v1.
	APIURL string
	// CacheTTL is how long Clerk's answer about a token is reused, never
	// past the token's expiration: the delay before a revocation in Clerk
	// takes effect here. Default 60s.
	CacheTTL time.Duration
	// CacheSize bounds the accepted tokens kept in memory, and separately
	// the refused ones. Default 10,000 each.
	CacheSize int
	// VerifyPerSecond bounds the calls to Clerk for tokens neither cached
	// nor being verified, with bursts of as many: beyond it such tokens are
	// refused as unavailable, so random ak_/mt_/oat_ strings cannot spend
	// Clerk's rate limit or bill. Default 10.
	VerifyPerSecond int
	// ClerkTimeout is the deadline of every call to Clerk. Default 5s.
	ClerkTimeout time.Duration
	// Metrics counts the cache's lookups and the calls to Clerk. Optional.
	Metrics authmetrics.Recorder
	// HTTPClient makes the calls to Clerk. Default http.DefaultClient's settings.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// withDefaults validates c and returns a copy with every default filled in.
func (c Config) withDefaults() (*Config, error) {
	if c.SecretKey == "" {
		return nil, errors.New("opaquetoken: the Clerk secret key is empty")
	}
	if c.APIURL == "" {
		c.APIURL = clerk.APIURL
	}
	if err := clerkapi.CheckAPIURL(c.APIURL); err != nil {
		return nil, fmt.Errorf("opaquetoken: %w", err)
	}
	if err := errors.Join(
		clerkapi.SetDefault("CacheTTL", &c.CacheTTL, time.Minute),
		clerkapi.SetDefault("CacheSize", &c.CacheSize, 10_000),
		clerkapi.SetDefault("VerifyPerSecond", &c.VerifyPerSecond, 10),
		clerkapi.SetDefault("ClerkTimeout", &c.ClerkTimeout, 5*time.Second),
	); err != nil {
		return nil, fmt.Errorf("opaquetoken: %w", err)
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

// clerkAPI is how one verification endpoint reaches Clerk with key.
func (c *Config) clerkAPI(key string) clerkapi.Config {
	return clerkapi.Config{SecretKey: key, APIURL: c.APIURL, HTTPClient: c.HTTPClient, Now: c.Now, Metrics: c.Metrics}
}
