package clerkmirror_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkusers"
)

func TestSaveUserKeepsTheNewestVersion(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := store.SaveUser(ctx, userID, "new@example.com", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// An older version fetched late does not overwrite the newer one.
	if err := store.SaveUser(ctx, userID, "old@example.com", t0); err != nil {
		t.Fatal(err)
	}
	u, found, err := store.User(ctx, userID)
	if err != nil || !found || u.Email != "new@example.com" || !u.UpdatedAt.Equal(t0.Add(time.Minute)) || u.Deleted {
		t.Fatalf("user = %+v, %v, %v", u, found, err)
	}
	// A deletion is final: no version fetched afterwards revives the user.
	applied, err := store.Apply(ctx, clerkmirror.Delivery{ID: "msg_1", EventType: "user.deleted",
		Change: &clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: userID}}, nil)
	if err != nil || applied != clerkmirror.Applied {
		t.Fatalf("delete: %v, %v", applied, err)
	}
	if err := store.SaveUser(ctx, userID, "back@example.com", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, _, _ := store.User(ctx, userID); !u.Deleted || u.Email != "new@example.com" {
		t.Fatalf("a deleted user's row changed: %+v", u)
	}
	if _, found, err := store.User(ctx, "user_unknown"); found || err != nil {
		t.Fatalf("unknown user: %v, %v", found, err)
	}
}

func TestChangeLogAndRevocations(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	if end, err := store.ChangeLogEnd(ctx); err != nil || end != 0 {
		t.Fatalf("empty log end = %d, %v", end, err)
	}
	deliveries := []clerkmirror.Delivery{
		{ID: "msg_1", EventType: "user.created", Change: &clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: "user_a", Email: "a@example.com", UpdatedAt: time.Now()}},
		{ID: "msg_2", EventType: "session.revoked", Change: &clerkmirror.Change{Kind: clerkmirror.SessionRevoked, UserID: "user_a", SessionID: "sess_a"}},
		{ID: "msg_3", EventType: "user.deleted", Change: &clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: "user_b"}},
		{ID: "msg_4", EventType: "email.created"},
		{ID: "msg_2", EventType: "session.revoked", Change: &clerkmirror.Change{Kind: clerkmirror.SessionRevoked, UserID: "user_a", SessionID: "sess_a"}},
		{ID: "msg_5", EventType: "session.ended", Change: &clerkmirror.Change{Kind: clerkmirror.SessionRevoked, UserID: "user_a", SessionID: "sess_a"}},
	}
	want := []clerkmirror.Outcome{clerkmirror.Applied, clerkmirror.Applied, clerkmirror.Applied, clerkmirror.Ignored, clerkmirror.Duplicate, clerkmirror.Outdated}
	for i, d := range deliveries {
		if got, err := store.Apply(ctx, d, nil); err != nil || got != want[i] {
			t.Fatalf("delivery %d (%s): %v, %v; want %v", i, d.ID, got, err, want[i])
		}
	}
	changes, err := store.ChangesAfter(ctx, 0, 10)
	if err != nil || len(changes) != 3 {
		t.Fatalf("changes = %+v, %v", changes, err)
	}
	if changes[0].Kind != clerkmirror.UserChanged || changes[1].SessionID != "sess_a" || changes[2].UserID != "user_b" {
		t.Fatalf("changes = %+v", changes)
	}
	if rest, _ := store.ChangesAfter(ctx, changes[1].ID, 10); len(rest) != 1 || rest[0].ID != changes[2].ID {
		t.Fatalf("after %d: %+v", changes[1].ID, rest)
	}
	if end, _ := store.ChangeLogEnd(ctx); end != changes[2].ID {
		t.Fatalf("end = %d, want %d", end, changes[2].ID)
	}
	retention := clerkusers.RevocationRetention(5 * time.Second)
	sessions, users, err := store.RecentRevocations(ctx, retention)
	if err != nil || len(sessions) != 1 || sessions[0] != "sess_a" || len(users) != 1 || users[0] != "user_b" {
		t.Fatalf("recent revocations: %v %v %v", sessions, users, err)
	}
	// Pruning keeps what is recent.
	if err := store.Prune(ctx, retention); err != nil {
		t.Fatal(err)
	}
	if changes, _ := store.ChangesAfter(ctx, 0, 10); len(changes) != 3 {
		t.Fatalf("prune removed recent changes: %+v", changes)
	}
}

