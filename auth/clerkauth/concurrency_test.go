package clerkauth_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/internal/testutil"
)

// request is one token sent under load, with what must become of it.
type request struct {
	token  string
	userID string // "" for a hostile token, which must be refused
}

// TestMixedLoad sends thousands of valid and hostile tokens from many
// goroutines while keys rotate and Clerk fails midway, and checks that no
// hostile token passes, no valid token is refused while Clerk is healthy,
// and Clerk is called within the bounds the caches promise.
func TestMixedLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	srv := clerktest.Start(t)
	srv.SetLatency(2 * time.Millisecond)
	const users = 20
	for i := 0; i < users; i++ {
		srv.AddUser(fmt.Sprintf("user_%d", i), fmt.Sprintf("u%d@example.com", i))
	}
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.KeyRefreshInterval = 200 * time.Millisecond })
	forger := clerktest.NewKey()

	mint := func(key *clerktest.Key, n int, first int) []request {
		var out []request
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("user_%d", (first+i)%users)
			claims := srv.Claims(id)
			claims["sid"] = fmt.Sprintf("sess_%d_%d", first, i)
			out = append(out, request{token: key.Sign(claims), userID: id})
		}
		return out
	}
	// Signed by the real key, to be spliced into forgeries without a
	// signature each.
	genuineToken := srv.Token("user_0")
	genuine := strings.Split(genuineToken, ".")
	hostile := func(n int) []request {
		var out []request
		for i := 0; i < n; i++ {
			var token string
			switch i % 6 {
			case 0: // wrong key, real kid
				token = forger.SignWithHeader(srv.SigningKey().Header(), srv.Claims("user_0"))
			case 1: // made-up kid
				h := forger.Header()
				h["kid"] = clerktest.NewKeyID()
				token = forger.SignWithHeader(h, srv.Claims("user_0"))
			case 2: // another user's claims under a genuine signature
				token = genuine[0] + "." + clerktest.EncodeSegment(srv.Claims(fmt.Sprintf("user_%d", 1+i%(users-1)))) + "." + genuine[2]
			case 3:
				token = clerktest.EncodeSegment(map[string]any{"alg": "none"}) + "." + genuine[1] + ".AA"
			case 4: // truncated signature
				token = genuineToken[:len(genuineToken)-1-i%7]
			case 5: // the genuine signature spelled another way
				token = genuine[0] + "." + genuine[1] + "." + respell(genuine[2])
			}
			out = append(out, request{token: token})
		}
		return out
	}
	run := func(reqs []request, healthy bool) {
		work := make(chan request)
		go func() {
			// Repeat each token so the verified-token cache is exercised too.
			for round := 0; round < 3; round++ {
				for _, r := range reqs {
					work <- r
				}
			}
			close(work)
		}()
		testutil.Concurrently(32, func() {
			for r := range work {
				data, err := authenticate(a, r.token)
				switch {
				case r.userID == "" && err == nil:
					t.Errorf("hostile token accepted as %s", data.UserID)
				case r.userID == "" && !errors.Is(err, clerkauth.ErrInvalidToken) && (healthy || !errors.Is(err, clerkauth.ErrClerkUnavailable)):
					t.Errorf("hostile token: %v, want an invalid-token error", err)
				case r.userID != "" && err == nil && data.UserID != r.userID:
					t.Errorf("token for %s accepted as %s", r.userID, data.UserID)
				case r.userID != "" && err != nil && (healthy || !errors.Is(err, clerkauth.ErrClerkUnavailable)):
					t.Errorf("valid token for %s refused: %v", r.userID, err)
				}
			}
		})
	}
	start := time.Now()

	// Healthy, first key: each user is fetched once.
	// The forgeries are spliced from genuineToken, so it is sent too.
	genuineRequest := request{token: genuineToken, userID: "user_0"}
	run(append(mint(srv.SigningKey(), 400, 0), append(hostile(300), genuineRequest)...), true)
	srv.WantCalls(t, clerktest.Users, users)

	// The key rotates: old and new tokens mixed, still healthy.
	oldKey := srv.SigningKey()
	srv.RotateKey()
	run(append(append(mint(srv.SigningKey(), 300, 400), mint(oldKey, 100, 700)...), hostile(300)...), true)

	// Clerk fails midway: JWKS and users answer 500. Known keys and cached
	// users keep working; nothing hostile gets through.
	srv.Fail(clerktest.Users, clerktest.Failure{Status: 500})
	srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 500})
	run(append(mint(srv.SigningKey(), 300, 800), hostile(300)...), false)
	srv.ClearFailures()
	run(append(mint(srv.SigningKey(), 200, 1100), hostile(200)...), true)

	// Every user stayed cached through the outage (TTL 5m): no user call
	// beyond the first per user.
	srv.WantCalls(t, clerktest.Users, users)
	// Made-up kids: at most one JWKS fetch per 200ms interval, plus start-up.
	if n, bound := srv.Calls(clerktest.JWKS), 2+int(time.Since(start)/(200*time.Millisecond)); n > bound {
		t.Fatalf("JWKS calls = %d in %v, over the bound %d", n, time.Since(start), bound)
	}
}
