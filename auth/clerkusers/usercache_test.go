package clerkusers_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/testutil"
)

func TestPrimaryEmailIsThePrimaryAddress(t *testing.T) {
	srv := clerktest.Start(t)
	srv.SetUser(clerktest.User{ID: "user_two", Emails: []string{"old@example.com", "new@example.com"}, Primary: 1})
	srv.SetUser(clerktest.User{ID: "user_none", Emails: []string{"unverified@example.com"}, Primary: -1})
	srv.SetUser(clerktest.User{ID: "user_empty", Primary: -1})
	c := newUserCache(t, testConfig(srv))
	for id, want := range map[string]string{"user_two": "new@example.com", "user_none": "", "user_empty": ""} {
		got, err := c.PrimaryEmail(context.Background(), id)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", id, got, err, want)
		}
	}
}

func TestUserLookupsAreCached(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	cfg := testConfig(srv)
	cfg.Now, cfg.CacheTTL = clock.Now, time.Minute
	c := newUserCache(t, cfg)
	for i := 0; i < 10; i++ {
		if email, err := c.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@example.com" {
			t.Fatalf("lookup %d: %q, %v", i, email, err)
		}
	}
	srv.WantCalls(t, clerktest.Users, 1)
	// Past the TTL the user is fetched again, and a change shows.
	srv.AddUser(userID, "ada@new.example")
	clock.Advance(time.Minute + time.Second)
	if email, _ := c.PrimaryEmail(context.Background(), userID); email != "ada@new.example" {
		t.Fatalf("email after TTL = %q", email)
	}
	srv.WantCalls(t, clerktest.Users, 2)
}

func TestConcurrentLookupsForOneUserMakeOneCall(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(50 * time.Millisecond)
	c := newUserCache(t, testConfig(srv))
	testutil.Concurrently(50, func() {
		if email, err := c.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@example.com" {
			t.Errorf("got %q, %v", email, err)
		}
	})
	srv.WantCalls(t, clerktest.Users, 1)
}

func TestCancelledCallerDoesNotFailOthers(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(100 * time.Millisecond)
	c := newUserCache(t, testConfig(srv))

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := c.PrimaryEmail(ctx, userID)
		first <- err
	}()
	time.Sleep(20 * time.Millisecond) // the first caller's fetch is in flight
	second := make(chan error, 1)
	go func() {
		email, err := c.PrimaryEmail(context.Background(), userID)
		if err == nil && email != "ada@example.com" {
			err = fmt.Errorf("email %q", email)
		}
		second <- err
	}()
	cancel()
	err := <-first
	testutil.MustFailWith(t, err, clerkusers.ErrCanceled)
	testutil.MustFailWith(t, err, context.Canceled)
	if errors.Is(err, clerkusers.ErrClerkUnavailable) {
		t.Fatalf("a cancelled caller is reported as a Clerk outage: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("other caller failed: %v", err)
	}
	srv.WantCalls(t, clerktest.Users, 1)
}

func TestClerkFailuresAreUnavailable(t *testing.T) {
	for name, tt := range map[string]struct {
		setup  func(*clerktest.Server)
		status int // the HTTP status the wrapped *clerk.APIErrorResponse carries; 0 for none
	}{
		"500":        {func(s *clerktest.Server) { s.Fail(clerktest.Users, clerktest.Failure{Status: 500}) }, 500},
		"502":        {func(s *clerktest.Server) { s.Fail(clerktest.Users, clerktest.Failure{Status: 502}) }, 502},
		"429":        {func(s *clerktest.Server) { s.Fail(clerktest.Users, clerktest.Failure{Status: 429, RetryAfter: "1"}) }, 429},
		"timeout":    {func(s *clerktest.Server) { s.SetLatency(time.Second) }, 0},
		"bad secret": {func(s *clerktest.Server) { s.SecretKey = "sk_test_rotated" }, 401},
		"404, not resource_not_found": {func(s *clerktest.Server) {
			s.Fail(clerktest.Users, clerktest.Failure{Status: 404})
		}, 404},
		"500, resource_not_found": {func(s *clerktest.Server) {
			s.Fail(clerktest.Users, clerktest.Failure{Status: 500, Code: "resource_not_found"})
		}, 500},
	} {
		t.Run(name, func(t *testing.T) {
			srv := startWithUser(t)
			cfg := testConfig(srv)
			cfg.ClerkTimeout = 100 * time.Millisecond
			c := newUserCache(t, cfg)
			tt.setup(srv)
			start := time.Now()
			_, err := c.PrimaryEmail(context.Background(), userID)
			testutil.MustFailWith(t, err, clerkusers.ErrClerkUnavailable)
			var apiErr *clerk.APIErrorResponse
			if got := errors.As(err, &apiErr); got != (tt.status != 0) || (got && apiErr.HTTPStatusCode != tt.status) {
				t.Fatalf("error %v does not wrap Clerk's HTTP %d answer", err, tt.status)
			}
			if tt.status == 0 {
				testutil.MustFailWith(t, err, context.DeadlineExceeded)
			}
			if elapsed := time.Since(start); elapsed > 900*time.Millisecond {
				t.Fatalf("took %v despite a 100ms Clerk deadline", elapsed)
			}
		})
	}
}

