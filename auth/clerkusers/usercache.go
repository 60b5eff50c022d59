package clerkusers

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/user"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkmirror"
	"encore.app/auth/internal/clerkapi"
	"encore.app/internal/authmetrics"
	"encore.app/internal/loglimit"
)

// The errors PrimaryEmail wraps; errors.Is tells them apart.
var (
	// ErrUserNotFound: Clerk no longer has the user, or a webhook said it
	// was deleted (clerkauth.ErrUserNotFound, which clerkauth.Reason
	// classes as a deleted user).
	ErrUserNotFound = clerkauth.ErrUserNotFound
	// ErrClerkUnavailable: Clerk could not be asked and nothing fresh enough
	// was at hand (the same error as clerkauth.ErrClerkUnavailable).
	ErrClerkUnavailable = clerkapi.ErrUnavailable
	// ErrCanceled: the caller gave up first (clerkauth.ErrCanceled).
	ErrCanceled = clerkapi.ErrCanceled
)

// UserCache serves users' primary email addresses from memory, then from
// the database, and asks Clerk's Backend API (GET /users/{id}) only when
// neither is fresh, writing Clerk's answer to the database. Concurrent
// misses for one user make one lookup, and a caller that gives up does not
// cancel it for the others. A user Clerk says does not exist is remembered
// for CacheTTL too, so replaying a deleted user's token costs no call. While
// Clerk is unavailable a user is served for up to MaxStale past its
// freshness; while the database is unavailable the cache works as if there
// were none.
type UserCache struct {
	client   *user.Client
	store    *clerkmirror.Store
	ttl      time.Duration
	dbMaxAge time.Duration
	maxStale time.Duration
	timeout  time.Duration
	now      func() time.Time
	log      Logger
	metrics  authmetrics.Recorder
	// dbErrors limits the lines of database failures, which a database
	// outage brings on every lookup, to one a minute and a count.
	dbErrors *loglimit.Limiter
	entries  *lru.Cache[string, userEntry]
	lookups  singleflight.Group
	// forgets counts Forget calls: a lookup that saw one happen while it
	// ran may have read what the change replaced, so it does not cache.
	forgets atomic.Uint64
}

// databaseTimeout bounds each database call of a lookup: a row is read in
// milliseconds, and a database that hangs rather than refuses must not hold
// logins up; past it the lookup goes on to Clerk.
const databaseTimeout = time.Second

type userEntry struct {
	email    string
	notFound bool
	// freshUntil is when the entry stops being served without a lookup.
	freshUntil time.Time
}

// NewUserCache is a user cache for the Clerk instance cfg names, bounded to
// cfg.CacheSize users.
func NewUserCache(cfg Config) (*UserCache, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	entries, err := lru.New[string, userEntry](c.CacheSize)
	if err != nil {
		return nil, err
	}
	dbErrors := loglimit.New(loglimit.Config{
		Message: "clerkusers: user lookups cannot use the database",
		Lines:   1, Interval: logInterval, Summary: c.Log.Warn, Now: c.Now,
	})
	return &UserCache{
		client:   &user.Client{Backend: clerkapi.NewBackend(c.clerkAPI())},
		store:    c.Store,
		ttl:      c.CacheTTL,
		dbMaxAge: c.SyncMaxAge,
		maxStale: c.MaxStale,
		timeout:  c.ClerkTimeout,
		now:      c.Now,
		log:      c.Log,
		metrics:  c.Metrics,
		dbErrors: dbErrors,
		entries:  entries,
	}, nil
}

