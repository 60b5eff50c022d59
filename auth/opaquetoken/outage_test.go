package opaquetoken_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/testutil"
)

// Only Clerk's verdicts refuse a token; a failure to answer never does,
// and is not remembered.
func TestClerkAnswers(t *testing.T) {
	for status, refused := range map[int]bool{
		400: true, 403: true, 404: true, 422: true,
		401: false, 408: false, 429: false, 500: false, 502: false, 503: false,
	} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := start(t, nil)
			key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
			f.srv.Fail(clerktest.APIKeys, clerktest.Failure{Status: status, Times: 1})
			_, err := f.verify(key.Secret)
			if refused {
				if !errors.Is(err, clerkauth.ErrInvalidToken) || errors.Is(err, clerkauth.ErrClerkUnavailable) {
					t.Fatalf("HTTP %d: %v, want a refusal", status, err)
				}
				return
			}
			if !errors.Is(err, clerkauth.ErrClerkUnavailable) || errors.Is(err, clerkauth.ErrInvalidToken) {
				t.Fatalf("HTTP %d: %v, want unavailable", status, err)
			}
			f.clock.Advance(time.Minute) // past a 429's default pause
			f.mustAccept(t, key.Secret, key.ID)
		})
	}
}

// While Clerk is down, cached answers serve until their TTL; a never-seen
// token is unavailable, and so is a cached one past its TTL.
func TestOutage(t *testing.T) {
	f := start(t, nil)
	known := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	refused := randomToken("ak_")
	f.mustAccept(t, known.Secret, known.ID)
	_, _ = f.verify(refused)

	f.srv.Fail(clerktest.APIKeys, clerktest.Failure{Status: 503})
	f.clock.Advance(59 * time.Second)
	f.mustAccept(t, known.Secret, known.ID)
	_, err := f.verify(refused)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	fresh := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	_, err = f.verify(fresh.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	f.clock.Advance(time.Second)
	_, err = f.verify(known.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)

	f.srv.ClearFailures()
	f.mustAccept(t, fresh.Secret, fresh.ID)
	f.mustAccept(t, known.Secret, known.ID)
}

// After a 429, no call leaves for that endpoint until its Retry-After has
// passed; the other endpoints are not held up.
func TestRetryAfterIsHonoured(t *testing.T) {
	f := start(t, nil)
	f.srv.Fail(clerktest.APIKeys, clerktest.Failure{Status: 429, RetryAfter: "7", Times: 1})
	first := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	second := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	_, err := f.verify(first.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	f.clock.Advance(6 * time.Second)
	_, err = f.verify(second.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	f.srv.WantCalls(t, clerktest.APIKeys, 1)
	m2m := f.srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_a"})
	f.mustAccept(t, m2m.Secret, m2m.ID)

	f.clock.Advance(time.Second)
	f.mustAccept(t, second.Secret, second.ID)
	f.srv.WantCalls(t, clerktest.APIKeys, 2)
}

// A Clerk slower than ClerkTimeout is an outage.
func TestSlowClerk(t *testing.T) {
	f := start(t, func(c *opaquetoken.Config) { c.ClerkTimeout = 20 * time.Millisecond })
	f.srv.SetLatency(200 * time.Millisecond)
	_, err := f.verify(randomToken("mt_"))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	testutil.MustFailWith(t, err, context.DeadlineExceeded)
}

// A secret key Clerk refuses is ours to fix, not the token's fault.
func TestWrongSecretKey(t *testing.T) {
	f := start(t, func(c *opaquetoken.Config) { c.SecretKey = "sk_test_wrong" })
	key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	_, err := f.verify(key.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	if errors.Is(err, clerkauth.ErrInvalidToken) || opaquetoken.RetryAfter(err) != 0 {
		t.Fatalf("%v", err)
	}
}