func TestStaleEntryServedWhileClerkIsDown(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	cfg := testConfig(srv)
	cfg.Now, cfg.CacheTTL, cfg.MaxStale = clock.Now, time.Minute, 10*time.Minute
	c := newUserCache(t, cfg)
	if _, err := c.PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	srv.Fail(clerktest.Users, clerktest.Failure{Status: 503})

	clock.Advance(time.Minute + 10*time.Minute - time.Second) // just inside MaxStale
	if email, err := c.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@example.com" {
		t.Fatalf("inside MaxStale: %q, %v", email, err)
	}
	clock.Advance(2 * time.Second) // just past it
	_, err := c.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrClerkUnavailable)
	srv.WantCalls(t, clerktest.Users, 3)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	srv := startWithUser(t)
	srv.AddUser("user_cached", "cached@example.com")
	clock := clerktest.NewClock()
	cfg := testConfig(srv)
	cfg.Now, cfg.CacheTTL = clock.Now, time.Minute
	c := newUserCache(t, cfg)
	if _, err := c.PrimaryEmail(context.Background(), "user_cached"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // the cached entry is now stale

	srv.Fail(clerktest.Users, clerktest.Failure{Status: 429, RetryAfter: "10", Times: 1})
	_, err := c.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrClerkUnavailable)
	calls := srv.Calls(clerktest.Users)

	// Until Retry-After passes nothing reaches Clerk: 503 for the unknown
	// user, the stale entry for the cached one.
	clock.Advance(9 * time.Second)
	_, err = c.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrClerkUnavailable)
	if email, err := c.PrimaryEmail(context.Background(), "user_cached"); err != nil || email != "cached@example.com" {
		t.Fatalf("cached user during Retry-After: %q, %v", email, err)
	}
	if n := srv.Calls(clerktest.Users); n != calls {
		t.Fatalf("%d calls reached Clerk before Retry-After passed", n-calls)
	}

	clock.Advance(2 * time.Second)
	if email, err := c.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@example.com" {
		t.Fatalf("after Retry-After: %q, %v", email, err)
	}
}

// A Retry-After too large for a time.Duration means the 60 s cap.
func TestHugeRetryAfterIsCapped(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	cfg := testConfig(srv)
	cfg.Now = clock.Now
	c := newUserCache(t, cfg)
	srv.Fail(clerktest.Users, clerktest.Failure{Status: 429, RetryAfter: "9999999999", Times: 1})
	_, err := c.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrClerkUnavailable)

	clock.Advance(59 * time.Second)
	_, err = c.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrClerkUnavailable)
	srv.WantCalls(t, clerktest.Users, 1)
	clock.Advance(2 * time.Second)
	if _, err := c.PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatalf("after the 60 s cap: %v", err)
	}
}

func TestUserCacheIsBounded(t *testing.T) {
	srv := clerktest.Start(t)
	cfg := testConfig(srv)
	cfg.CacheSize = 16
	c := newUserCache(t, cfg)
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("user_%d", i)
		srv.AddUser(id, id+"@example.com")
		if _, err := c.PrimaryEmail(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Len(); n != 16 {
		t.Fatalf("cache holds %d users, want the bound 16", n)
	}
	// The most recent users are the ones kept.
	srv.ResetCalls()
	if _, err := c.PrimaryEmail(context.Background(), "user_99"); err != nil || srv.Calls(clerktest.Users) != 0 {
		t.Fatalf("recent user not served from memory: %v, %d calls", err, srv.Calls(clerktest.Users))
	}
	if _, err := c.PrimaryEmail(context.Background(), "user_0"); err != nil || srv.Calls(clerktest.Users) != 1 {
		t.Fatalf("evicted user not fetched again: %v, %d calls", err, srv.Calls(clerktest.Users))
	}
}

// Replaying a deleted user's still-valid token costs at most one Clerk call
// per TTL, not one per request; and a deleted user is never served stale.
func TestDeletedUserIsRemembered(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	cfg := testConfig(srv)
	cfg.Now, cfg.CacheTTL = clock.Now, time.Minute
	c := newUserCache(t, cfg)
	if _, err := c.PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	srv.DeleteUser(userID)
	clock.Advance(2 * time.Minute)
	for i := 0; i < 20; i++ {
		_, err := c.PrimaryEmail(context.Background(), userID)
		testutil.MustFailWith(t, err, clerkusers.ErrUserNotFound)
	}
	srv.WantCalls(t, clerktest.Users, 2)
	clock.Advance(time.Minute + time.Second)
	_, err := c.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrUserNotFound)
	srv.WantCalls(t, clerktest.Users, 3)
	// While Clerk is down, its last answer stands, as for a live user.
	srv.Fail(clerktest.Users, clerktest.Failure{Status: 503})
	clock.Advance(time.Minute + time.Second)
	_, err = c.PrimaryEmail(context.Background(), userID)
	testutil.MustFailWith(t, err, clerkusers.ErrUserNotFound)
}

// A change the tail applies while a lookup is in flight is not undone by
// the lookup caching what it read before the change.
func TestForgetDuringALookupIsNotUndone(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(100 * time.Millisecond)
	c := newUserCache(t, testConfig(srv))
	done := make(chan error, 1)
	go func() {
		_, err := c.PrimaryEmail(context.Background(), userID)
		done <- err
	}()
	time.Sleep(30 * time.Millisecond) // the lookup is waiting for Clerk
	c.Forget(userID)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := c.PrimaryEmail(context.Background(), userID); err != nil {
		t.Fatal(err)
	}
	srv.WantCalls(t, clerktest.Users, 2)
}
