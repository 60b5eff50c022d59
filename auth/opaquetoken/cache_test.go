package opaquetoken_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/testutil"
)

// An answer is reused for CacheTTL, so a revocation in Clerk takes effect
// within it; a refusal is remembered as long.
func TestCacheTTL(t *testing.T) {
	f := start(t, func(c *opaquetoken.Config) { c.CacheTTL = 30 * time.Second })
	key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	f.mustAccept(t, key.Secret, key.ID)
	f.srv.RevokeToken(key.ID)
	f.clock.Advance(29 * time.Second)
	f.mustAccept(t, key.Secret, key.ID) // the revocation lag
	f.wantCalls(t, 1)

	f.clock.Advance(time.Second)
	_, err := f.verify(key.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	f.wantCalls(t, 2)
	f.clock.Advance(29 * time.Second)
	_, err = f.verify(key.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	f.wantCalls(t, 2)
	f.clock.Advance(time.Second)
	_, _ = f.verify(key.Secret)
	f.wantCalls(t, 3)
}

// Tokens Clerk does not know, and revoked ones, cost one call per TTL.
func TestRefusalsAreRemembered(t *testing.T) {
	f := start(t, nil)
	revoked := f.srv.CreateOAuthToken(clerktest.OAuthToken{UserID: "user_1", ClientID: "client_1"})
	f.srv.RevokeToken(revoked.ID)
	for _, token := range []string{randomToken("ak_"), randomToken("mt_"), revoked.Secret} {
		for range 3 {
			_, err := f.verify(token)
			testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		}
	}
	f.wantCalls(t, 3)
	f.clock.Advance(time.Minute) // the default TTL
	_, _ = f.verify(revoked.Secret)
	f.wantCalls(t, 4)
}

// No answer outlives the token's expiration, whatever the TTL: past it the
// token is refused from Clerk's own answer.
func TestCacheNeverOutlivesExpiration(t *testing.T) {
	f := start(t, func(c *opaquetoken.Config) { c.CacheTTL = time.Hour })
	key := f.srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_a", Expiration: f.clock.Now().Add(10 * time.Second)})
	f.mustAccept(t, key.Secret, key.ID)
	f.clock.Advance(9 * time.Second)
	f.mustAccept(t, key.Secret, key.ID)
	f.wantCalls(t, 1)
	f.clock.Advance(time.Second)
	_, err := f.verify(key.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	f.wantCalls(t, 2)
}

// What Verify returns is the caller's to change.
func TestAnswersAreCopies(t *testing.T) {
	f := start(t, nil)
	key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1", Scopes: []string{"read"}})
	first := f.mustAccept(t, key.Secret, key.ID)
	first.Scopes[0], first.UserID = "admin", "user_other"
	if again := f.mustAccept(t, key.Secret, key.ID); again.Scopes[0] != "read" || again.UserID != "user_1" {
		t.Fatalf("a caller's change reached the cache: %+v", again)
	}
}

// Concurrent first uses of a token share one call to Clerk.
func TestSingleFlight(t *testing.T) {
	f := start(t, nil)
	f.srv.SetLatency(50 * time.Millisecond)
	key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	unknown := randomToken("oat_")
	var accepted, refused atomic.Int32
	testutil.Concurrently(20, func() {
		if _, err := f.verify(key.Secret); err == nil {
			accepted.Add(1)
		}
		if _, err := f.verify(unknown); errors.Is(err, clerkauth.ErrInvalidToken) {
			refused.Add(1)
		}
	})
	if accepted.Load() != 20 || refused.Load() != 20 {
		t.Fatalf("accepted %d, refused %d of 20", accepted.Load(), refused.Load())
	}
	f.wantCalls(t, 2)
}

// A caller that gives up gets ErrCanceled; the call it shared goes on and
// answers the others, and is remembered.
func TestCallerGivingUpDoesNotCancelOthers(t *testing.T) {
	f := start(t, nil)
	f.srv.SetLatency(100 * time.Millisecond)
	key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	done := make(chan error)
	go func() {
		_, err := f.verify(key.Secret)
		done <- err
	}()
	_, err := f.v.Verify(ctx, key.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrCanceled)
	if errors.Is(err, clerkauth.ErrClerkUnavailable) {
		t.Fatalf("a cancellation counted as an outage: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the other caller: %v", err)
	}
	f.mustAccept(t, key.Secret, key.ID)
	f.wantCalls(t, 1)
}
