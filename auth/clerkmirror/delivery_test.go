package clerkmirror_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
)

// failureOf is the failure recorded for svix-id id.
func failureOf(t *testing.T, db *sql.DB, id string) sql.NullString {
	t.Helper()
	var f sql.NullString
	if err := db.QueryRow(`SELECT failure FROM webhook_deliveries WHERE svix_id = $1`, id).Scan(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

// A delivery with a Failure is recorded with it and changes nothing else.
// Its svix-id coming back is processed again (the resend of a fixed
// delivery), while a processed svix-id is never turned into a failure.
func TestApplyRecordsFailures(t *testing.T) {
	db := openDB(t)
	store := clerkmirror.NewStore(db)
	ctx := context.Background()
	change := &clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: userID, Email: "ada@example.com", UpdatedAt: time.Now()}
	apply := func(d clerkmirror.Delivery, want clerkmirror.Outcome) {
		t.Helper()
		if got, err := store.Apply(ctx, d, nil); err != nil || got != want {
			t.Fatalf("Apply(%+v) = %v, %v; want %v", d, got, err, want)
		}
	}

	apply(clerkmirror.Delivery{ID: "msg_1", EventType: "user.updated", Failure: "first reason"}, clerkmirror.Unappliable)
	if f := failureOf(t, db, "msg_1"); f.String != "first reason" {
		t.Fatalf("failure %v", f)
	}
	if _, found, _ := store.User(ctx, userID); found {
		t.Fatal("a failed delivery stored the user")
	}
	apply(clerkmirror.Delivery{ID: "msg_1", EventType: "user.updated", Failure: "second reason"}, clerkmirror.Unappliable)
	if f := failureOf(t, db, "msg_1"); f.String != "second reason" {
		t.Fatalf("failure %v after the second attempt", f)
	}
	apply(clerkmirror.Delivery{ID: "msg_1", EventType: "user.updated", Change: change}, clerkmirror.Applied)
	if f := failureOf(t, db, "msg_1"); f.Valid {
		t.Fatalf("failure %v kept after the delivery was applied", f)
	}
	apply(clerkmirror.Delivery{ID: "msg_1", EventType: "user.updated", Change: change}, clerkmirror.Duplicate)
	apply(clerkmirror.Delivery{ID: "msg_1", EventType: "user.updated", Failure: "late reason"}, clerkmirror.Duplicate)
	if f := failureOf(t, db, "msg_1"); f.Valid {
		t.Fatalf("a processed delivery was turned into the failure %v", f)
	}
	if changes, err := store.ChangesAfter(ctx, 0, 10); err != nil || len(changes) != 1 {
		t.Fatalf("changes %+v, %v; want the one applied", changes, err)
	}
}

// Refusal tells the database refusing a delivery's data, which every retry
// would meet again, from everything else.
func TestRefusal(t *testing.T) {
	db := openDB(t)
	store := clerkmirror.NewStore(db)
	ctx := context.Background()
	_, err := store.Apply(ctx, clerkmirror.Delivery{ID: "msg_nul", EventType: "user.updated",
		Change: &clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: userID, Email: "a\x00@example.com", UpdatedAt: time.Now()}}, nil)
	reason, refused := clerkmirror.Refusal(err)
	if !refused || reason != "the database refused a value (SQLSTATE 22021)" {
		t.Fatalf("Refusal(%v) = %q, %v", err, reason, refused)
	}
	if strings.Contains(reason, "a\x00@") {
		t.Fatal("the reason holds the value")
	}

	// Not refusals: a lock timeout, a canceled request, a closed pool.
	holder, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(`LOCK TABLE webhook_deliveries`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, lockErr := conn.ExecContext(ctx, `SET lock_timeout = '50ms'; INSERT INTO webhook_deliveries (svix_id, event_type) VALUES ('msg_x', 'x')`)
	conn.Close()
	holder.Rollback() //nolint:errcheck // only releases the lock
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, canceledErr := store.Apply(canceled, clerkmirror.Delivery{ID: "msg_c", EventType: "x"}, nil)
	db.Close()
	_, closedErr := store.Apply(ctx, clerkmirror.Delivery{ID: "msg_d", EventType: "x"}, nil)
	for name, err := range map[string]error{"lock timeout": lockErr, "canceled": canceledErr, "closed": closedErr, "nil": nil} {
		if name != "nil" && err == nil {
			t.Fatalf("%s: no error", name)
		}
		if reason, refused := clerkmirror.Refusal(err); refused {
			t.Errorf("%s (%v) taken for a refusal: %q", name, err, reason)
		}
	}
	if !strings.Contains(lockErr.Error(), "55P03") {
		t.Errorf("lock timeout error %v", lockErr)
	}
}
