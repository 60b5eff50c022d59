package clerkusers_test

import (
	"context"
	"testing"
	"time"

	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/pgtest"
	"encore.app/internal/testutil"
)

// instance is one app instance's memory over a shared database.
type instance struct {
	users       *clerkusers.UserCache
	revocations *clerkusers.Revocations
	tail        *clerkusers.Tail
}

func newInstance(t *testing.T, srv *clerktest.Server, store *clerkusers.Store, edit func(*clerkusers.Config)) *instance {
	t.Helper()
	cfg := testConfig(srv)
	cfg.Store = store
	if edit != nil {
		edit(&cfg)
	}
	in := &instance{users: newUserCache(t, cfg), revocations: clerkusers.NewRevocations(cfg.Now)}
	tail, err := clerkusers.NewTail(cfg, in.users, in.revocations)
	if err != nil {
		t.Fatal(err)
	}
	in.tail = tail
	return in
}

func (in *instance) sync(t *testing.T) {
	t.Helper()
	if err := in.tail.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func apply(t *testing.T, store *clerkusers.Store, id string, c clerkusers.Change) {
	t.Helper()
	if _, err := store.Apply(context.Background(), clerkusers.Delivery{ID: id, EventType: "test", Change: &c}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestTailAppliesTheChangeLog(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.SyncMaxAge = time.Hour })
	in.sync(t)
	if _, err := in.users.PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	srv.WantCalls(t, clerktest.Users, 1)

	// An email change reaches memory through the database, not Clerk.
	apply(t, store, "msg_1", clerkusers.Change{Kind: clerkusers.UserChanged, UserID: userID, Email: "ada@new.example", UpdatedAt: time.Now().Add(time.Second)})
	apply(t, store, "msg_2", clerkusers.Change{Kind: clerkusers.SessionRevoked, UserID: userID, SessionID: "sess_1"})
	if in.revocations.SessionRevoked("sess_1") {
		t.Fatal("revocation known before the tail ran")
	}
	in.sync(t)
	if email, err := in.users.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@new.example" {
		t.Fatalf("after the change: %q, %v", email, err)
	}
	srv.WantCalls(t, clerktest.Users, 1)
	if !in.revocations.SessionRevoked("sess_1") || in.revocations.SessionRevoked("sess_2") {
		t.Fatal("revoked sessions not as logged")
	}

	apply(t, store, "msg_3", clerkusers.Change{Kind: clerkusers.UserDeleted, UserID: userID})
	in.sync(t)
	if !in.revocations.UserDeleted(userID) {
		t.Fatal("deletion not in memory")
	}
	_, err := in.users.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrUserNotFound)
	srv.WantCalls(t, clerktest.Users, 1)
}

// A starting instance loads the revocations that can still matter, and
// none that cannot.
func TestTailStartLoadsRecentRevocations(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	apply(t, store, "msg_1", clerkusers.Change{Kind: clerkusers.SessionRevoked, SessionID: "sess_1"})
	apply(t, store, "msg_2", clerkusers.Change{Kind: clerkusers.UserDeleted, UserID: "user_gone"})
	clock := clerktest.NewClock()
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.Now = clock.Now })
	in.sync(t)
	if !in.revocations.SessionRevoked("sess_1") || !in.revocations.UserDeleted("user_gone") {
		t.Fatal("recent revocations not loaded")
	}
	// Entries already applied are not in the log the tail reads next.
	in.sync(t)
	// Past the retention, memory forgets them: no token they refuse is valid.
	clock.Advance(clerkusers.RevocationRetention + time.Second)
	in.sync(t)
	if in.revocations.Len() != 0 {
		t.Fatalf("%d revocations kept past the retention", in.revocations.Len())
	}
}

// Every instance learns within one interval, whichever received the
// webhook; Run keeps going through a database outage and catches up.
func TestTailRunPropagatesAcrossInstances(t *testing.T) {
	srv := startWithUser(t)
	pg := pgtest.NewServer(t)
	store := clerkusers.NewStore(pg.Open(t, migrations))
	log := &logRecorder{}
	const interval = 50 * time.Millisecond
	edit := func(c *clerkusers.Config) { c.SyncInterval, c.Log = interval, log }
	a, b := newInstance(t, srv, store, edit), newInstance(t, srv, store, edit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.tail.Run(ctx)
	go b.tail.Run(ctx)
	time.Sleep(2 * interval) // both have started

	apply(t, store, "msg_1", clerkusers.Change{Kind: clerkusers.SessionRevoked, SessionID: "sess_1"})
	waitFor(t, 20*interval, func() bool { return a.revocations.SessionRevoked("sess_1") && b.revocations.SessionRevoked("sess_1") })

	pg.Stop(t)
	time.Sleep(4 * interval)
	if log.Len() == 0 {
		t.Fatal("the outage was not logged")
	}
	// At most one line per interval and instance.
	if log.Len() > 2*5 {
		t.Fatalf("%d log lines in 4 intervals of outage of 2 instances", log.Len())
	}
	pg.Start(t)
	apply(t, store, "msg_2", clerkusers.Change{Kind: clerkusers.SessionRevoked, SessionID: "sess_2"})
	waitFor(t, 40*interval, func() bool { return a.revocations.SessionRevoked("sess_2") && b.revocations.SessionRevoked("sess_2") })
}

func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
