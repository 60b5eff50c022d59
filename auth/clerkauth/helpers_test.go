package clerkauth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
)

// fakeClock is a settable clock, starting at the real time so tokens minted
// by the test server are current.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// userID is the user most tests authenticate as.
const userID = "user_2abc"

// startWithUser starts a test Clerk that knows userID.
func startWithUser(t testing.TB) *clerktest.Server {
	t.Helper()
	srv := clerktest.Start(t)
	srv.AddUser(userID, "ada@example.com")
	return srv
}

// testConfig is the configuration that trusts srv.
func testConfig(srv *clerktest.Server) clerkauth.Config {
	return clerkauth.Config{
		SecretKey:         srv.SecretKey,
		APIURL:            srv.URL,
		Issuer:            srv.Issuer,
		AuthorizedParties: []string{srv.AuthorizedParty},
	}
}

// newAuthenticator is an Authenticator trusting srv, with cfg changed by
// the optional edit.
func newAuthenticator(t testing.TB, srv *clerktest.Server, edit func(*clerkauth.Config)) *clerkauth.Authenticator {
	t.Helper()
	cfg := testConfig(srv)
	if edit != nil {
		edit(&cfg)
	}
	a, err := clerkauth.New(cfg)
	if err != nil {
		t.Fatalf("clerkauth.New: %v", err)
	}
	return a
}

// authenticate runs the header path for a token.
func authenticate(a *clerkauth.Authenticator, token string) (*clerkauth.AuthData, error) {
	return a.Authenticate(context.Background(), "Bearer "+token, "")
}

// concurrently runs fn in n goroutines and waits for them all.
func concurrently(n int, fn func()) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	wg.Wait()
}

// wantCalls asserts how many requests reached an endpoint of srv.
func wantCalls(t testing.TB, srv *clerktest.Server, e clerktest.Endpoint, want int) {
	t.Helper()
	if n := srv.Calls(e); n != want {
		t.Fatalf("%s calls = %d, want %d", e, n, want)
	}
}

// mustFailWith asserts err wraps want.
func mustFailWith(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %v", err, want)
	}
}

// mustAccept asserts the token authenticates as userID.
func mustAccept(t testing.TB, a *clerkauth.Authenticator, token, userID string) *clerkauth.AuthData {
	t.Helper()
	data, err := authenticate(a, token)
	if err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	if data.UserID != userID {
		t.Fatalf("UserID = %q, want %q", data.UserID, userID)
	}
	return data
}
