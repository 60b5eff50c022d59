// Package clerkreconcile backfills and heals the auth service's mirror of
// Clerk. A pass pages Clerk's users and organizations (GET /users and GET
// /organizations, 500 a page, oldest first), writes each record the mirror
// lacks or holds an older version of, and marks deleted what the mirror
// holds but a complete listing did not show, once Clerk confirms it gone.
// Every change goes through the change log, so every instance applies it
// as it applies a webhook's. Its Clerk calls are budgeted
// (CallsPer10Seconds) and wait out Clerk's 429s, so that a pass never
// starves the lookups requests make; one pass runs at a time across
// instances. The auth service runs it from a cron job and from
// POST /auth/reconcile (docs/reconciliation.md).
package clerkreconcile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkusers"
	"encore.app/auth/internal/clerkapi"
	"encore.app/internal/authmetrics"
	"encore.app/internal/clerkevents"
)

// Config configures a Reconciler. Zero values take the defaults below.
type Config struct {
	// SecretKey is the Clerk secret key (sk_...). Required.
	SecretKey string
	// APIURL is the Backend API base including the version: https, or http
	// to a loopback host only. Default https://api.clerk.com/v1.
	APIURL string
	// Store is the auth service's database. Required.
	Store *clerkmirror.Store
	// Publisher and OrgPublisher publish the deletions a pass marks, as the
	// webhook handler publishes Clerk's, so that subscribers clean up after
	// them too. Required.
	Publisher    UserPublisher
	OrgPublisher OrgPublisher
	// CallsPer10Seconds bounds a pass's calls to Clerk, spread evenly: at
	// most this many in any 10 seconds. Default 20, a fifth of a development
	// instance's rate limit.
	CallsPer10Seconds int
	// ClerkTimeout is the deadline of every call to Clerk, not counting the
	// wait for the budget. Default 5s.
	ClerkTimeout time.Duration
	// Log receives a line per page and one per pass. Default: nothing.
	Log clerkusers.Logger
	// Metrics counts the pass's calls to Clerk (endpoint class list); nil
	// counts nothing.
	Metrics authmetrics.Recorder
	// HTTPClient makes the calls to Clerk. Default http.DefaultClient's settings.
	HTTPClient *http.Client
	// Now is the clock, and Sleep waits on it, returning early with ctx's
	// error. Default the real ones.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// UserPublisher publishes user events; the auth service's clerk-user-events
// topic is one.
type UserPublisher interface {
	Publish(ctx context.Context, e *clerkevents.UserEvent) (string, error)
}

// OrgPublisher publishes organization events; the auth service's
// clerk-org-events topic is one.
type OrgPublisher interface {
	Publish(ctx context.Context, e *clerkevents.OrgEvent) (string, error)
}

func (c Config) withDefaults() (*Config, error) {
	if c.SecretKey == "" {
		return nil, errors.New("clerkreconcile: the Clerk secret key is empty")
	}
	if c.Store == nil || c.Publisher == nil || c.OrgPublisher == nil {
		return nil, errors.New("clerkreconcile: a Store, a Publisher and an OrgPublisher are required")
	}
	if c.APIURL == "" {
		c.APIURL = clerk.APIURL
	}
	if err := clerkapi.CheckAPIURL(c.APIURL); err != nil {
		return nil, fmt.Errorf("clerkreconcile: %w", err)
	}
	if err := errors.Join(
		clerkapi.SetDefault("CallsPer10Seconds", &c.CallsPer10Seconds, 20),
		clerkapi.SetDefault("ClerkTimeout", &c.ClerkTimeout, 5*time.Second),
	); err != nil {
		return nil, fmt.Errorf("clerkreconcile: %w", err)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Log == nil {
		c.Log = discard{}
	}
	return &c, nil
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type discard struct{}

func (discard) Info(string, ...any) {}
func (discard) Warn(string, ...any) {}
