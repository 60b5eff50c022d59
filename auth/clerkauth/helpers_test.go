package clerkauth_test

import (
	"context"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
)

// userID is the user most tests authenticate as.
const userID = "user_2abc"

// startWithUser starts a test Clerk that knows userID.
func startWithUser(t testing.TB) *clerktest.Server {
	t.Helper()
	srv := clerktest.Start(t)
	srv.AddUser(userID, "ada@example.com")
	return srv
}

// testConfig is the configuration that trusts srv, with users looked up
// at srv through a UserCache.
func testConfig(t testing.TB, srv *clerktest.Server) clerkauth.Config {
	t.Helper()
	users, err := clerkusers.NewUserCache(clerkusers.Config{SecretKey: srv.SecretKey, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return clerkauth.Config{
		SecretKey:         srv.SecretKey,
		APIURL:            srv.URL,
		Issuer:            srv.Issuer,
		AuthorizedParties: []string{srv.AuthorizedParty},
		EmailClaim:        "email",
		Users:             users,
	}
}

// newAuthenticator is an Authenticator trusting srv, with cfg changed by
// the optional edit.
func newAuthenticator(t testing.TB, srv *clerktest.Server, edit func(*clerkauth.Config)) *clerkauth.Authenticator {
	t.Helper()
	cfg := testConfig(t, srv)
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
	return a.Authenticate(context.Background(), clerkauth.Request{Authorization: "Bearer " + token})
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
