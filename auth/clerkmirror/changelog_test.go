package clerkmirror_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/clerkevents"
	"encore.app/internal/testutil"
)

// A writer that stalls while holding the change-log lock (its process
// froze, its network went) holds the other deliveries up only briefly:
// they give up waiting for the lock and are answered 503, for Svix to
// retry, rather than hang; and the server ends the stalled session once it
// has idled, after which deliveries are applied again.
func TestStalledChangeLogWriterReleasesTheLock(t *testing.T) {
	db := openDB(t)
	store := clerkmirror.NewStore(db)
	ctx := context.Background()
	stalled, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := clerkmirror.LockChangeLog(ctx, stalled); err != nil {
		t.Fatal(err)
	}

	log := &testutil.LogRecorder{}
	webhooks := clerkwebhook.NewHandler(clerkwebhook.Config{Secret: clerktest.WebhookSecret, Store: store, Publisher: &testutil.Publisher[clerkevents.UserEvent]{}, OrgPublisher: &testutil.Publisher[clerkevents.OrgEvent]{}, Log: log})
	deliver := func() int {
		resp, err := clerktest.Webhook{}.Serve(webhooks, clerktest.SessionEventBody("session.revoked", "sess_1", userID))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	if status := deliver(); status != http.StatusServiceUnavailable {
		t.Fatalf("a delivery behind the stalled writer answered %d, want 503", status)
	}
	if n := log.Count("SQLSTATE 55P03"); n != 1 {
		t.Fatalf("the delivery did not fail on the lock timeout: %q", log.Lines())
	}

	for deadline := time.Now().Add(30 * time.Second); deliver() != http.StatusOK; {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still fail 30s after the writer stalled: %q", log.Lines())
		}
	}
	if err := stalled.Commit(); err == nil {
		t.Fatal("the stalled writer's session was not ended")
	}
	if sessions, _, err := store.RecentRevocations(ctx, clerkusers.RevocationRetention(5*time.Second)); err != nil || len(sessions) != 1 {
		t.Fatalf("after the stall: revoked sessions %v, %v", sessions, err)
	}
}
