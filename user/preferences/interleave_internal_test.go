package preferences

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"encore.app/internal/pgtest"
)

// The interleavings of a PATCH and the deletion that timing alone rarely
// produces: one of them has written in a transaction that has not committed
// yet when the other starts. Each is run for a user with a row and for one
// without (both then insert it).

// waitBlocked waits until a statement on db's database waits for a lock.
func waitBlocked(t *testing.T, db *sql.DB) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("the statement never waited for the open transaction")
}

// expectTombstone fails unless userID's row is a tombstone holding nothing.
func expectTombstone(t *testing.T, db *sql.DB, userID string) {
	t.Helper()
	var data int
	var deleted bool
	err := db.QueryRow(`SELECT num_nonnulls(theme, locale, timezone, email_notifications), deleted_at IS NOT NULL FROM preferences WHERE user_id = $1`, userID).Scan(&data, &deleted)
	if err != nil || data != 0 || !deleted {
		t.Fatalf("%s: %d values, deleted %v (%v); want a tombstone", userID, data, deleted, err)
	}
}

func theme(v string) *string { return &v }

// A PATCH that starts while the deletion is written but not committed waits
// for it, then is refused: it never writes into the tombstone.
func TestPatchStartedBeforeTheDeletionCommits(t *testing.T) {
	for _, existing := range []bool{true, false} {
		t.Run(map[bool]string{true: "existing row", false: "no row"}[existing], func(t *testing.T) {
			db := pgtest.Open(t, "../migrations")
			s, ctx := NewStore(db), context.Background()
			if existing {
				if _, err := s.Update(ctx, "user_1", Patch{Theme: theme("light")}); err != nil {
					t.Fatal(err)
				}
			}
			deletion, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer deletion.Rollback() //nolint:errcheck // a no-op after Commit
			if err := tombstone(ctx, deletion, "user_1"); err != nil {
				t.Fatal(err)
			}
			patched := make(chan error, 1)
			go func() {
				_, err := s.Update(ctx, "user_1", Patch{Theme: theme("dark")})
				patched <- err
			}()
			waitBlocked(t, db)
			if err := deletion.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := <-patched; !errors.Is(err, ErrUserDeleted) {
				t.Fatalf("PATCH = %v, want ErrUserDeleted", err)
			}
			expectTombstone(t, db, "user_1")
		})
	}
}

// A deletion that starts while a PATCH is written but not committed waits
// for it, then removes what it wrote.
func TestDeletionStartedBeforeThePatchCommits(t *testing.T) {
	for _, existing := range []bool{true, false} {
		t.Run(map[bool]string{true: "existing row", false: "no row"}[existing], func(t *testing.T) {
			db := pgtest.Open(t, "../migrations")
			s, ctx := NewStore(db), context.Background()
			if existing {
				if _, err := s.Update(ctx, "user_1", Patch{Theme: theme("light")}); err != nil {
					t.Fatal(err)
				}
			}
			patch, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer patch.Rollback() //nolint:errcheck // a no-op after Commit
			if _, err := update(ctx, patch, "user_1", Patch{Theme: theme("dark")}); err != nil {
				t.Fatal(err)
			}
			deleted := make(chan error, 1)
			go func() { deleted <- s.DeleteUser(ctx, "user_1") }()
			waitBlocked(t, db)
			if err := patch.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := <-deleted; err != nil {
				t.Fatal(err)
			}
			expectTombstone(t, db, "user_1")
		})
	}
}
