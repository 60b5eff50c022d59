package clerkauth

import (
	"context"
	"crypto/rsa"
	"fmt"
	"sync"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"golang.org/x/sync/singleflight"
)

// KeySet finds the public key that verifies a token, by the token's kid.
type KeySet interface {
	// Key returns the RS256 key published under kid. It fails with
	// ErrInvalidToken for a kid that is not published and with
	// ErrClerkUnavailable when the keys cannot be fetched.
	Key(ctx context.Context, kid string) (*clerk.JSONWebKey, error)
}

// StaticKeySet is the one key pasted from the Clerk dashboard: verification
// needs no network. Clerk signs every token of an instance with it, so the
// token's kid is not consulted.
type StaticKeySet struct {
	key *clerk.JSONWebKey
}

// NewStaticKeySet parses the PEM public key ("JWT public key" in the Clerk
// dashboard).
func NewStaticKeySet(pemKey string) (*StaticKeySet, error) {
	key, err := clerk.JSONWebKeyFromPEM(pemKey)
	if err != nil {
		return nil, fmt.Errorf("clerkauth: JWTKey: %w", err)
	}
	if _, ok := key.Key.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("clerkauth: JWTKey is a %T, want an RSA public key", key.Key)
	}
	return &StaticKeySet{key: key}, nil
}

// Key returns the static key whatever the kid.
func (s *StaticKeySet) Key(context.Context, string) (*clerk.JSONWebKey, error) {
	return s.key, nil
}

// RemoteKeySet is Clerk's JWKS, fetched through the SDK and kept in memory.
// A kid it does not hold triggers a refresh, so a key Clerk has just
// published is accepted within one refresh interval; concurrent refreshes
// collapse into one, and refreshes are at least Config.KeyRefreshInterval
// apart, so a flood of made-up kids costs Clerk one call per interval.
type RemoteKeySet struct {
	client   *jwks.Client
	timeout  time.Duration
	interval time.Duration
	now      func() time.Time
	refresh  singleflight.Group

	mu          sync.RWMutex
	keys        map[string]*clerk.JSONWebKey
	refreshedAt time.Time
	refreshErr  error
}

// NewRemoteKeySet is a key set for the Clerk instance cfg names. It fetches
// nothing until the first token arrives.
func NewRemoteKeySet(cfg Config) (*RemoteKeySet, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newRemoteKeySet(c), nil
}

func newRemoteKeySet(cfg *Config) *RemoteKeySet {
	return &RemoteKeySet{
		client:   &jwks.Client{Backend: newBackend(cfg)},
		timeout:  cfg.ClerkTimeout,
		interval: cfg.KeyRefreshInterval,
		now:      cfg.Now,
	}
}

// Key returns the key published under kid, refreshing the set, at most once
// per refresh interval, when kid is unknown.
func (s *RemoteKeySet) Key(ctx context.Context, kid string) (*clerk.JSONWebKey, error) {
	if kid == "" {
		return nil, invalid("token header has no kid")
	}
	if key := s.cached(kid); key != nil {
		return key, nil
	}
	done := s.refresh.DoChan("", func() (any, error) {
		return nil, s.fetch(context.WithoutCancel(ctx))
	})
	select {
	case <-ctx.Done():
		return nil, unavailable("waiting for the JWKS: %v", ctx.Err())
	case res := <-done:
		if res.Err != nil {
			return nil, res.Err
		}
	}
	if key := s.cached(kid); key != nil {
		return key, nil
	}
	return nil, invalid("no published key has kid %q", kid)
}

func (s *RemoteKeySet) cached(kid string) *clerk.JSONWebKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys[kid]
}

// fetch replaces the key set with Clerk's. Within the refresh interval of
// the last attempt it waits the interval out rather than refuse: a key Clerk
// has just published must not be refused because a flood of made-up kids
// refreshed the set a moment ago. After a failed attempt it answers that
// failure at once, so an outage costs no waiting either.
func (s *RemoteKeySet) fetch(ctx context.Context) error {
	s.mu.RLock()
	last, lastErr := s.refreshedAt, s.refreshErr
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
		err = clerkError("fetching the JWKS", err)
	} else {
		for _, k := range set.Keys {
			if _, isRSA := k.Key.(*rsa.PublicKey); isRSA && k.KeyID != "" && k.Algorithm == "RS256" && (k.Use == "" || k.Use == "sig") {
				keys[k.KeyID] = k
			}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshedAt, s.refreshErr = s.now(), err
	if err == nil {
		s.keys = keys
	}
	return err
}
