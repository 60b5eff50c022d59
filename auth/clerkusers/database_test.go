package clerkusers_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/pgtest"
	"encore.app/internal/testutil"
)

// A user Clerk answered for is written to the database, and a fresh row
// serves a new cache (another instance, or this one after a restart)
// without calling Clerk, until SyncMaxAge.
func TestDatabaseRowServesWithoutClerk(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	clock := clerktest.NewClock()
	cfg := testConfig(srv)
	cfg.Store, cfg.Now, cfg.CacheTTL, cfg.SyncMaxAge = store, clock.Now, time.Minute, time.Hour
	if _, err := newUserCache(t, cfg).PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	srv.WantCalls(t, clerktest.Users, 1)
	row, found, err := store.User(context.Background(), userID)
	if err != nil || !found || row.Email != "ada@example.com" || row.UpdatedAt.IsZero() {
		t.Fatalf("row = %+v, %v, %v", row, found, err)
	}

	// The row's freshness is the database's clock (synced_at), so the test
	// clock starts there.
	clock.Advance(row.SyncedAt.Sub(clock.Now()))
	restarted := newUserCache(t, cfg)
	clock.Advance(59 * time.Minute)
	if email, err := restarted.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@example.com" {
		t.Fatalf("from the database: %q, %v", email, err)
	}
	srv.WantCalls(t, clerktest.Users, 1)
	// Past SyncMaxAge the row is stale: Clerk is asked, and the row renewed.
	clock.Advance(2 * time.Minute)
	srv.AddUser(userID, "ada@new.example")
	if email, err := restarted.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@new.example" {
		t.Fatalf("past SyncMaxAge: %q, %v", email, err)
	}
	srv.WantCalls(t, clerktest.Users, 2)
	if row, _, _ := store.User(context.Background(), userID); row.Email != "ada@new.example" {
		t.Fatalf("row not renewed: %+v", row)
	}
}

// Without webhooks (SyncMaxAge unset) a row is fresh for CacheTTL only.
func TestDatabaseRowFreshForCacheTTLWithoutWebhooks(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	if err := store.SaveUser(context.Background(), userID, "ada@example.com", time.Now()); err != nil {
		t.Fatal(err)
	}
	row, _, _ := store.User(context.Background(), userID)
	clock := clerktest.NewClock()
	clock.Advance(row.SyncedAt.Sub(clock.Now()) + 2*time.Minute)
	cfg := testConfig(srv)
	cfg.Store, cfg.Now, cfg.CacheTTL = store, clock.Now, time.Minute
	if _, err := newUserCache(t, cfg).PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	srv.WantCalls(t, clerktest.Users, 1)
}

func TestDeletedRowIsRefusedWithoutClerk(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	_, err := store.Apply(context.Background(), clerkmirror.Delivery{ID: "msg_1", EventType: "user.deleted",
		Change: &clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: userID}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(srv)
	cfg.Store = store
	c := newUserCache(t, cfg)
	for i := 0; i < 3; i++ {
		_, err := c.PrimaryEmail(context.Background(), userID)
		testutil.MustFailWith(t, err, clerkusers.ErrUserNotFound)
	}
	srv.WantCalls(t, clerktest.Users, 0)
}

// An outage of the database never logs anyone out: lookups go on from
// memory and Clerk, and the failure is logged once per interval.
func TestDatabaseOutageFallsBackToClerk(t *testing.T) {
	srv := startWithUser(t)
	pg := pgtest.NewServer(t)
	store := clerkmirror.NewStore(pg.Open(t, migrations))
	log := &testutil.LogRecorder{}
	clock := clerktest.NewClock()
	cfg := testConfig(srv)
	cfg.Store, cfg.Log, cfg.Now = store, log, clock.Now
	c := newUserCache(t, cfg)
	pg.Stop(t)

	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("user_%d", i)
		srv.AddUser(id, id+"@example.com")
		if email, err := c.PrimaryEmail(context.Background(), id); err != nil || email != id+"@example.com" {
			t.Fatalf("%s during the outage: %q, %v", id, email, err)
		}
	}
	srv.WantCalls(t, clerktest.Users, 20)
	if n := log.Len(); n != 1 {
		t.Fatalf("%d log lines for 20 lookups in one minute, want 1", n)
	}
	// A minute later: the count of the lines left out (each lookup failed
	// twice, reading and saving), and one line again.
	clock.Advance(time.Minute)
	if _, err := c.PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	if got := log.Lines(); len(got) != 3 || !strings.Contains(got[1], "suppressed 39") {
		t.Fatalf("after a minute: %q, want a summary of 39 and one line", got)
	}

	// The database is back: Clerk's answers are written to it again.
	pg.Start(t)
	c.Forget(userID)
	if _, err := c.PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	if _, found, err := store.User(context.Background(), userID); !found || err != nil {
		t.Fatalf("after recovery the row is not written: %v, %v", found, err)
	}
}

// After a restart, users already in the database are authenticated with
// zero Clerk calls.
func TestRestartAuthenticatesKnownUsersWithoutClerk(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 tokens")
	}
	const n = 1000
	srv := clerktest.Start(t)
	store := newStore(t)
	tokens := make([]string, n)
	for i := range tokens {
		id := fmt.Sprintf("user_%d", i)
		srv.AddUser(id, id+"@example.com")
		tokens[i] = srv.Token(id)
	}
	authenticateAll := func(a *clerkauth.Authenticator) {
		t.Helper()
		for i, token := range tokens {
			data, err := a.Authenticate(context.Background(), clerkauth.Request{Authorization: "Bearer " + token})
			if err != nil || data.Email != fmt.Sprintf("user_%d@example.com", i) {
				t.Fatalf("token %d: %+v, %v", i, data, err)
			}
		}
	}
	newInstance := func() *clerkauth.Authenticator {
		cfg := testConfig(srv)
		cfg.Store, cfg.SyncMaxAge = store, time.Hour
		a, err := clerkauth.New(clerkauth.Config{
			SecretKey: srv.SecretKey, APIURL: srv.URL, Issuer: srv.Issuer,
			AuthorizedParties: []string{srv.AuthorizedParty},
			JWTKey:            srv.SigningKey().PublicKeyPEM(),
			Users:             newUserCache(t, cfg),
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	authenticateAll(newInstance())
	srv.WantCalls(t, clerktest.Users, n)

	srv.ResetCalls()
	authenticateAll(newInstance())
	srv.WantCalls(t, clerktest.Users, 0)
}

// A database that accepts connections and never answers holds no login up
// for long: each call gives up after a bound, and the lookup goes on to
// Clerk.
func TestHangingDatabaseFallsBackToClerk(t *testing.T) {
	srv := startWithUser(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() }) // accepted, never answered
		}
	}()
	db, err := sql.Open("pgx", "postgres://nobody@"+listener.Addr().String()+"/clerk?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := testConfig(srv)
	cfg.Store, cfg.Log = clerkmirror.NewStore(db), &testutil.LogRecorder{}
	// The caller would wait far longer than the database bound.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if email, err := newUserCache(t, cfg).PrimaryEmail(ctx, userID); err != nil || email != "ada@example.com" {
		t.Fatalf("with a hanging database: %q, %v", email, err)
	}
	srv.WantCalls(t, clerktest.Users, 1)
}
