// Package clerkjwks holds the public keys that verify a Clerk instance's
// JWTs, found by a token's kid: the one key pasted from the Clerk
// dashboard, or Clerk's JWKS, fetched and kept fresh with bounded
// refreshes. clerkjwt verifies with them.
package clerkjwks

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"golang.org/x/sync/singleflight"

	"encore.app/auth/internal/clerkapi"
	"encore.app/auth/internal/tokenerr"
	"encore.app/internal/authmetrics"
)

// KeySet finds the public key that verifies a token, by the token's kid.
type KeySet interface {
	// Key returns the RS256 key published under kid. It fails with
	// ErrInvalidToken for a kid that is not published, with
	// ErrClerkUnavailable when the keys cannot be fetched, and with
	// ErrCanceled when ctx ends first (tokenerr's and clerkapi's, which
	// clerkauth exports under those names).
	Key(ctx context.Context, kid string) (*clerk.JSONWebKey, error)
}

// Config configures a Remote key set. Its fields are clerkauth.Config's of
// the same names, which documents them and fills in their defaults; Clerk
// is how the JWKS is fetched.
type Config struct {
	Clerk              clerkapi.Config
	ClerkTimeout       time.Duration
	KeyRefreshInterval time.Duration
	KeySetMaxAge       time.Duration
	MaxKeyWaiters      int
	Metrics            authmetrics.Recorder
	Now                func() time.Time
}

// Static is the one key pasted from the Clerk dashboard: verification
// needs no network. Clerk signs every token of an instance with it, so the
// token's kid is not consulted.
type Static struct {
	jwk *clerk.JSONWebKey
}

// NewStatic parses the PEM public key ("JWT public key" in the Clerk
// dashboard).
func NewStatic(pemKey string) (*Static, error) {
	key, err := clerk.JSONWebKeyFromPEM(pemKey)
	if err != nil {
		return nil, fmt.Errorf("clerkauth: JWTKey: %w", err)
	}
	if _, ok := key.Key.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("clerkauth: JWTKey is a %T, want an RSA public key", key.Key)
	}
	return &Static{jwk: key}, nil
}

// Key returns the static key whatever the kid.
func (s *Static) Key(context.Context, string) (*clerk.JSONWebKey, error) {
	return s.jwk, nil
}

// Remote is Clerk's JWKS, fetched through the SDK and kept in memory.
//
//   - A kid it does not hold triggers a refresh, so a key Clerk has just
//     published is accepted within one refresh interval. Concurrent
//     refreshes collapse into one, and refreshes are at least
//     Config.KeyRefreshInterval apart, so a flood of made-up kids costs
//     Clerk one call per interval; at most Config.MaxKeyWaiters requests
//     wait on such a refresh, the rest are refused at once.
//   - Keys older than Config.KeySetMaxAge are refreshed before the next
//     request uses them, so a key Clerk has retired stops verifying. If that
//     refresh fails the old keys stay in use; until a refresh succeeds,
//     requests use them without waiting, and one attempt per refresh
//     interval runs in the background.
//
// Every key it hands out tells Config.Metrics the set's age: past
// KeySetMaxAge, it means refreshes fail.
type Remote struct {
	client     *jwks.Client
	metrics    authmetrics.Recorder
	timeout    time.Duration
	interval   time.Duration
	maxAge     time.Duration
	maxWaiters int64
	now        func() time.Time
	refresh    singleflight.Group
	// waiters counts the requests waiting on a refresh for an unknown kid.
	waiters atomic.Int64

	mu   sync.RWMutex
	keys map[string]*clerk.JSONWebKey
	// fetchedAt is when keys were fetched; attemptedAt when the last fetch
	// ended, attemptErr its failure (nil after a success).
	fetchedAt   time.Time
	attemptedAt time.Time
	attemptErr  error
}

// NewRemote is Clerk's JWKS, fetched when a token first needs it.
func NewRemote(cfg Config) *Remote {
	return &Remote{
		client:     &jwks.Client{Backend: clerkapi.NewBackend(cfg.Clerk)},
		metrics:    cfg.Metrics,
		timeout:    cfg.ClerkTimeout,
		interval:   cfg.KeyRefreshInterval,
		maxAge:     cfg.KeySetMaxAge,
		maxWaiters: int64(cfg.MaxKeyWaiters),
		now:        cfg.Now,
	}
}