// PrimaryEmail returns the user's primary email address, "" when the user
// has none. It fails with ErrUserNotFound for a deleted user, with
// ErrClerkUnavailable when no answer fresh enough could be had, and with
// ErrCanceled when ctx ends first.
func (c *UserCache) PrimaryEmail(ctx context.Context, userID string) (string, error) {
	if e, ok := c.entries.Get(userID); ok && c.now().Before(e.freshUntil) {
		result := authmetrics.LookupHit
		if e.notFound {
			result = authmetrics.LookupNegativeHit
		}
		c.metrics.CacheLookup(authmetrics.CacheUsers, result)
		return e.result()
	}
	c.metrics.CacheLookup(authmetrics.CacheUsers, authmetrics.LookupMiss)
	call := c.lookups.DoChan(userID, func() (any, error) {
		return c.lookup(context.WithoutCancel(ctx), userID)
	})
	v, err := clerkapi.Await(ctx, call, "user "+userID)
	if err != nil {
		return "", err
	}
	return v.(userEntry).result()
}

func (e userEntry) result() (string, error) {
	if e.notFound {
		return "", ErrUserNotFound
	}
	return e.email, nil
}

// Forget drops a user from memory, so the next request reads the database:
// the change-log tail calls it for every user a webhook changed.
func (c *UserCache) Forget(userID string) {
	c.forgets.Add(1)
	c.entries.Remove(userID)
}

// Len is the number of users in memory.
func (c *UserCache) Len() int { return c.entries.Len() }

// lookup finds the user in the database, or else at Clerk, and remembers
// it, unless a Forget came while it ran: then what it read may be what the
// change replaced, and the next request looks again.
func (c *UserCache) lookup(ctx context.Context, userID string) (userEntry, error) {
	forgets, now := c.forgets.Load(), c.now()
	remember := func(e userEntry) (userEntry, error) {
		if c.forgets.Load() == forgets {
			c.entries.Add(userID, e)
		}
		return e, nil
	}
	stale, hasStale := c.entries.Peek(userID)
	if c.store != nil {
		dbCtx, cancel := context.WithTimeout(ctx, databaseTimeout)
		row, found, err := c.store.User(dbCtx, userID)
		cancel()
		if err != nil {
			c.warnDatabase("clerkusers: user lookups skip the database: it is unavailable", err)
		}
		if found && row.Deleted {
			return remember(userEntry{notFound: true, freshUntil: now.Add(c.ttl)})
		}
		if found {
			e := userEntry{email: row.Email, freshUntil: row.SyncedAt.Add(c.dbMaxAge)}
			if now.Before(e.freshUntil) {
				if ttlEnd := now.Add(c.ttl); ttlEnd.Before(e.freshUntil) {
					e.freshUntil = ttlEnd
				}
				return remember(e)
			}
			if !hasStale || stale.freshUntil.Before(e.freshUntil) {
				stale, hasStale = e, true
			}
		}
	}

	u, err := c.fetch(ctx, userID)
	switch {
	case err == nil:
		e := userEntry{email: clerkmirror.PrimaryEmail(u), freshUntil: now.Add(c.ttl)}
		if c.store != nil {
			dbCtx, cancel := context.WithTimeout(ctx, databaseTimeout)
			err := c.store.SaveUser(dbCtx, userID, e.email, time.UnixMilli(u.UpdatedAt))
			cancel()
			if err != nil {
				c.warnDatabase("clerkusers: users fetched from Clerk are not saved: the database is unavailable", err)
			}
		}
		return remember(e)
	case errors.Is(err, ErrUserNotFound):
		return remember(userEntry{notFound: true, freshUntil: now.Add(c.ttl)})
	case hasStale && now.Before(stale.freshUntil.Add(c.maxStale)):
		return stale, nil
	}
	return userEntry{}, err
}

func (c *UserCache) warnDatabase(msg string, err error) {
	if c.dbErrors.Allow() {
		c.log.Warn(msg, "error", err.Error())
	}
}

func (c *UserCache) fetch(ctx context.Context, userID string) (*clerk.User, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u, err := c.client.Get(ctx, userID)
	if clerkapi.IsNotFound(err) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, clerkapi.Unavailable("fetching user "+userID, err)
	}
	return u, nil
}
