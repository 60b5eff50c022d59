// Package clerkusers is each instance's memory of what Clerk told us about
// users, sessions and organizations: the user cache that answers lookups
// (memory, then the clerkmirror database, then Clerk), the revocations
// every request is checked against, and the change-log tail that keeps
// both current with what any instance wrote to the database.
//
// The database itself, its mirrors, webhook deliveries, change log and
// reconciliation, is package clerkmirror's: this package only reads it,
// and writes back the users it had to fetch from Clerk.
package clerkusers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/internal/clerkapi"
	"encore.app/internal/authmetrics"
)

// Config configures a UserCache and a Tail. Zero values take the defaults
// below.
type Config struct {
	// SecretKey is the Clerk secret key (sk_...). Required.
	SecretKey string
	// APIURL is the Backend API base including the version: https, or http
	// to a loopback host only. Default https://api.clerk.com/v1.
	APIURL string
	// Store, when set, is the database between memory and Clerk.
	Store *clerkmirror.Store
	// CacheTTL is how long a user is served from memory, and from the
	// database when SyncMaxAge is zero. Default 5m.
	CacheTTL time.Duration
	// SyncMaxAge, when set, is how long a database row is served without
	// asking Clerk: set it when webhooks keep the rows current.
	SyncMaxAge time.Duration
	// CacheSize bounds the users kept in memory. Default 10,000.
	CacheSize int
	// MaxStale is how long past its freshness a user is still served while
	// Clerk is unavailable. Default 1h.
	MaxStale time.Duration
	// ClerkTimeout is the deadline of every call to Clerk. Default 5s.
	ClerkTimeout time.Duration
	// SyncInterval is how often a Tail reads the change log. Default 1s.
	SyncInterval time.Duration
	// Leeway is the clock skew the token verifier allows on exp and iat
	// (clerkauth.Config.Leeway: give both the same value). Revocations are
	// remembered for RevocationRetention(Leeway). Default 5s, as clerkauth's.
	Leeway time.Duration
	// Log receives database failures: the first of an outage, then a count
	// once a minute (see Tail.TrySync and UserCache).
	Log Logger
	// Metrics counts user cache lookups and calls to Clerk, and is told
	// the tail's gauges every sync. Optional.
	Metrics authmetrics.Recorder
	// HTTPClient makes the calls to Clerk. Default http.DefaultClient's settings.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Logger is what clerkusers logs to; Encore's rlog.With() satisfies it.
type Logger interface {
	Info(msg string, keysAndValues ...any)
	Warn(msg string, keysAndValues ...any)
}

func (c Config) withDefaults() (*Config, error) {
	if c.SecretKey == "" {
		return nil, errors.New("clerkusers: the Clerk secret key is empty")
	}
	if c.APIURL == "" {
		c.APIURL = clerk.APIURL
	}
	if err := clerkapi.CheckAPIURL(c.APIURL); err != nil {
		return nil, fmt.Errorf("clerkusers: %w", err)
	}
	// SyncMaxAge stays zero here, to default to CacheTTL below.
	if err := errors.Join(
		clerkapi.SetDefault("CacheTTL", &c.CacheTTL, 5*time.Minute),
		clerkapi.SetDefault("SyncMaxAge", &c.SyncMaxAge, 0),
		clerkapi.SetDefault("MaxStale", &c.MaxStale, time.Hour),
		clerkapi.SetDefault("ClerkTimeout", &c.ClerkTimeout, 5*time.Second),
		clerkapi.SetDefault("SyncInterval", &c.SyncInterval, time.Second),
		clerkapi.SetDefault("Leeway", &c.Leeway, 5*time.Second),
		clerkapi.SetDefault("CacheSize", &c.CacheSize, 10_000),
	); err != nil {
		return nil, fmt.Errorf("clerkusers: %w", err)
	}
	if c.SyncMaxAge == 0 {
		c.SyncMaxAge = c.CacheTTL
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = discard{}
	}
	c.Metrics = authmetrics.Or(c.Metrics)
	return &c, nil
}

// clerkAPI is how the package's clients reach Clerk, counted in Metrics.
func (c *Config) clerkAPI() clerkapi.Config {
	return clerkapi.Config{SecretKey: c.SecretKey, APIURL: c.APIURL, HTTPClient: c.HTTPClient, Now: c.Now, Metrics: c.Metrics}
}

type discard struct{}

func (discard) Info(string, ...any) {}
func (discard) Warn(string, ...any) {}

// logInterval is how often a persisting database failure is logged again:
// an outage writes a few lines an hour, not one per request or per sync.
const logInterval = time.Minute
