package clerkwebhook_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerktest"
	"encore.app/internal/clerkevents"
)

// userUpdated is a signed user.updated body for ada with email, at ms.
func userUpdated(email string, ms int64) []byte {
	return clerktest.EventBody(clerkevents.UserUpdated, map[string]any{
		"id": ada.ID, "object": "user", "updated_at": ms, "primary_email_address_id": "idn_1",
		"email_addresses": []map[string]any{{"id": "idn_1", "email_address": email}},
	}, time.UnixMilli(ms))
}

// failure is the failure recorded for svix-id id; found is false when the
// delivery was not recorded.
func (e *env) failure(t *testing.T, id string) (failure sql.NullString, found bool) {
	t.Helper()
	err := e.db.QueryRow(`SELECT failure FROM webhook_deliveries WHERE svix_id = $1`, id).Scan(&failure)
	if err == sql.ErrNoRows {
		return failure, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return failure, true
}

// A signed event we can read but never apply is answered 200, so that Svix
// stops retrying it, recorded with its reason, and logged once at Error;
// nothing else is stored or published.
func TestUnappliableDeliveriesAreRecorded(t *testing.T) {
	now := time.Now().UnixMilli()
	day := (24 * time.Hour).Milliseconds()
	cases := map[string]struct {
		body   []byte
		reason string
	}{
		"NUL byte in the email":               {userUpdated("ada\x00@example.com", now), "the database refused a value (SQLSTATE 22021)"},
		"updated_at more than a day ahead":    {userUpdated("ada@example.com", now+day+time.Minute.Milliseconds()), "updated_at is before 1970 or more than a day ahead of our clock"},
		"updated_at past year 9999":           {userUpdated("ada@example.com", 253402300800000), "updated_at is before 1970 or more than a day ahead of our clock"},
		"updated_at beyond any time":          {userUpdated("ada@example.com", 9223372036854775807), "updated_at is before 1970 or more than a day ahead of our clock"},
		"updated_at before 1970":              {userUpdated("ada@example.com", -1), "updated_at is before 1970 or more than a day ahead of our clock"},
		"updated_at at the epoch":             {userUpdated("ada@example.com", 0), "updated_at is before 1970 or more than a day ahead of our clock"},
		"email longer than an address can be": {userUpdated(strings.Repeat("a", 310)+"@example.com", now), "the primary email address is longer than 320 bytes"},
	}
	e := newEnv(t) // shared: every case must leave it empty
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e.isolate(t)
			t.Cleanup(func() {
				e.log.mu.Lock()
				e.log.lines = nil
				e.log.mu.Unlock()
			})
			a := send(t, e.h, clerktest.Webhook{ID: "msg_never"}, c.body)
			a.expect(t, 200, "unappliable")
			if !strings.HasSuffix(a.Message, ": "+c.reason) {
				t.Errorf("message %q does not give the reason %q", a.Message, c.reason)
			}
			if failure, found := e.failure(t, "msg_never"); !found || failure.String != c.reason {
				t.Errorf("recorded failure %v (found %v), want %q", failure, found, c.reason)
			}
			for _, table := range []string{"users", "changes"} {
				if n := e.count(t, table); n != 0 {
					t.Errorf("%s has %d rows", table, n)
				}
			}
			expectPublished(t, e)
			logs := e.log.text()
			if n := strings.Count(logs, "ERROR"); n != 1 || !strings.Contains(logs, c.reason) || !strings.Contains(logs, `"svix_id" "msg_never"`) {
				t.Errorf("want one error line with the reason and svix-id:\n%s", logs)
			}
			if strings.Contains(logs, "INFO") {
				t.Errorf("logged more than once:\n%s", logs)
			}
		})
	}
}