// Prune and RecentRevocations keep a row as long as the retention a
// verifier's leeway calls for, and not longer.
func TestPruneForgetsOldRows(t *testing.T) {
	db := openDB(t)
	store := clerkmirror.NewStore(db)
	ctx := context.Background()
	for _, d := range []clerkmirror.Delivery{
		{ID: "msg_old", EventType: "session.revoked", Change: &clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_old"}},
		{ID: "msg_new", EventType: "session.revoked", Change: &clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_new"}},
		{ID: "msg_gone", EventType: "user.deleted", Change: &clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: "user_old"}},
		{ID: "msg_kept", EventType: "user.deleted", Change: &clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: "user_new"}},
	} {
		if _, err := store.Apply(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
	}
	age := func(table, column, where string, d time.Duration) {
		t.Helper()
		if _, err := db.Exec(`UPDATE `+table+` SET `+column+` = now() - make_interval(secs => $1) WHERE `+where, d.Seconds()); err != nil {
			t.Fatal(err)
		}
	}
	// A long leeway: the rows inside its retention are older than the
	// retention of the default one.
	retention := clerkusers.RevocationRetention(time.Minute)
	old, recent := retention+time.Second, retention-10*time.Second
	age("revoked_sessions", "revoked_at", "session_id = 'sess_old'", old)
	age("revoked_sessions", "revoked_at", "session_id = 'sess_new'", recent)
	age("changes", "created_at", "session_id = 'sess_old'", old)
	age("changes", "created_at", "session_id <> 'sess_old'", recent)
	age("users", "synced_at", "id = 'user_old'", old)
	age("users", "synced_at", "id = 'user_new'", recent)
	age("webhook_deliveries", "processed_at", "svix_id = 'msg_old'", 8*24*time.Hour)
	if err := store.Prune(ctx, retention); err != nil {
		t.Fatal(err)
	}
	sessions, users, err := store.RecentRevocations(ctx, retention)
	if err != nil {
		t.Fatal(err)
	}
	changes, _ := store.ChangesAfter(ctx, 0, 10)
	var deliveries int
	if err := db.QueryRow(`SELECT count(*) FROM webhook_deliveries`).Scan(&deliveries); err != nil {
		t.Fatal(err)
	}
	var revoked int
	if err := db.QueryRow(`SELECT count(*) FROM revoked_sessions`).Scan(&revoked); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sessions, []string{"sess_new"}) || !slices.Equal(users, []string{"user_new"}) || len(changes) != 3 || deliveries != 3 || revoked != 1 {
		t.Fatalf("after prune: sessions %v, users %v, changes %+v, deliveries %d, revoked rows %d", sessions, users, changes, deliveries, revoked)
	}
}

// A failing beforeCommit (the publish) rolls the whole delivery back, so
// its retry applies it again.
func TestApplyRollsBackWhenBeforeCommitFails(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	d := clerkmirror.Delivery{ID: "msg_1", EventType: "user.deleted", Change: &clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: userID}}
	if _, err := store.Apply(ctx, d, func(context.Context) error { return context.DeadlineExceeded }); err == nil {
		t.Fatal("Apply succeeded despite the failed publish")
	}
	if _, found, _ := store.User(ctx, userID); found {
		t.Fatal("the change of a rolled-back delivery was stored")
	}
	published := 0
	if got, err := store.Apply(ctx, d, func(context.Context) error { published++; return nil }); err != nil || got != clerkmirror.Applied || published != 1 {
		t.Fatalf("retry: %v, %v, published %d", got, err, published)
	}
}

