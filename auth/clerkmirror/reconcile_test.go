package clerkmirror_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/clerkmirror"
)

func beginReconciliation(t *testing.T, store *clerkmirror.Store) *clerkmirror.Reconciliation {
	t.Helper()
	r, err := store.BeginReconciliation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func listedUser(id, email string, updatedAt time.Time) *clerk.User {
	emailID := "idn_" + id
	return &clerk.User{ID: id, PrimaryEmailAddressID: &emailID, UpdatedAt: updatedAt.UnixMilli(),
		EmailAddresses: []*clerk.EmailAddress{{ID: emailID, EmailAddress: email}}}
}

// One reconciliation at a time, across connections; Close lets the next
// in and leaves no lock behind on a pooled connection.
func TestOneReconciliationAtATime(t *testing.T) {
	db := openDB(t)
	store := clerkmirror.NewStore(db)
	r := beginReconciliation(t, store)
	if _, err := store.BeginReconciliation(context.Background()); !errors.Is(err, clerkmirror.ErrReconciling) {
		t.Fatalf("a second reconciliation: %v", err)
	}
	r.Close()
	var held int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("%d advisory locks held after Close (%v)", held, err)
	}
	beginReconciliation(t, store).Close()
}

// A pass marks deleted only a row it may: never one it saw at Clerk, one
// written since it started, or one already deleted. The check is made again
// under the row's lock, whatever the caller read before.
func TestDeleteOnlyWhatThePassMay(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	old := time.UnixMilli(1_700_000_000_000)
	for _, id := range []string{"user_seen", "user_written", "user_unseen"} {
		if err := store.SaveUser(ctx, id, id+"@example.com", old); err != nil {
			t.Fatal(err)
		}
	}
	r := beginReconciliation(t, store)
	defer r.Close()
	if _, err := r.SaveUsers(ctx, []*clerk.User{listedUser("user_seen", "seen@example.com", old)}); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveUser(ctx, "user_written", "new@example.com", old.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	unseen, err := r.UnseenUsers(ctx)
	if err != nil || strings.Join(unseen, ",") != "user_unseen" {
		t.Fatalf("unseen %v, %v", unseen, err)
	}
	for id, want := range map[string]bool{"user_seen": false, "user_written": false, "user_unseen": true, "user_never": false} {
		deleted, err := r.DeleteUser(ctx, id, nil)
		if err != nil || deleted != want {
			t.Errorf("DeleteUser(%s) = %v, %v; want %v", id, deleted, err, want)
		}
	}
	if deleted, err := r.DeleteUser(ctx, "user_unseen", nil); deleted || err != nil {
		t.Errorf("deleted twice: %v, %v", deleted, err)
	}
	for id, want := range map[string]bool{"user_seen": false, "user_written": false, "user_unseen": true} {
		if u, _, _ := store.User(ctx, id); u.Deleted != want {
			t.Errorf("%s deleted %v", id, u.Deleted)
		}
	}
}

// A failed publish rolls the deletion back, its change-log entry with it.
func TestDeletePublishesBeforeCommit(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	if err := store.SaveUser(ctx, userID, "ada@example.com", time.UnixMilli(1)); err != nil {
		t.Fatal(err)
	}
	end, _ := store.ChangeLogEnd(ctx)
	r := beginReconciliation(t, store)
	defer r.Close()
	failed := errors.New("topic down")
	if _, err := r.DeleteUser(ctx, userID, func(context.Context) error { return failed }); !errors.Is(err, failed) {
		t.Fatalf("error %v", err)
	}
	if u, _, _ := store.User(ctx, userID); u.Deleted {
		t.Error("deleted although the publish failed")
	}
	if after, _ := store.ChangeLogEnd(ctx); after != end {
		t.Error("the change log has an entry of a deletion rolled back")
	}
}

// A page with a user without an id, or one twice, is refused whole.
func TestSaveRefusesAnUnusablePage(t *testing.T) {
	store := newStore(t)
	r := beginReconciliation(t, store)
	defer r.Close()
	now := time.Now()
	for name, page := range map[string][]*clerk.User{
		"no id": {listedUser("user_a", "a@example.com", now), {}},
		"null":  {nil},
		"twice": {listedUser("user_a", "a@example.com", now), listedUser("user_a", "b@example.com", now)},
	} {
		if _, err := r.SaveUsers(context.Background(), page); err == nil {
			t.Errorf("%s: saved", name)
		}
	}
	if _, found, _ := store.User(context.Background(), "user_a"); found {
		t.Error("a refused page was partly saved")
	}
	if _, err := r.SaveOrgs(context.Background(), []*clerk.Organization{{ID: "org_a"}, {ID: "org_a"}}); err == nil {
		t.Error("an organization listed twice was saved")
	}
}
