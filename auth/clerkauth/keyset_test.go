package clerkauth_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/internal/testutil"
)

// claimsAt is a valid payload for the user, issued at now: for tests whose
// clock has moved away from the real time.
func claimsAt(srv *clerktest.Server, userID, sid string, now time.Time) map[string]any {
	claims := srv.Claims(userID)
	claims["iat"], claims["nbf"], claims["exp"] = now.Unix(), now.Unix()-10, now.Unix()+60
	claims["sid"] = sid
	return claims
}

// authenticateCtx runs the header path for a token with the caller's ctx.
func authenticateCtx(ctx context.Context, a *clerkauth.Authenticator, token string) (*clerkauth.AuthData, error) {
	return a.Authenticate(ctx, clerkauth.Request{Authorization: "Bearer " + token})
}

func TestKeyRotation(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
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
	srv.WantCalls(t, clerktest.JWKS, 2)

	// Once the old key is retired and the set refreshed, its new tokens fail
	// (a distinct sid keeps the verified-token cache out of it).
	srv.RetireKey(oldKey.ID)
	clock.Advance(2 * time.Second)
	srv.RotateKey()
	mustAccept(t, a, srv.Token(userID), userID)
	claims := srv.Claims(userID)
	claims["sid"] = "sess_after_retirement"
	_, err := authenticate(a, oldKey.Sign(claims))
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// A key Clerk retires stops verifying once the fetched set is older than
// KeySetMaxAge, even if no unknown kid ever triggers a refresh: the next
// request refreshes the set, one fetch shared by all.
func TestRetiredKeyStopsVerifyingWithinMaxAge(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.Now = clock.Now
		c.KeySetMaxAge = time.Hour
		c.Leeway = time.Second
	})
	oldKey := srv.SigningKey()
	mustAccept(t, a, oldKey.Sign(claimsAt(srv, userID, "sess_1", clock.Now())), userID)

	newKey := srv.RotateKey()
	srv.RetireKey(oldKey.ID)
	// Within the maximum age the held set is used as it is.
	clock.Advance(59 * time.Minute)
	mustAccept(t, a, oldKey.Sign(claimsAt(srv, userID, "sess_2", clock.Now())), userID)
	srv.WantCalls(t, clerktest.JWKS, 1)

	// Past it, the next requests share one refresh of the set...
	clock.Advance(2 * time.Minute)
	testutil.Concurrently(20, func() {
		if _, err := authenticate(a, newKey.Sign(claimsAt(srv, userID, "sess_3", clock.Now()))); err != nil {
			t.Errorf("new key after the maximum age: %v", err)
		}
	})
	srv.WantCalls(t, clerktest.JWKS, 2)
	// ...after which the retired key is refused (its kid is now unknown, so
	// it may cost the one refresh per interval any unknown kid may).
	var accepted atomic.Int32
	testutil.Concurrently(20, func() {
		if _, err := authenticate(a, oldKey.Sign(claimsAt(srv, userID, "sess_4", clock.Now()))); err == nil {
			accepted.Add(1)
		} else if !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Errorf("retired key: %v, want ErrInvalidToken", err)
		}
	})
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the retired key verified %d tokens after the maximum age", n)
	}
	if n := srv.Calls(clerktest.JWKS); n > 3 {
		t.Fatalf("jwks calls = %d, want at most 3", n)
	}
}

