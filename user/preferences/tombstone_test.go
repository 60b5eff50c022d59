package preferences_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"encore.dev/beta/errs"

	"encore.app/internal/clerkevents"
	"encore.app/internal/testutil"
	"encore.app/user/preferences"
)

// expectDeleted fails unless the user's row is a tombstone holding nothing,
// which Get, Update and an empty Update refuse with ErrUserDeleted.
func expectDeleted(t *testing.T, s *preferences.Store, db *sql.DB, userID string) {
	t.Helper()
	ctx := context.Background()
	var data int
	var deletedAt sql.NullTime
	err := db.QueryRow(`
		SELECT num_nonnulls(theme, locale, timezone, email_notifications), deleted_at
		FROM preferences WHERE user_id = $1`, userID).Scan(&data, &deletedAt)
	if err != nil || data != 0 || !deletedAt.Valid {
		t.Fatalf("%s: row with %d values, deleted_at %v (%v); want a tombstone", userID, data, deletedAt, err)
	}
	if p, err := s.Get(ctx, userID); !errors.Is(err, preferences.ErrUserDeleted) {
		t.Fatalf("%s: Get = %+v, %v; want ErrUserDeleted", userID, p, err)
	}
	for _, patch := range []preferences.Patch{{Theme: ptr("dark")}, {}} {
		if p, err := s.Update(ctx, userID, patch); !errors.Is(err, preferences.ErrUserDeleted) {
			t.Fatalf("%s: Update(%+v) = %+v, %v; want ErrUserDeleted", userID, patch, p, err)
		}
	}
}

func deleted(userID string) *clerkevents.UserEvent {
	return &clerkevents.UserEvent{Type: clerkevents.UserDeleted, UserID: userID, UpdatedAt: time.Now()}
}

// user.deleted leaves a tombstone: the preferences are gone, and every later
// read or write of the user is refused, whether or not they had stored any.
// Delivered twice (at least once delivery), it changes nothing more.
func TestDeletedUserIsRefused(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	update(t, s, "user_gone", preferences.Patch{Theme: ptr("dark"), Locale: ptr("fr"), Timezone: ptr("Europe/Paris"), EmailNotifications: ptr(false)})
	update(t, s, "user_stays", preferences.Patch{Theme: ptr("light")})
	for i := 0; i < 2; i++ {
		for _, user := range []string{"user_gone", "user_never"} {
			if err := preferences.HandleUserEvent(ctx, s, deleted(user)); err != nil {
				t.Fatalf("user.deleted #%d of %s: %v", i+1, user, err)
			}
			expectDeleted(t, s, db, user)
		}
	}
	if got := get(t, s, "user_stays"); got.Theme != "light" {
		t.Fatalf("another user's deletion changed user_stays: %+v", got)
	}
	update(t, s, "user_stays", preferences.Patch{Locale: ptr("de")})
}

// Clerk never reuses user IDs: no event after user.deleted revives the user.
func TestEventsNeverReviveADeletedUser(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	update(t, s, "user_gone", preferences.Patch{Theme: ptr("dark")})
	if err := preferences.HandleUserEvent(ctx, s, deleted("user_gone")); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	for _, ev := range []*clerkevents.UserEvent{
		{Type: clerkevents.UserCreated, UserID: "user_gone", Email: "a@example.com", UpdatedAt: later},
		{Type: clerkevents.UserUpdated, UserID: "user_gone", Email: "b@example.com", UpdatedAt: later},
	} {
		if err := preferences.HandleUserEvent(ctx, s, ev); err != nil {
			t.Fatalf("HandleUserEvent(%+v) = %v", ev, err)
		}
		expectDeleted(t, s, db, "user_gone")
	}
}