// A webhook event applies only when it is newer than the stored version: an
// event of the same updated_at under another svix-id (Clerk sends user.created
// and user.updated alike) changes and publishes nothing.
func TestApplyNeedsANewerVersion(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	change := func(email string, at time.Time) *clerkmirror.Change {
		return &clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: userID, Email: email, UpdatedAt: at}
	}
	for _, tt := range []struct {
		id     string
		change *clerkmirror.Change
		want   clerkmirror.Outcome
	}{
		{"msg_1", change("a@example.com", at), clerkmirror.Applied},
		{"msg_2", change("b@example.com", at), clerkmirror.Outdated},
		{"msg_3", change("c@example.com", at.Add(-time.Second)), clerkmirror.Outdated},
		{"msg_4", change("d@example.com", at.Add(time.Millisecond)), clerkmirror.Applied},
	} {
		got, err := store.Apply(ctx, clerkmirror.Delivery{ID: tt.id, EventType: "user.updated", Change: tt.change}, nil)
		if err != nil || got != tt.want {
			t.Fatalf("%s: %v, %v; want %v", tt.id, got, err, tt.want)
		}
	}
	if u, _, _ := store.User(ctx, userID); u.Email != "d@example.com" {
		t.Fatalf("email = %q", u.Email)
	}
}

// A user looked up at Clerk before its webhook arrives is stored first; the
// webhook's event is still applied and published (only webhooks decide
// what is new to subscribers), without overwriting a newer stored email.
func TestLookupBeforeWebhookStillPublishes(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := store.SaveUser(ctx, userID, "ada@example.com", at); err != nil {
		t.Fatal(err)
	}
	published := 0
	publish := func(context.Context) error { published++; return nil }
	created := clerkmirror.Delivery{ID: "msg_1", EventType: "user.created",
		Change: &clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: userID, Email: "ada@example.com", UpdatedAt: at}}
	if got, err := store.Apply(ctx, created, publish); err != nil || got != clerkmirror.Applied || published != 1 {
		t.Fatalf("user.created after a lookup: %v, %v, published %d", got, err, published)
	}
	// A lookup stores a newer version; an older event is still news to
	// subscribers, but leaves the newer email in place.
	if err := store.SaveUser(ctx, userID, "ada@new.example", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	updated := clerkmirror.Delivery{ID: "msg_2", EventType: "user.updated",
		Change: &clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: userID, Email: "ada@mid.example", UpdatedAt: at.Add(time.Minute)}}
	if got, err := store.Apply(ctx, updated, publish); err != nil || got != clerkmirror.Applied || published != 2 {
		t.Fatalf("older user.updated after a newer lookup: %v, %v, published %d", got, err, published)
	}
	if u, _, _ := store.User(ctx, userID); u.Email != "ada@new.example" || !u.UpdatedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("the newer email was overwritten: %+v", u)
	}
}

// Concurrent webhook deliveries never let a tail skip a change-log entry:
// ids become visible in order (the advisory lock in Apply).
func TestChangeLogIsReadInOrderUnderConcurrentWriters(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	const writers, each = 8, 25
	seen := map[int64]bool{}
	done := make(chan struct{})
	var last int64
	read := func() {
		changes, err := store.ChangesAfter(ctx, last, 1000)
		if err != nil {
			t.Error(err)
			return
		}
		for _, c := range changes {
			seen[c.ID] = true
			last = c.ID
		}
	}
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					id := fmt.Sprintf("msg_%d_%d", w, i)
					d := clerkmirror.Delivery{ID: id, EventType: "session.revoked",
						Change: &clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: "sess_" + id}}
					if _, err := store.Apply(ctx, d, nil); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		read()
	}
	read()
	if len(seen) != writers*each {
		t.Fatalf("the tail saw %d of %d entries", len(seen), writers*each)
	}
}
