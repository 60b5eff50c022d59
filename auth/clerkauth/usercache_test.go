package clerkauth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
)

func newUserCache(t *testing.T, srv *clerktest.Server, edit func(*clerkauth.Config)) *clerkauth.UserCache {
	t.Helper()
	cfg := testConfig(srv)
	if edit != nil {
		edit(&cfg)
	}
	c, err := clerkauth.NewUserCache(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPrimaryEmailIsThePrimaryAddress(t *testing.T) {
	srv := clerktest.Start(t)
	srv.SetUser(clerktest.User{ID: "user_two", Emails: []string{"old@example.com", "new@example.com"}, Primary: 1})
	srv.SetUser(clerktest.User{ID: "user_none", Emails: []string{"unverified@example.com"}, Primary: -1})
	srv.SetUser(clerktest.User{ID: "user_empty", Primary: -1})
	c := newUserCache(t, srv, nil)
	for id, want := range map[string]string{"user_two": "new@example.com", "user_none": "", "user_empty": ""} {
		got, err := c.PrimaryEmail(context.Background(), id)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", id, got, err, want)
		}
	}
}

func TestUserLookupsAreCached(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.Now = clock.Now
		c.UserCacheTTL = time.Minute
	})
	for i := 0; i < 10; i++ {
		claims := srv.Claims(userID)
		claims["sid"] = fmt.Sprintf("sess_%d", i) // a new token each time
		mustAccept(t, a, srv.Sign(claims), userID)
	}
	wantCalls(t, srv, clerktest.JWKS, 1)
	wantCalls(t, srv, clerktest.Users, 1)
	// Past the TTL the user is fetched again, and a change shows.
	srv.AddUser(userID, "ada@new.example")
	clock.Advance(time.Minute + time.Second)
	if data := mustAccept(t, a, srv.Token(userID), userID); data.Email != "ada@new.example" {
		t.Fatalf("email after TTL = %q", data.Email)
	}
	wantCalls(t, srv, clerktest.Users, 2)
}

func TestConcurrentLookupsForOneUserMakeOneCall(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(50 * time.Millisecond)
	c := newUserCache(t, srv, nil)
	concurrently(50, func() {
		if email, err := c.PrimaryEmail(context.Background(), userID); err != nil || email != "ada@example.com" {
			t.Errorf("got %q, %v", email, err)
		}
	})
	wantCalls(t, srv, clerktest.Users, 1)
}

func TestCancelledCallerDoesNotFailOthers(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(100 * time.Millisecond)
	c := newUserCache(t, srv, nil)

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
	if err := <-first; !errors.Is(err, context.Canceled) && !errors.Is(err, clerkauth.ErrClerkUnavailable) {
		t.Fatalf("cancelled caller: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("other caller failed: %v", err)
	}
	wantCalls(t, srv, clerktest.Users, 1)
}

func TestDeletedUserIsUnauthenticated(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now })

	_, err := authenticate(a, srv.Token("user_never_existed"))
	mustFailWith(t, err, clerkauth.ErrUserNotFound)
	if got := clerkauth.APIError(err).Code.HTTPStatus(); got != 401 {
		t.Fatalf("HTTP status %d, want 401", got)
	}

	// A cached user deleted in Clerk is refused once the entry expires,
	// stale-on-error notwithstanding: 404 is an answer, not an outage.
	mustAccept(t, a, srv.Token(userID), userID)
	srv.DeleteUser(userID)
	clock.Advance(6 * time.Minute)
	claims := srv.Claims(userID)
	claims["exp"] = clock.Now().Unix() + 60
	claims["iat"] = clock.Now().Unix()
	_, err = authenticate(a, srv.Sign(claims))
	mustFailWith(t, err, clerkauth.ErrUserNotFound)
}

func TestClerkFailuresAreUnavailable(t *testing.T) {
	for name, setup := range map[string]func(*clerktest.Server){
		"500":                         func(s *clerktest.Server) { s.Fail(clerktest.Users, clerktest.Failure{Status: 500}) },
		"502":                         func(s *clerktest.Server) { s.Fail(clerktest.Users, clerktest.Failure{Status: 502}) },
		"429":                         func(s *clerktest.Server) { s.Fail(clerktest.Users, clerktest.Failure{Status: 429, RetryAfter: "1"}) },
		"timeout":                     func(s *clerktest.Server) { s.SetLatency(time.Second) },
		"bad secret":                  func(s *clerktest.Server) { s.SecretKey = "sk_test_rotated" },
		"404, not resource_not_found": func(s *clerktest.Server) { s.Fail(clerktest.Users, clerktest.Failure{Status: 404}) },
		"500, resource_not_found": func(s *clerktest.Server) {
			s.Fail(clerktest.Users, clerktest.Failure{Status: 500, Code: "resource_not_found"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := startWithUser(t)
			a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
				c.JWTKey = srv.SigningKey().PublicKeyPEM()
				c.ClerkTimeout = 100 * time.Millisecond
			})
			setup(srv)
			start := time.Now()
			_, err := authenticate(a, srv.Token(userID))
			mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
			if e := clerkauth.APIError(err); e.Code.HTTPStatus() != 503 {
				t.Fatalf("HTTP status %d, want 503", e.Code.HTTPStatus())
			}
			if elapsed := time.Since(start); elapsed > 900*time.Millisecond {
				t.Fatalf("took %v despite a 100ms Clerk deadline", elapsed)
			}
		})
	}
}

func TestStaleEntryServedWhileClerkIsDown(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	c := newUserCache(t, srv, func(c *clerkauth.Config) {
		c.Now = clock.Now
		c.UserCacheTTL = time.Minute
		c.MaxStale = 10 * time.Minute
	})
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
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	wantCalls(t, srv, clerktest.Users, 3)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	srv := startWithUser(t)
	srv.AddUser("user_cached", "cached@example.com")
	clock := newFakeClock()
	c := newUserCache(t, srv, func(c *clerkauth.Config) {
		c.Now = clock.Now
		c.UserCacheTTL = time.Minute
	})
	if _, err := c.PrimaryEmail(context.Background(), "user_cached"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // the cached entry is now stale

	srv.Fail(clerktest.Users, clerktest.Failure{Status: 429, RetryAfter: "10", Times: 1})
	_, err := c.PrimaryEmail(context.Background(), userID)
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	calls := srv.Calls(clerktest.Users)

	// Until Retry-After passes nothing reaches Clerk: 503 for the unknown
	// user, the stale entry for the cached one.
	clock.Advance(9 * time.Second)
	_, err = c.PrimaryEmail(context.Background(), userID)
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
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

func TestUserCacheIsBounded(t *testing.T) {
	srv := clerktest.Start(t)
	c := newUserCache(t, srv, func(c *clerkauth.Config) { c.UserCacheSize = 16 })
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

func TestDeletedUserIsForgotten(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	c := newUserCache(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now })
	if _, err := c.PrimaryEmail(context.Background(), userID); err != nil || c.Len() != 1 {
		t.Fatalf("first lookup: %v, %d cached", err, c.Len())
	}
	srv.DeleteUser(userID)
	clock.Advance(time.Hour)
	_, err := c.PrimaryEmail(context.Background(), userID)
	mustFailWith(t, err, clerkauth.ErrUserNotFound)
	if c.Len() != 0 {
		t.Fatal("a deleted user stays in memory")
	}
}