// Events other than user.deleted, and malformed messages, change nothing.
func TestHandleUserEventIgnoresOtherEvents(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	update(t, s, "user_1", preferences.Patch{Theme: ptr("dark")})
	for _, ev := range []*clerkevents.UserEvent{
		nil,
		{Type: clerkevents.UserCreated, UserID: "user_1", Email: "a@example.com", UpdatedAt: time.Now()},
		{Type: clerkevents.UserUpdated, UserID: "user_1", Email: "b@example.com", UpdatedAt: time.Now()},
		{Type: "session.ended", UserID: "user_1"},
		{Type: "", UserID: "user_1"},
		{Type: clerkevents.UserDeleted, UserID: ""},
	} {
		if err := preferences.HandleUserEvent(ctx, s, ev); err != nil {
			t.Fatalf("HandleUserEvent(%+v) = %v", ev, err)
		}
		if got := get(t, s, "user_1"); got.Theme != "dark" || got.UpdatedAt == nil {
			t.Fatalf("HandleUserEvent(%+v) changed user_1: %+v", ev, got)
		}
	}
}

func TestHandleUserEventReportsFailure(t *testing.T) {
	s, db := newStore(t)
	db.Close()
	if err := preferences.HandleUserEvent(context.Background(), s, deleted("user_1")); err == nil {
		t.Fatal("a failed deletion was acknowledged: the message would not be redelivered")
	}
}

// A deleted user's requests are a 404 saying so (Encore has no 410), not a
// 500, and are not the other errors' answers.
func TestAPIErrorOfADeletedUser(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.DeleteUser(ctx, "user_gone"); err != nil {
		t.Fatal(err)
	}
	_, getErr := s.Get(ctx, "user_gone")
	_, updateErr := s.Update(ctx, "user_gone", preferences.Patch{Theme: ptr("dark")})
	for name, err := range map[string]error{"Get": getErr, "Update": updateErr} {
		e := preferences.APIError("op", err, "user_gone")
		if e.Code != errs.NotFound || e.Code.HTTPStatus() != 404 || e.Message != preferences.MsgUserDeleted {
			t.Errorf("%s (%v): %v %d %q, want not_found 404 %q", name, err, e.Code, e.Code.HTTPStatus(), e.Message, preferences.MsgUserDeleted)
		}
	}
	// Validation still comes first, and answers 400.
	_, err := s.Update(ctx, "user_gone", preferences.Patch{Theme: ptr("neon")})
	if e := preferences.APIError("op", err, "user_gone"); e.Code != errs.InvalidArgument {
		t.Errorf("invalid patch of a deleted user: %v %q", e.Code, e.Message)
	}
}

// PATCHes racing the deletion of their user, on rows that exist and on rows
// that do not yet: whatever the timing, each PATCH either succeeds (before
// the deletion, which then removes what it wrote) or is refused, and the
// user ends as a tombstone holding nothing.
func TestPatchesRacingTheDeletion(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	const users, patchers = 20, 4
	for i := 0; i < users; i += 2 {
		update(t, s, fmt.Sprintf("user_%d", i), preferences.Patch{Theme: ptr("light")})
	}
	ids := make([]string, users)
	for i := range ids {
		ids[i] = fmt.Sprintf("user_%d", i)
	}
	testutil.RaceWritesAgainstDeletion(t, ids, patchers,
		func(user string) error { return preferences.HandleUserEvent(ctx, s, deleted(user)) },
		func(user string) error {
			_, err := s.Update(ctx, user, preferences.Patch{Theme: ptr("dark"), Timezone: ptr("Asia/Tokyo")})
			return err
		}, preferences.ErrUserDeleted)
	for i := 0; i < users; i++ {
		expectDeleted(t, s, db, fmt.Sprintf("user_%d", i))
	}
}

// The database refuses a tombstone holding data, should a writer bypass the
// Store.
func TestTombstoneHoldsNothing(t *testing.T) {
	s, db := newStore(t)
	if err := s.DeleteUser(context.Background(), "user_gone"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE preferences SET theme = 'dark' WHERE user_id = 'user_gone'`,
		`INSERT INTO preferences (user_id, locale, deleted_at) VALUES ('user_2', 'en', now())`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
}