// When the refresh at the maximum age fails, the held keys stay in use, and
// requests neither wait for Clerk nor retry it on every request: one
// attempt per KeyRefreshInterval, in the background.
func TestStaleKeysSurviveAnOutage(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.Now = clock.Now
		c.KeySetMaxAge = time.Hour
		c.KeyRefreshInterval = time.Second
		c.Leeway = time.Second
	})
	key := srv.SigningKey()
	n := 0
	token := func() string {
		n++
		return key.Sign(claimsAt(srv, userID, fmt.Sprintf("sess_%d", n), clock.Now()))
	}
	mustAccept(t, a, token(), userID)

	srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 500})
	clock.Advance(61 * time.Minute)
	mustAccept(t, a, token(), userID) // waits for the failed refresh, keeps the keys
	srv.WantCalls(t, clerktest.JWKS, 2)

	// Clerk is slow as well as down now: requests must not wait for it.
	srv.SetLatency(time.Second)
	start := time.Now()
	for i := 0; i < 5; i++ {
		mustAccept(t, a, token(), userID)
	}
	srv.WantCalls(t, clerktest.JWKS, 2) // within the interval: no attempt
	clock.Advance(2 * time.Second)
	for i := 0; i < 5; i++ {
		mustAccept(t, a, token(), userID)
	}
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Fatalf("requests with held keys took %v while Clerk was down and slow", elapsed)
	}
	waitForCalls(t, srv, clerktest.JWKS, 3) // one background attempt

	// Clerk recovers: the next background attempt replaces the set, which
	// then holds a key published meanwhile (no refresh for its kid).
	srv.ClearFailures()
	srv.SetLatency(0)
	time.Sleep(1100 * time.Millisecond) // the slow attempt above ends
	newKey := srv.RotateKey()
	clock.Advance(2 * time.Second)
	mustAccept(t, a, token(), userID)
	waitForCalls(t, srv, clerktest.JWKS, 4)
	mustAccept(t, a, newKey.Sign(claimsAt(srv, userID, "sess_new", clock.Now())), userID)
	srv.WantCalls(t, clerktest.JWKS, 4)
}

// waitForCalls waits until an endpoint has been called want times, for
// calls made in the background.
func waitForCalls(t testing.TB, srv *clerktest.Server, e clerktest.Endpoint, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Calls(e) < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	srv.WantCalls(t, e, want)
}

func TestUnknownKidFloodIsRateLimited(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now; c.MaxKeyWaiters = 1000 })
	mustAccept(t, a, srv.Token(userID), userID)

	forger := clerktest.NewKey()
	flood := func(n int) {
		testutil.Concurrently(n, func() {
			h := forger.Header()
			h["kid"] = clerktest.NewKeyID()
			_, err := authenticate(a, forger.SignWithHeader(h, srv.Claims(userID)))
			testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		})
	}
	// A flood right after a refresh waits the interval out, then shares one
	// fetch: one call per interval, whatever the flood's size.
	flood(200)
	srv.WantCalls(t, clerktest.JWKS, 2)
	flood(200)
	srv.WantCalls(t, clerktest.JWKS, 3)
}

// At most MaxKeyWaiters requests wait on a JWKS refresh for an unknown kid;
// the others are refused at once, not queued behind a slow Clerk.
func TestKeyWaitersAreBounded(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	const waiters, excess = 5, 20
	const latency = 2 * time.Second
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.Now = clock.Now
		c.MaxKeyWaiters = waiters
		c.ClerkTimeout = 10 * time.Second
	})
	mustAccept(t, a, srv.Token(userID), userID)
	clock.Advance(2 * time.Second) // the refresh interval has passed
	srv.SetLatency(latency)

	forger := clerktest.NewKey()
	tokens := make(chan string, waiters+excess)
	for i := 0; i < waiters+excess; i++ {
		h := forger.Header()
		h["kid"] = clerktest.NewKeyID()
		tokens <- forger.SignWithHeader(h, srv.Claims(userID))
	}
	close(tokens)
	var fast, slow atomic.Int32
	start := time.Now()
	testutil.Concurrently(waiters+excess, func() {
		_, err := authenticate(a, <-tokens)
		mustFailWithT(t, err, clerkauth.ErrInvalidToken)
		if time.Since(start) < latency/2 {
			fast.Add(1)
		} else {
			slow.Add(1)
		}
	})
	if fast.Load() != excess || slow.Load() != waiters {
		t.Fatalf("%d requests refused at once and %d waited for the JWKS; want %d and %d", fast.Load(), slow.Load(), excess, waiters)
	}
	srv.WantCalls(t, clerktest.JWKS, 2)
}