// A delivery that could not be applied blocks nothing: a later delivery for
// the same user, even one older than it, is applied. Resent (Clerk's
// dashboard keeps the svix-id), it is processed again, not taken as a
// duplicate: once the cause is fixed, the resend applies it.
func TestUnappliableDeliveryBlocksNothing(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	send(t, e.h, clerktest.Webhook{ID: "msg_nul"}, userUpdated("ada\x00@example.com", now.UnixMilli())).expect(t, 200, "unappliable")
	send(t, e.h, clerktest.Webhook{ID: "msg_future"}, userUpdated("ada@future.example", now.Add(48*time.Hour).UnixMilli())).expect(t, 200, "unappliable")

	older := now.Add(-time.Hour).Truncate(time.Millisecond)
	send(t, e.h, clerktest.Webhook{ID: "msg_ok"}, userUpdated("ada@example.com", older.UnixMilli())).expect(t, 200, "applied")
	if u, found := e.user(t, ada.ID); !found || u.Email != "ada@example.com" || !u.UpdatedAt.Equal(older) {
		t.Fatalf("after the later delivery: %+v, %v", u, found)
	}
	expectPublished(t, e, clerkevents.UserEvent{Type: clerkevents.UserUpdated, UserID: ada.ID, Email: "ada@example.com", UpdatedAt: older})
	if failure, _ := e.failure(t, "msg_ok"); failure.Valid {
		t.Errorf("an applied delivery has the failure %q", failure.String)
	}

	// The same body resent fails again, and is recorded again.
	send(t, e.h, clerktest.Webhook{ID: "msg_nul"}, userUpdated("ada\x00@example.com", now.UnixMilli())).expect(t, 200, "unappliable")
	// Once it can be applied (here: Clerk's data fixed), the resend applies it.
	send(t, e.h, clerktest.Webhook{ID: "msg_nul"}, userUpdated("ada@fixed.example", now.UnixMilli())).expect(t, 200, "applied")
	if u, _ := e.user(t, ada.ID); u.Email != "ada@fixed.example" {
		t.Fatalf("after the resend: %+v", u)
	}
	if failure, found := e.failure(t, "msg_nul"); !found || failure.Valid {
		t.Errorf("the applied resend still has the failure %v", failure)
	}
	send(t, e.h, clerktest.Webhook{ID: "msg_nul"}, userUpdated("ada@fixed.example", now.UnixMilli())).expect(t, 200, "duplicate")
	if n := len(e.pub.published()); n != 2 {
		t.Errorf("published %d times, want 2", n)
	}
}

// A transient failure is not taken for one that can never be applied: a
// lock timeout (a long transaction holding the user's row) is answered 503
// and recorded nowhere, so Svix retries, and the retry is applied.
func TestLockTimeoutIsRetried(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	send(t, e.h, clerktest.Webhook{}, userUpdated("ada@example.com", time.Now().Add(-time.Hour).UnixMilli())).expect(t, 200, "applied")

	var name string
	if err := e.db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(`ALTER DATABASE ` + name + ` SET lock_timeout = '100ms'`); err != nil {
		t.Fatal(err)
	}
	e.db.SetMaxIdleConns(0) // connections opened from now on have the timeout
	e.db.SetMaxIdleConns(2)

	holder, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := holder.Exec(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, ada.ID); err != nil {
		t.Fatal(err)
	}
	body := userUpdated("ada@new.example", time.Now().UnixMilli())
	send(t, e.h, clerktest.Webhook{ID: "msg_locked"}, body).expect(t, 503, "unavailable")
	if _, found := e.failure(t, "msg_locked"); found {
		t.Fatal("a delivery that timed out on a lock was recorded")
	}
	if logs := e.log.text(); !strings.Contains(logs, "store unavailable") || !strings.Contains(logs, "55P03") {
		t.Errorf("the lock timeout is not logged as the store being unavailable:\n%s", logs)
	}
	if err := holder.Commit(); err != nil {
		t.Fatal(err)
	}
	send(t, e.h, clerktest.Webhook{ID: "msg_locked"}, body).expect(t, 200, "applied")
	if u, _ := e.user(t, ada.ID); u.Email != "ada@new.example" {
		t.Fatalf("after the retry: %+v", u)
	}
	if n := len(e.pub.published()); n != 2 {
		t.Errorf("published %d times, want 2", n)
	}
}
