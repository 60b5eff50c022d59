package clerkauth

import (
	"context"
	"errors"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/user"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// UserCache serves users' primary email addresses from memory and asks
// Clerk's Backend API (GET /users/{id}) only when an entry is missing or
// older than the TTL. Concurrent misses for one user make one call, and a
// caller that gives up does not cancel it for the others. While Clerk is
// unavailable an expired entry is served for up to MaxStale more.
type UserCache struct {
	client   *user.Client
	ttl      time.Duration
	maxStale time.Duration
	timeout  time.Duration
	now      func() time.Time
	entries  *lru.Cache[string, userEntry]
	fetches  singleflight.Group
}

type userEntry struct {
	email     string
	fetchedAt time.Time
}

// NewUserCache is a cache in front of the users endpoint of the Clerk
// instance cfg names, bounded to cfg.UserCacheSize users.
func NewUserCache(cfg Config) (*UserCache, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newUserCache(c), nil
}

func newUserCache(cfg *Config) *UserCache {
	entries, err := lru.New[string, userEntry](cfg.UserCacheSize)
	if err != nil {
		panic(err) // unreachable: withDefaults makes the size positive
	}
	return &UserCache{
		client:   &user.Client{Backend: newBackend(cfg)},
		ttl:      cfg.UserCacheTTL,
		maxStale: cfg.MaxStale,
		timeout:  cfg.ClerkTimeout,
		now:      cfg.Now,
		entries:  entries,
	}
}

// PrimaryEmail returns the user's primary email address, "" when the user
// has none. It fails with ErrUserNotFound when Clerk no longer has the user
// and with ErrClerkUnavailable when Clerk cannot answer and no entry is
// fresh enough to serve.
func (c *UserCache) PrimaryEmail(ctx context.Context, userID string) (string, error) {
	entry, cached := c.entries.Get(userID)
	if cached && c.now().Sub(entry.fetchedAt) < c.ttl {
		return entry.email, nil
	}
	done := c.fetches.DoChan(userID, func() (any, error) {
		return c.fetch(context.WithoutCancel(ctx), userID)
	})
	select {
	case <-ctx.Done():
		return "", unavailable("waiting for user %s: %v", userID, ctx.Err())
	case res := <-done:
		switch {
		case res.Err == nil:
			return res.Val.(string), nil
		case errors.Is(res.Err, ErrUserNotFound):
			c.entries.Remove(userID)
		case errors.Is(res.Err, ErrClerkUnavailable) && cached && c.now().Sub(entry.fetchedAt) < c.ttl+c.maxStale:
			return entry.email, nil
		}
		return "", res.Err
	}
}

// Len is the number of users in memory.
func (c *UserCache) Len() int { return c.entries.Len() }

func (c *UserCache) fetch(ctx context.Context, userID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u, err := c.client.Get(ctx, userID)
	if isNotFound(err) {
		return "", ErrUserNotFound
	}
	if err != nil {
		return "", clerkError("fetching user "+userID, err)
	}
	email := primaryEmail(u)
	c.entries.Add(userID, userEntry{email: email, fetchedAt: c.now()})
	return email, nil
}

// primaryEmail is the address whose id is primary_email_address_id.
func primaryEmail(u *clerk.User) string {
	if u.PrimaryEmailAddressID == nil {
		return ""
	}
	for _, e := range u.EmailAddresses {
		if e != nil && e.ID == *u.PrimaryEmailAddressID {
			return e.EmailAddress
		}
	}
	return ""
}
