package clerkusers_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/authmetrics"
)

// Each lookup counts one: a miss (with its call to Clerk), then a hit; a
// user Clerk does not have, a miss, then a negative hit.
func TestUserCacheLookupsAreCounted(t *testing.T) {
	srv := startWithUser(t)
	counts := &authmetrics.Counts{}
	cfg := testConfig(srv)
	cfg.Metrics = counts
	c := newUserCache(t, cfg)
	ctx := context.Background()
	for range 2 {
		if _, err := c.PrimaryEmail(ctx, userID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PrimaryEmail(ctx, "user_gone"); err == nil {
			t.Fatal("a user Clerk does not have was found")
		}
	}
	want := map[string]uint64{
		"auth_cache_lookups{cache=users,result=miss}":         2,
		"auth_clerk_calls{endpoint=users,outcome=ok}":         1,
		"auth_clerk_calls{endpoint=users,outcome=not_found}":  1,
		"auth_cache_lookups{cache=users,result=hit}":          1,
		"auth_cache_lookups{cache=users,result=negative_hit}": 1,
	}
	if got := counts.Take(); !maps.Equal(got, want) {
		t.Fatalf("counted %v\nwant    %v", got, want)
	}
}

// Every sync attempt sets the tail's gauges: the time since the last
// successful sync (since the tail was made, before one) and the
// revocations in memory.
func TestTailSetsItsGauges(t *testing.T) {
	srv := startWithUser(t)
	db := openDB(t)
	store := clerkmirror.NewStore(db)
	clock := clerktest.NewClock()
	counts := &authmetrics.Counts{}
	edit := func(c *clerkusers.Config) { c.Now, c.Metrics = clock.Now, counts }
	expect := func(syncAge time.Duration, held int) {
		t.Helper()
		want := map[string]float64{authmetrics.MetricSyncAge: syncAge.Seconds(), authmetrics.MetricRevocationsHeld: float64(held)}
		if got := counts.Gauges(); !maps.Equal(got, want) {
			t.Fatalf("gauges %v, want %v", got, want)
		}
	}
	in := newInstance(t, srv, store, edit)
	clock.Advance(3 * time.Second)
	if !in.tail.TrySync(context.Background()) {
		t.Fatal("sync failed")
	}
	expect(0, 0)

	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, UserID: userID, SessionID: "sess_1"})
	clerkusers.ChangeMembership(in.revocations, userID, "org_1", clock.Now())
	clock.Advance(time.Second)
	in.tail.TrySync(context.Background())
	expect(0, 2)

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Second)
	if in.tail.TrySync(context.Background()) {
		t.Fatal("sync on a closed database succeeded")
	}
	expect(10*time.Second, 2)

	// A tail that never synced counts from when it was made.
	fresh := newInstance(t, srv, store, edit)
	clock.Advance(7 * time.Second)
	fresh.tail.TrySync(context.Background())
	expect(7*time.Second, 0)
}
