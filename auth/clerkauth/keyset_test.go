package clerkauth_test

import (
	"context"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
)

func TestKeyRotation(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now })

	oldKey := srv.SigningKey()
	mustAccept(t, a, srv.Token(userID), userID)

	// A key Clerk has just published is accepted at once: its unknown kid
	// triggers a refresh (the last one is more than the interval ago).
	clock.Advance(2 * time.Second)
	srv.RotateKey()
	mustAccept(t, a, srv.Token(userID), userID)
	// Tokens signed by the old, still-published key keep working.
	mustAccept(t, a, oldKey.Sign(srv.Claims(userID)), userID)
	wantCalls(t, srv, clerktest.JWKS, 2)

	// Once the old key is retired and the set refreshed, its new tokens fail
	// (a distinct sid keeps the verified-token cache out of it).
	srv.RetireKey(oldKey.ID)
	clock.Advance(2 * time.Second)
	srv.RotateKey()
	mustAccept(t, a, srv.Token(userID), userID)
	claims := srv.Claims(userID)
	claims["sid"] = "sess_after_retirement"
	_, err := authenticate(a, oldKey.Sign(claims))
	mustFailWith(t, err, clerkauth.ErrInvalidToken)
}

func TestUnknownKidFloodIsRateLimited(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now })
	mustAccept(t, a, srv.Token(userID), userID)

	forger := clerktest.NewKey()
	flood := func(n int) {
		concurrently(n, func() {
			h := forger.Header()
			h["kid"] = clerktest.NewKeyID()
			_, err := authenticate(a, forger.SignWithHeader(h, srv.Claims(userID)))
			mustFailWith(t, err, clerkauth.ErrInvalidToken)
		})
	}
	// A flood right after a refresh waits the interval out, then shares one
	// fetch: one call per interval, whatever the flood's size.
	flood(200)
	wantCalls(t, srv, clerktest.JWKS, 2)
	flood(200)
	wantCalls(t, srv, clerktest.JWKS, 3)
}

// A key published just after a refresh is accepted once the interval has
// passed, instead of being refused as unknown.
func TestNewKeyRightAfterARefreshIsAccepted(t *testing.T) {
	srv := startWithUser(t)
	const interval = 1500 * time.Millisecond
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.KeyRefreshInterval = interval })
	start := time.Now()
	mustAccept(t, a, srv.Token(userID), userID) // the first refresh
	srv.RotateKey()
	mustAccept(t, a, srv.Token(userID), userID)
	if elapsed := time.Since(start); elapsed < interval {
		t.Fatalf("second refresh %v after the first, inside the %v interval", elapsed, interval)
	}
	wantCalls(t, srv, clerktest.JWKS, 2)
}

func TestConcurrentColdStartFetchesJWKSOnce(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(50 * time.Millisecond)
	a := newAuthenticator(t, srv, nil)
	token := srv.Token(userID)
	concurrently(50, func() {
		if _, err := authenticate(a, token); err != nil {
			t.Errorf("refused: %v", err)
		}
	})
	wantCalls(t, srv, clerktest.JWKS, 1)
	wantCalls(t, srv, clerktest.Users, 1)
}

func TestJWKSOutage(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now })
	srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 500})

	// Without keys nothing can be verified: 503, not 401.
	_, err := authenticate(a, srv.Token(userID))
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	if got := clerkauth.APIError(err).Code.HTTPStatus(); got != 503 {
		t.Fatalf("HTTP status %d, want 503", got)
	}
	// Within the interval the failure stands without another call.
	_, err = authenticate(a, srv.Token(userID))
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	wantCalls(t, srv, clerktest.JWKS, 1)
	// Clerk recovers: the next interval's refresh succeeds.
	srv.ClearFailures()
	clock.Advance(2 * time.Second)
	mustAccept(t, a, srv.Token(userID), userID)
}

func TestRemoteKeySetHonoursCallerContext(t *testing.T) {
	srv := clerktest.Start(t)
	srv.SetLatency(time.Second)
	keys, err := clerkauth.NewRemoteKeySet(testConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = keys.Key(ctx, srv.SigningKey().ID)
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	if time.Since(start) > 500*time.Millisecond {
		t.Fatalf("Key waited %v for a caller that gave up after 20ms", time.Since(start))
	}
}

// A JWKS answered with Clerk's "not found" (say, APIURL without /v1) is an
// outage of the keys, not a verdict on the user: 503, never 401.
func TestJWKSNotFoundIsUnavailable(t *testing.T) {
	srv := startWithUser(t)
	srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 404, Code: "resource_not_found"})
	_, err := authenticate(newAuthenticator(t, srv, nil), srv.Token(userID))
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
}

func TestSlowJWKSIsCutAtTheDeadline(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(2 * time.Second)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.ClerkTimeout = 100 * time.Millisecond })
	start := time.Now()
	_, err := authenticate(a, srv.Token(userID))
	mustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("took %v despite a 100ms Clerk deadline", elapsed)
	}
}

func TestCancelledCallerDoesNotFailTheJWKSFetch(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(100 * time.Millisecond)
	keys, err := clerkauth.NewRemoteKeySet(testConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := keys.Key(ctx, srv.SigningKey().ID)
		first <- err
	}()
	time.Sleep(20 * time.Millisecond) // the first caller's fetch is in flight
	cancel()
	mustFailWith(t, <-first, clerkauth.ErrClerkUnavailable)
	if _, err := keys.Key(context.Background(), srv.SigningKey().ID); err != nil {
		t.Fatalf("other caller failed: %v", err)
	}
	wantCalls(t, srv, clerktest.JWKS, 1)
}
