package clerkusers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
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

func newInstance(t *testing.T, srv *clerktest.Server, store *clerkmirror.Store, edit func(*clerkusers.Config)) *instance {
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

func apply(t *testing.T, store *clerkmirror.Store, id string, c clerkmirror.Change) {
	t.Helper()
	if _, err := store.Apply(context.Background(), clerkmirror.Delivery{ID: id, EventType: "test", Change: &c}, nil); err != nil {
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
	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: userID, Email: "ada@new.example", UpdatedAt: time.Now().Add(time.Second)})
	apply(t, store, "msg_2", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, UserID: userID, SessionID: "sess_1"})
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

	apply(t, store, "msg_3", clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: userID})
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
	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_1"})
	apply(t, store, "msg_2", clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: "user_gone"})
	clock := clerktest.NewClock()
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.Now = clock.Now })
	in.sync(t)
	if !in.revocations.SessionRevoked("sess_1") || !in.revocations.UserDeleted("user_gone") {
		t.Fatal("recent revocations not loaded")
	}
	// Entries already applied are not in the log the tail reads next.
	in.sync(t)
	// Past the retention, memory forgets them: no token they refuse is valid.
	clock.Advance(clerkusers.RevocationRetention(5*time.Second) + time.Second)
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
	store := clerkmirror.NewStore(pg.Open(t, migrations))
	log := &testutil.LogRecorder{}
	const interval = 50 * time.Millisecond
	edit := func(c *clerkusers.Config) { c.SyncInterval, c.Log = interval, log }
	a, b := newInstance(t, srv, store, edit), newInstance(t, srv, store, edit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.tail.Run(ctx)
	go b.tail.Run(ctx)
	time.Sleep(2 * interval) // both have started

	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_1"})
	waitFor(t, 20*interval, func() bool { return a.revocations.SessionRevoked("sess_1") && b.revocations.SessionRevoked("sess_1") })

	pg.Stop(t)
	waitFor(t, 40*interval, func() bool { return log.Len() == 2 })
	time.Sleep(4 * interval)
	// One line per instance for the outage, however many syncs fail.
	if got := log.Lines(); len(got) != 2 || log.Count("WARN clerkusers: revocations and user changes are not synced") != 2 {
		t.Fatalf("logged during the outage: %q", got)
	}
	pg.Start(t)
	apply(t, store, "msg_2", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_2"})
	waitFor(t, 40*interval, func() bool { return a.revocations.SessionRevoked("sess_2") && b.revocations.SessionRevoked("sess_2") })
	if n := log.Count("INFO clerkusers: the change log is read again"); n != 2 {
		t.Fatalf("recovery logged by %d instances, want 2: %q", n, log.Lines())
	}
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

// A change log that goes backwards under a running tail (the database
// restored from a backup, or a failover that lost the newest entries) is
// noticed: the tail reloads the revocations and goes on from the new end,
// so revocations written after it are enforced, and says so once.
func TestTailReloadsWhenTheLogGoesBackwards(t *testing.T) {
	srv := startWithUser(t)
	db := openDB(t)
	store := clerkmirror.NewStore(db)
	log := &testutil.LogRecorder{}
	const interval = 20 * time.Millisecond
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.SyncInterval, c.Log = interval, log })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go in.tail.Run(ctx)
	for i := range 5 {
		apply(t, store, fmt.Sprintf("msg_%d", i), clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: fmt.Sprintf("sess_%d", i)})
	}
	waitFor(t, 100*interval, func() bool { return in.revocations.SessionRevoked("sess_4") })

	// The restored database lost the newest entries; its ids start over.
	if _, err := db.Exec(`DELETE FROM changes WHERE id > 2; ALTER SEQUENCE changes_id_seq RESTART WITH 3`); err != nil {
		t.Fatal(err)
	}
	apply(t, store, "msg_after", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_after"})
	waitFor(t, 100*interval, func() bool { return in.revocations.SessionRevoked("sess_after") })
	apply(t, store, "msg_next", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_next"})
	waitFor(t, 100*interval, func() bool { return in.revocations.SessionRevoked("sess_next") })
	time.Sleep(5 * interval)
	if n := log.Count("WARN clerkusers: the change log went backwards"); n != 1 || log.Len() != 1 {
		t.Fatalf("logged %q, want the one warning", log.Lines())
	}
}

// An instance that starts while the database is down serves from memory
// but enforces no revocation other instances were told of until its first
// successful sync, which the tail retries; meanwhile it says so at Warn:
// once, then a count once a minute, and at Info once it has caught up.
func TestInstanceStartingWhileTheDatabaseIsDown(t *testing.T) {
	srv := startWithUser(t)
	pg := pgtest.NewServer(t)
	store := clerkmirror.NewStore(pg.Open(t, migrations))
	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_1"})
	pg.Stop(t)
	log := &testutil.LogRecorder{}
	clock := clerktest.NewClock()
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.Log, c.Now = log, clock.Now })
	ctx := context.Background()
	// Three minutes of failed syncs, one a second.
	for range 180 {
		if in.tail.TrySync(ctx) {
			t.Fatal("synced with the database down")
		}
		clock.Advance(time.Second)
	}
	if in.revocations.SessionRevoked("sess_1") {
		t.Fatal("a revocation known without the database")
	}
	pg.Start(t)
	if !in.tail.TrySync(ctx) {
		t.Fatal("no sync once the database is back")
	}
	if !in.revocations.SessionRevoked("sess_1") {
		t.Fatal("the revocation is not enforced after the first successful sync")
	}
	const notEnforced = "message clerkusers: revocations are not enforced from the database yet"
	got := log.Lines()
	want := []string{
		"WARN clerkusers: revocations are not enforced from the database yet",
		"WARN log lines suppressed [" + notEnforced,
		"WARN log lines suppressed [" + notEnforced,
		"WARN log lines suppressed [" + notEnforced,
		"INFO clerkusers: the change log is read again",
	}
	if len(got) != len(want) {
		t.Fatalf("logged %q, want lines starting %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("line %d is %q, want it to start with %q", i, got[i], want[i])
		}
	}
	// 179 syncs failed after the first: 60 in each of two minutes, 59 in
	// the third, summarized when the database came back.
	for i, n := range []string{"suppressed 60 ", "suppressed 60 ", "suppressed 59 "} {
		if !strings.Contains(got[i+1], n) {
			t.Fatalf("summary %d is %q, want %q", i, got[i+1], n)
		}
	}
}
