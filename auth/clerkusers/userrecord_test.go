package clerkusers_test

import (
	"context"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/testutil"
)

// Record answers from the mirror without calling Clerk, tells a deleted
// user from one Clerk never had, and mirrors what it had to ask Clerk.
func TestRecord(t *testing.T) {
	ctx := context.Background()
	srv := startWithUser(t)
	srv.AddUser("user_fetched", "fetched@example.com")
	db := openDB(t)
	if _, err := db.Exec(`INSERT INTO users (id, email, clerk_updated_at) VALUES ('user_mirrored', 'm@example.com', now()),
		('user_gone', '', now())`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE users SET deleted = true WHERE id = 'user_gone'`); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(srv)
	cfg.Store, cfg.SyncMaxAge = clerkmirror.NewStore(db), time.Hour
	cache := newUserCache(t, cfg)

	if got, err := cache.Record(ctx, "user_mirrored"); err != nil || got != (clerkusers.UserRecord{ID: "user_mirrored", Email: "m@example.com"}) {
		t.Fatalf("mirrored: %+v, %v", got, err)
	}
	if got, err := cache.Record(ctx, "user_gone"); err != nil || got != (clerkusers.UserRecord{ID: "user_gone", Deleted: true}) {
		t.Fatalf("deleted: %+v, %v", got, err)
	}
	srv.WantCalls(t, clerktest.Users, 0)

	if got, err := cache.Record(ctx, "user_fetched"); err != nil || got.Email != "fetched@example.com" || got.Deleted {
		t.Fatalf("fetched: %+v, %v", got, err)
	}
	srv.WantCalls(t, clerktest.Users, 1)
	if row, found, err := cfg.Store.User(ctx, "user_fetched"); err != nil || !found || row.Email != "fetched@example.com" {
		t.Fatalf("not mirrored: %+v, %v, %v", row, found, err)
	}

	_, err := cache.Record(ctx, "user_never")
	testutil.MustFailWith(t, err, clerkusers.ErrUserNotFound)
	srv.WantCalls(t, clerktest.Users, 2)
}
