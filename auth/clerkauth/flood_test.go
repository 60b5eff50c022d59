package clerkauth_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/testutil"
)

// A flood of 10,000 random API keys through the Authenticator spends at
// most the verification budget at Clerk, while a known key and a session
// token keep being accepted throughout, from memory.
func TestAPIKeyFloodThroughAuthenticator(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock() // stands still: the budget never refills
	opaque, err := opaquetoken.New(opaquetoken.Config{SecretKey: srv.SecretKey, APIURL: srv.URL, VerifyPerSecond: 10, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.AcceptedTokenTypes = allTokenTypes
		c.OpaqueTokens = opaque
	})
	known := srv.CreateAPIKey(clerktest.APIKey{Subject: userID})
	session := srv.Token(userID)
	for _, token := range []string{known.Secret, session} {
		if _, err := authenticate(a, token); err != nil {
			t.Fatal(err)
		}
	}
	before := clerkCalls(srv)

	const flood = 10_000
	tokens := make(chan string, flood)
	for range flood {
		tokens <- unknownToken("ak_")
	}
	close(tokens)
	var refused, unavailable, accepted atomic.Int32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var knownUses, knownFailures atomic.Int32
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, token := range []string{known.Secret, session} {
				knownUses.Add(1)
				if _, err := authenticate(a, token); err != nil {
					knownFailures.Add(1)
				}
			}
		}
	}()
	testutil.Concurrently(8, func() {
		for token := range tokens {
			_, err := authenticate(a, token)
			switch {
			case err == nil:
				accepted.Add(1)
			case errors.Is(err, clerkauth.ErrInvalidToken):
				refused.Add(1)
			case errors.Is(err, clerkauth.ErrClerkUnavailable) && opaquetoken.RetryAfter(err) > 0:
				unavailable.Add(1)
			}
		}
	})
	close(stop)
	wg.Wait()

	if knownUses.Load() == 0 || knownFailures.Load() != 0 {
		t.Fatalf("the known key and session token: %d failures in %d uses", knownFailures.Load(), knownUses.Load())
	}
	// The budget is 10 with a burst of 10, less the known key's first call.
	if accepted.Load() != 0 || refused.Load() > 10 || refused.Load()+unavailable.Load() != flood {
		t.Fatalf("accepted %d, refused %d, unavailable with a retry-after %d", accepted.Load(), refused.Load(), unavailable.Load())
	}
	if calls := clerkCalls(srv) - before; calls > 10 || calls != int(refused.Load()) {
		t.Fatalf("%d Clerk calls during the flood, %d keys refused by Clerk", calls, refused.Load())
	}
}
