package opaquetoken_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/testutil"
)

// Beyond VerifyPerSecond, never-seen tokens are unavailable without a call,
// with a Retry-After of a second; cached ones are unaffected.
func TestBudget(t *testing.T) {
	f := start(t, func(c *opaquetoken.Config) { c.VerifyPerSecond = 3 })
	known := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	refused := randomToken("ak_")
	f.mustAccept(t, known.Secret, known.ID)
	_, _ = f.verify(refused)
	_, _ = f.verify(randomToken("mt_"))
	f.wantCalls(t, 3)

	legit := f.srv.CreateOAuthToken(clerktest.OAuthToken{UserID: "user_1", ClientID: "client_1"})
	_, err := f.verify(legit.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	if !strings.Contains(err.Error(), "budget") || opaquetoken.RetryAfter(err) != time.Second {
		t.Fatalf("budget refusal %v, Retry-After %v", err, opaquetoken.RetryAfter(err))
	}
	f.wantCalls(t, 3)
	f.mustAccept(t, known.Secret, known.ID)
	_, err = f.verify(refused)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)

	f.clock.Advance(time.Second / 2) // one and a half calls
	f.mustAccept(t, legit.Secret, legit.ID)
	_, err = f.verify(randomToken("ak_"))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	f.wantCalls(t, 4)
	f.clock.Advance(time.Hour) // refills to the burst, no more
	for range 3 {
		_, _ = f.verify(randomToken("ak_"))
	}
	_, err = f.verify(randomToken("ak_"))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	f.wantCalls(t, 7)
}

// 10,000 distinct random API keys, sent while a known key is in use: Clerk
// sees no more calls than the budget allows, and the known key keeps
// answering throughout.
func TestFlood(t *testing.T) {
	f := start(t, nil) // 10 per second; the clock stands still
	known := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	f.mustAccept(t, known.Secret, known.ID)

	const flood, workers = 10_000, 8
	tokens := make(chan string, flood)
	for range flood {
		tokens <- randomToken("ak_")
	}
	close(tokens)
	var unknown, budget, other atomic.Int32
	stop := make(chan struct{})
	var knownErr error
	var knownUses int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			knownUses++
			if _, err := f.verify(known.Secret); err != nil {
				knownErr = err
				return
			}
		}
	}()
	testutil.Concurrently(workers, func() {
		for token := range tokens {
			_, err := f.verify(token)
			switch {
			case errors.Is(err, clerkauth.ErrInvalidToken):
				unknown.Add(1)
			case errors.Is(err, clerkauth.ErrClerkUnavailable) && opaquetoken.RetryAfter(err) == time.Second:
				budget.Add(1)
			default:
				other.Add(1)
			}
		}
	})
	close(stop)
	wg.Wait()
	if knownErr != nil || knownUses == 0 {
		t.Fatalf("the known key after %d uses: %v", knownUses, knownErr)
	}
	if unknown.Load() != 9 || budget.Load() != flood-9 || other.Load() != 0 {
		t.Fatalf("refused as unknown %d, for the budget %d, otherwise %d", unknown.Load(), budget.Load(), other.Load())
	}
	f.wantCalls(t, 10) // the known key's, and 9 of the flood's
}
