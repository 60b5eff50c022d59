package opaquetoken_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
)

// fixture is a Verifier on a test Clerk and a clock the test moves.
type fixture struct {
	srv   *clerktest.Server
	clock *clerktest.Clock
	v     *opaquetoken.Verifier
}

// start is a fixture whose Verifier's configuration edit may change.
func start(t testing.TB, edit func(*opaquetoken.Config)) *fixture {
	t.Helper()
	f := &fixture{srv: clerktest.Start(t), clock: clerktest.NewClock()}
	f.v = f.verifier(t, edit)
	return f
}

// verifier is another Verifier on the fixture's Clerk and clock.
func (f *fixture) verifier(t testing.TB, edit func(*opaquetoken.Config)) *opaquetoken.Verifier {
	t.Helper()
	cfg := opaquetoken.Config{SecretKey: f.srv.SecretKey, APIURL: f.srv.URL, Now: f.clock.Now}
	if edit != nil {
		edit(&cfg)
	}
	v, err := opaquetoken.New(cfg)
	if err != nil {
		t.Fatalf("opaquetoken.New: %v", err)
	}
	return v
}

func (f *fixture) verify(token string) (*clerkauth.AuthData, error) {
	return f.v.Verify(context.Background(), token)
}

// mustAccept asserts the token is accepted as the token with this ID.
func (f *fixture) mustAccept(t testing.TB, token, id string) *clerkauth.AuthData {
	t.Helper()
	data, err := f.verify(token)
	if err != nil {
		t.Fatalf("token %s refused: %v", id, err)
	}
	if data.TokenID != id {
		t.Fatalf("TokenID = %q, want %q", data.TokenID, id)
	}
	return data
}

// calls is the number of verifications that reached Clerk.
func (f *fixture) calls() int {
	return f.srv.Calls(clerktest.APIKeys) + f.srv.Calls(clerktest.M2MTokens) + f.srv.Calls(clerktest.OAuthTokens)
}

func (f *fixture) wantCalls(t testing.TB, want int) {
	t.Helper()
	if n := f.calls(); n != want {
		t.Fatalf("Clerk verifications = %d, want %d", n, want)
	}
}

// randomToken is a token of Clerk's shape that Clerk never issued.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}
