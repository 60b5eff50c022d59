package clerkusers

import (
	"context"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/internal/authmetrics"
	"encore.app/internal/loglimit"
)

// tailBatch bounds the change-log entries read per query.
const tailBatch = 1000

// pruneEvery is how often a Tail prunes the database.
const pruneEvery = time.Minute

// Tail keeps an instance's memory current with the change log: every
// SyncInterval one indexed query reads the entries after the last one seen;
// changed users leave the UserCache (the next request reads the database),
// and revoked sessions, deleted users and organizations, and membership
// changes that refuse tokens enter Revocations. So a webhook
// received by any instance is enforced by all within about one interval,
// with no per-request database call, once the instance has synced once.
// Every sync attempt sets Config.Metrics' gauges: the time since the last
// successful sync, and the revocations held.
type Tail struct {
	store       *clerkmirror.Store
	users       *UserCache
	revocations *Revocations
	interval    time.Duration
	retention   time.Duration
	now         func() time.Time
	log         Logger
	metrics     authmetrics.Recorder
	// notLoaded and notSynced count the failed syncs of an outage after
	// the first, which is logged, before and after the first success.
	notLoaded, notSynced *loglimit.Limiter

	started   bool
	last      int64
	lastPrune time.Time
	// failing is set from a failed sync to the next successful one.
	failing bool
	// synced is when the last sync succeeded; until one has, when the
	// tail was made.
	synced time.Time
}

// The lines of an outage.
const (
	msgNotLoaded = "clerkusers: revocations are not enforced from the database yet: it cannot be read; retrying every sync interval"
	msgNotSynced = "clerkusers: revocations and user changes are not synced: the database is unavailable; retrying every sync interval"
)

// NewTail is a tail of cfg.Store's change log into users and revocations.
func NewTail(cfg Config, users *UserCache, revocations *Revocations) (*Tail, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	failures := func(msg string) *loglimit.Limiter {
		return loglimit.New(loglimit.Config{Message: msg, Interval: logInterval, Summary: c.Log.Warn, Now: c.Now})
	}
	return &Tail{
		store:       c.Store,
		users:       users,
		revocations: revocations,
		interval:    c.SyncInterval,
		retention:   RevocationRetention(c.Leeway),
		now:         c.Now,
		log:         c.Log,
		metrics:     c.Metrics,
		notLoaded:   failures(msgNotLoaded),
		notSynced:   failures(msgNotSynced),
		synced:      c.Now(),
	}, nil
}

// Run syncs every interval until ctx ends.
func (t *Tail) Run(ctx context.Context) {
	ticker := time.NewTicker(t.interval)
	defer ticker.Stop()
	for {
		t.TrySync(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// TrySync syncs, bounded in time (a database that hangs must not stop the
// tail for good), and reports whether it succeeded. Memory keeps serving
// through a failure, which is logged at Warn: the first of an outage with
// its error, then a count of those that followed once a minute, then a line
// at Info when a sync succeeds again. Until the first success the lines say
// that revocations are not enforced: an instance that starts while the
// database is down enforces those webhooks told other instances about from
// its first successful sync.
func (t *Tail) TrySync(ctx context.Context) bool {
	defer t.setGauges()
	syncCtx, cancel := context.WithTimeout(ctx, max(t.interval, databaseTimeout))
	err := t.Sync(syncCtx)
	cancel()
	limiter, msg := t.notSynced, msgNotSynced
	if !t.started {
		limiter, msg = t.notLoaded, msgNotLoaded
	}
	switch {
	case err == nil:
		t.synced = t.now()
		if t.failing {
			t.failing = false
			t.notLoaded.Flush()
			t.notSynced.Flush()
			t.log.Info("clerkusers: the change log is read again; revocations are enforced from the database")
		}
		return true
	case ctx.Err() != nil:
		// Stopping, not failing.
	case !t.failing:
		t.failing = true
		t.log.Warn(msg, "error", err.Error())
	default:
		limiter.Allow()
	}
	return false
}

// setGauges tells the metrics how long ago the tail last synced, and how
// many revocations memory holds: gauges keep the last value set, so they
// are set on every attempt, failed or not.
func (t *Tail) setGauges() {
	t.metrics.SyncAge(t.now().Sub(t.synced))
	t.metrics.RevocationsHeld(t.revocations.Len())
}

// Sync applies the change-log entries written since the last Sync. The
// first one instead loads the revocations that can still matter and starts
// from the log's end: the memory of a new instance holds no user to drop.
// So does the first after the log went backwards (a database restored
// from a backup, or a failover that lost the newest entries): the entries
// after the last one seen would then be read only once the log grew past
// it again, and those written meanwhile never.
func (t *Tail) Sync(ctx context.Context) error {
	if !t.started {
		if err := t.load(ctx); err != nil {
			return err
		}
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
		if len(changes) == tailBatch {
			continue
		}
		if len(changes) == 0 {
			if err := t.checkEnd(ctx); err != nil {
				return err
			}
		}
		break
	}
	t.revocations.prune(t.retention)
	if now := t.now(); now.Sub(t.lastPrune) >= pruneEvery {
		if err := t.store.Prune(ctx, t.retention); err != nil {
			return err
		}
		t.lastPrune = now
	}
	return nil
}

// load reads the revocations that can still matter and the log's end.
func (t *Tail) load(ctx context.Context) error {
	end, err := t.store.ChangeLogEnd(ctx)
	if err != nil {
		return err
	}
	// Read after the end, so a change committed in between is applied
	// again below rather than missed: applying is idempotent.
	sessions, users, err := t.store.RecentRevocations(ctx, t.retention)
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
	orgs, memberships, err := t.store.RecentOrgRevocations(ctx, t.retention)
	if err != nil {
		return err
	}
	for _, id := range orgs {
		t.revocations.deleteOrg(id)
	}
	for _, m := range memberships {
		t.revocations.changeMembership(m.UserID, m.OrgID, m.Before)
	}
	t.started, t.last = true, end
	return nil
}

// checkEnd reloads when the log ends before the last entry seen.
func (t *Tail) checkEnd(ctx context.Context) error {
	end, err := t.store.ChangeLogEnd(ctx)
	if err != nil || end >= t.last {
		return err
	}
	t.log.Warn("clerkusers: the change log went backwards (database restored or failed over): reloading revocations and restarting from its end",
		"last_seen", t.last, "end", end)
	t.started = false // so that a failed reload is retried, not warned about again
	return t.load(ctx)
}

func (t *Tail) apply(c clerkmirror.LoggedChange) {
	switch c.Kind {
	case clerkmirror.UserChanged:
		t.users.Forget(c.UserID)
	case clerkmirror.UserDeleted:
		t.revocations.deleteUser(c.UserID)
		t.users.Forget(c.UserID)
	case clerkmirror.SessionRevoked:
		t.revocations.revokeSession(c.SessionID)
	case clerkmirror.OrgChanged:
		t.revocations.restoreOrg(c.OrgID)
	case clerkmirror.OrgDeleted:
		t.revocations.deleteOrg(c.OrgID)
	case clerkmirror.MembershipChanged, clerkmirror.MembershipDeleted:
		if !c.TokensBefore.IsZero() {
			t.revocations.changeMembership(c.UserID, c.OrgID, c.TokensBefore)
		}
	}
}
