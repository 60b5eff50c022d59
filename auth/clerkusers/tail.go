package clerkusers

import (
	"context"
	"time"
)

// tailBatch bounds the change-log entries read per query.
const tailBatch = 1000

// pruneEvery is how often a Tail prunes the database.
const pruneEvery = time.Minute

// Tail keeps an instance's memory current with the change log: every
// SyncInterval one indexed query reads the entries after the last one seen;
// changed users leave the UserCache (the next request reads the database),
// and revoked sessions and deleted users enter Revocations. So a webhook
// received by any instance is enforced by all within about one interval,
// with no per-request database call.
type Tail struct {
	store       *Store
	users       *UserCache
	revocations *Revocations
	interval    time.Duration
	now         func() time.Time
	dbErrors    *throttledLog

	started   bool
	last      int64
	lastPrune time.Time
}

// NewTail is a tail of cfg.Store's change log into users and revocations.
func NewTail(cfg Config, users *UserCache, revocations *Revocations) (*Tail, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Tail{
		store:       c.Store,
		users:       users,
		revocations: revocations,
		interval:    c.SyncInterval,
		now:         c.Now,
		dbErrors:    newThrottledLog(c.Log, c.SyncInterval, c.Now),
	}, nil
}

// Run syncs every interval until ctx ends. A database outage is logged at
// most once per interval and retried; memory keeps serving meanwhile.
func (t *Tail) Run(ctx context.Context) {
	ticker := time.NewTicker(t.interval)
	defer ticker.Stop()
	for {
		// A database that hangs must not stop the tail for good.
		syncCtx, cancel := context.WithTimeout(ctx, max(t.interval, databaseTimeout))
		err := t.Sync(syncCtx)
		cancel()
		if err != nil && ctx.Err() == nil {
			t.dbErrors.warn("revocations and user changes are not synced: the database is unavailable", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Sync applies the change-log entries written since the last Sync. The
// first one instead loads the revocations that can still matter and starts
// from the log's end: the memory of a new instance holds no user to drop.
func (t *Tail) Sync(ctx context.Context) error {
	if !t.started {
		end, err := t.store.ChangeLogEnd(ctx)
		if err != nil {
			return err
		}
		// Read after the end, so a change committed in between is applied
		// again below rather than missed: applying is idempotent.
		sessions, users, err := t.store.RecentRevocations(ctx)
		if err != nil {
			return err
		}
		for _, id := range sessions {
			t.revocations.revokeSession(id)
		}
		for _, id := range users {
			t.revocations.deleteUser(id)
			t.users.Forget(id)
		}
		t.started, t.last = true, end
	}
	for {
		changes, err := t.store.ChangesAfter(ctx, t.last, tailBatch)
		if err != nil {
			return err
		}
		for _, c := range changes {
			t.apply(c)
			t.last = c.ID
		}
		if len(changes) < tailBatch {
			break
		}
	}
	t.revocations.prune()
	if now := t.now(); now.Sub(t.lastPrune) >= pruneEvery {
		if err := t.store.Prune(ctx); err != nil {
			return err
		}
		t.lastPrune = now
	}
	return nil
}

func (t *Tail) apply(c LoggedChange) {
	switch c.Kind {
	case UserChanged:
		t.users.Forget(c.UserID)
	case UserDeleted:
		t.revocations.deleteUser(c.UserID)
		t.users.Forget(c.UserID)
	case SessionRevoked:
		t.revocations.revokeSession(c.SessionID)
	}
}
