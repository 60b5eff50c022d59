package clerktest_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"encore.app/auth/clerktest"
)

func backend(srv *clerktest.Server, key string) clerk.Backend {
	return clerk.NewBackend(&clerk.BackendConfig{URL: clerk.String(srv.URL), Key: clerk.String(key)})
}

// The SDK parses what the server serves, as it parses Clerk's answers.
func TestServerSpeaksTheSDKsShapes(t *testing.T) {
	srv := clerktest.Start(t)
	srv.SetUser(clerktest.User{ID: "user_1", Emails: []string{"a@example.com", "b@example.com"}, Primary: 1})
	ctx := context.Background()

	set, err := (&jwks.Client{Backend: backend(srv, srv.SecretKey)}).Get(ctx, &jwks.GetParams{})
	if err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != srv.SigningKey().ID || set.Keys[0].Algorithm != "RS256" {
		t.Fatalf("JWKS: %+v, %v", set, err)
	}
	u, err := (&user.Client{Backend: backend(srv, srv.SecretKey)}).Get(ctx, "user_1")
	if err != nil || u.PrimaryEmailAddressID == nil || *u.PrimaryEmailAddressID != u.EmailAddresses[1].ID {
		t.Fatalf("user: %+v, %v", u, err)
	}

	_, err = (&user.Client{Backend: backend(srv, srv.SecretKey)}).Get(ctx, "user_missing")
	var apiErr *clerk.APIErrorResponse
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 404 || apiErr.Errors[0].Code != "resource_not_found" {
		t.Fatalf("missing user: %v", err)
	}
	_, err = (&user.Client{Backend: backend(srv, "sk_test_wrong")}).Get(ctx, "user_1")
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 401 {
		t.Fatalf("wrong secret key: %v", err)
	}
	if n := srv.Calls(clerktest.Users); n != 3 {
		t.Fatalf("users calls = %d, want 3", n)
	}
}

func TestFailuresAndKeys(t *testing.T) {
	srv := clerktest.Start(t)
	srv.AddUser("user_1", "a@example.com")
	users := &user.Client{Backend: backend(srv, srv.SecretKey)}
	ctx := context.Background()

	srv.Fail(clerktest.Users, clerktest.Failure{Status: 429, RetryAfter: "7", Times: 2})
	for i := 0; i < 2; i++ {
		_, err := users.Get(ctx, "user_1")
		var apiErr *clerk.APIErrorResponse
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 || apiErr.Response.Header.Get("Retry-After") != "7" {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if _, err := users.Get(ctx, "user_1"); err != nil {
		t.Fatalf("failure outlived its Times: %v", err)
	}

	first := srv.SigningKey()
	second := srv.RotateKey()
	if srv.SigningKey() != second {
		t.Fatal("the rotated key does not sign")
	}
	srv.RetireKey(first.ID)
	set, err := (&jwks.Client{Backend: backend(srv, srv.SecretKey)}).Get(ctx, &jwks.GetParams{})
	if err != nil || len(set.Keys) != 1 || set.Keys[0].KeyID != second.ID {
		t.Fatalf("JWKS after retirement: %+v, %v", set, err)
	}
}

// Minted tokens carry the header Clerk's session tokens carry, byte for byte.
func TestTokensCarryClerksHeader(t *testing.T) {
	srv := clerktest.Start(t)
	token := srv.Token("user_1")
	segment, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.Strict().DecodeString(segment)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"` + srv.SigningKey().ID + `","typ":"JWT"}`
	if string(raw) != want {
		t.Fatalf("header %s, want %s", raw, want)
	}
	if !strings.HasPrefix(srv.SigningKey().ID, "ins_") {
		t.Fatalf("kid %q is not in Clerk's format", srv.SigningKey().ID)
	}
}