// mustFailWithT is mustFailWith for other goroutines: Errorf, not Fatalf.
func mustFailWithT(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("error = %v, want one wrapping %v", err, want)
	}
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
	srv.WantCalls(t, clerktest.JWKS, 2)
}

// Before the first fetch every kid is unknown: a busy start-up shares one
// fetch, and MaxKeyWaiters does not refuse it.
func TestConcurrentColdStartFetchesJWKSOnce(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(50 * time.Millisecond)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.MaxKeyWaiters = 10 })
	token := srv.Token(userID)
	testutil.Concurrently(50, func() {
		if _, err := authenticate(a, token); err != nil {
			t.Errorf("refused: %v", err)
		}
	})
	srv.WantCalls(t, clerktest.JWKS, 1)
	srv.WantCalls(t, clerktest.Users, 1)
}

func TestJWKSOutage(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now })
	srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 500})

	// Without keys nothing can be verified: unavailable, not invalid.
	_, err := authenticate(a, srv.Token(userID))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	// Within the interval the failure stands without another call.
	_, err = authenticate(a, srv.Token(userID))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	srv.WantCalls(t, clerktest.JWKS, 1)
	// Clerk recovers: the next interval's refresh succeeds.
	srv.ClearFailures()
	clock.Advance(2 * time.Second)
	mustAccept(t, a, srv.Token(userID), userID)
}

// A caller whose context ends while the JWKS is fetched gets ErrCanceled,
// wrapping its context's error: neither an outage nor a verdict.
func TestCallerGivingUpIsCanceled(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(time.Second)
	a := newAuthenticator(t, srv, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := authenticateCtx(ctx, a, srv.Token(userID))
	if !errors.Is(err, clerkauth.ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, clerkauth.ErrClerkUnavailable) || errors.Is(err, clerkauth.ErrInvalidToken) {
		t.Fatalf("error = %v, want ErrCanceled wrapping context.DeadlineExceeded, and nothing else", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatalf("waited %v for a caller that gave up after 20ms", time.Since(start))
	}
}

// A JWKS answered with Clerk's "not found" (say, APIURL without /v1) is an
// outage of the keys, not a verdict on the user: 503, never 401.
func TestJWKSNotFoundIsUnavailable(t *testing.T) {
	srv := startWithUser(t)
	srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 404, Code: "resource_not_found"})
	_, err := authenticate(newAuthenticator(t, srv, nil), srv.Token(userID))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
}

func TestSlowJWKSIsCutAtTheDeadline(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(2 * time.Second)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.ClerkTimeout = 100 * time.Millisecond })
	start := time.Now()
	_, err := authenticate(a, srv.Token(userID))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	if errors.Is(err, clerkauth.ErrCanceled) {
		t.Fatalf("Clerk's deadline reported as the caller giving up: %v", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("took %v despite a 100ms Clerk deadline", elapsed)
	}
}

// A caller that gives up does not fail the fetch it started for the others.
func TestCancelledCallerDoesNotFailTheJWKSFetch(t *testing.T) {
	srv := startWithUser(t)
	srv.SetLatency(100 * time.Millisecond)
	a := newAuthenticator(t, srv, nil)
	token := srv.Token(userID)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := authenticateCtx(ctx, a, token)
		first <- err
	}()
	time.Sleep(20 * time.Millisecond) // the first caller's fetch is in flight
	cancel()
	err := <-first
	if !errors.Is(err, clerkauth.ErrCanceled) || !errors.Is(err, context.Canceled) || errors.Is(err, clerkauth.ErrClerkUnavailable) {
		t.Fatalf("cancelled caller: %v, want ErrCanceled wrapping context.Canceled", err)
	}
	mustAccept(t, a, token, userID)
	srv.WantCalls(t, clerktest.JWKS, 1)
}