// Key returns the key published under kid.
func (s *Remote) Key(ctx context.Context, kid string) (*clerk.JSONWebKey, error) {
	if kid == "" {
		return nil, tokenerr.Invalid("token header has no kid")
	}
	s.mu.RLock()
	key, held := s.keys[kid], s.keys != nil
	fetchedAt, attemptedAt, attemptErr := s.fetchedAt, s.attemptedAt, s.attemptErr
	s.mu.RUnlock()

	if key != nil {
		now := s.now()
		s.metrics.KeySetAge(now.Sub(fetchedAt))
		if now.Sub(fetchedAt) <= s.maxAge {
			return key, nil
		}
		if attemptErr != nil {
			// Clerk failed the last attempt: use the old key at once, and
			// try again in the background once the interval has passed
			// (fetch would answer at once within it too; checking here
			// saves a goroutine per request during an outage).
			if now.Sub(attemptedAt) >= s.interval {
				s.startRefresh(ctx, s.stale)
			}
			return key, nil
		}
		return s.refreshedKey(ctx, kid, key)
	}
	// Before the first successful fetch every kid is unknown: those waits
	// are bounded by that one fetch, and refusing them would turn a busy
	// start-up into 401s, so only an unknown kid in a held set counts.
	if held {
		if s.waiters.Add(1) > s.maxWaiters {
			s.waiters.Add(-1)
			return nil, tokenerr.Invalid("kid %s is not held, and %d requests already wait for the JWKS", tokenerr.Quote(kid), s.maxWaiters)
		}
		defer s.waiters.Add(-1)
	}
	unknown := func() bool { return s.cached(kid) == nil }
	if _, err := clerkapi.Await(ctx, s.startRefresh(ctx, unknown), "the JWKS"); err != nil {
		return nil, err
	}
	if key := s.cached(kid); key != nil {
		return key, nil
	}
	return nil, tokenerr.Invalid("no published key has kid %s", tokenerr.Quote(kid))
}

// refreshedKey is the key under kid once the set, older than its maximum
// age, has been refreshed; the old key when Clerk fails.
func (s *Remote) refreshedKey(ctx context.Context, kid string, old *clerk.JSONWebKey) (*clerk.JSONWebKey, error) {
	_, err := clerkapi.Await(ctx, s.startRefresh(ctx, s.stale), "the JWKS")
	switch {
	case errors.Is(err, clerkapi.ErrCanceled):
		return nil, err
	case err != nil:
		return old, nil
	}
	if key := s.cached(kid); key != nil {
		return key, nil
	}
	return nil, tokenerr.Invalid("kid %s is no longer published", tokenerr.Quote(kid))
}

// startRefresh starts a fetch, or joins the one running, and returns where
// its result will arrive. The fetch outlives a caller that gives up. It
// fetches only if needed still holds when it starts: a caller that saw the
// set stale, or a kid unknown, just before another fetch ended must not
// cause a second one.
func (s *Remote) startRefresh(ctx context.Context, needed func() bool) <-chan singleflight.Result {
	return s.refresh.DoChan("", func() (any, error) {
		if !needed() {
			return nil, nil
		}
		return nil, s.fetch(context.WithoutCancel(ctx))
	})
}

// stale reports whether the held set is older than its maximum age.
func (s *Remote) stale() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.now().Sub(s.fetchedAt) > s.maxAge
}

func (s *Remote) cached(kid string) *clerk.JSONWebKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys[kid]
}

// fetch replaces the key set with Clerk's. Within the refresh interval of
// the last attempt it waits the interval out rather than refuse: a key Clerk
// has just published must not be refused because a flood of made-up kids
// refreshed the set a moment ago. After a failed attempt it answers that
// failure at once, so an outage costs no waiting either. A failure keeps
// the keys held.
func (s *Remote) fetch(ctx context.Context) error {
	s.mu.RLock()
	last, lastErr := s.attemptedAt, s.attemptErr
	s.mu.RUnlock()
	if wait := s.interval - s.now().Sub(last); !last.IsZero() && wait > 0 {
		if lastErr != nil {
			return lastErr
		}
		time.Sleep(wait) // bounded by the interval; callers stop waiting on their own ctx
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	set, err := s.client.Get(ctx, &jwks.GetParams{})
	keys := map[string]*clerk.JSONWebKey{}
	if err != nil {
		err = clerkapi.Unavailable("fetching the JWKS", err)
	} else {
		for _, k := range set.Keys {
			if k == nil {
				continue
			}
			if _, isRSA := k.Key.(*rsa.PublicKey); isRSA && k.KeyID != "" && k.Algorithm == "RS256" && (k.Use == "" || k.Use == "sig") {
				keys[k.KeyID] = k
			}
		}
		s.metrics.KeySetAge(0)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.attemptedAt, s.attemptErr = s.now(), err
	if err == nil {
		s.keys, s.fetchedAt = keys, s.attemptedAt
	}
	return err
}
