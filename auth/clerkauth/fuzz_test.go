package clerkauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
)

// FuzzTokenFromRequest: any header and cookie give a token or a clear error,
// never a panic, and a token given back is a bounded compact JWS taken from
// the header when there is one.
func FuzzTokenFromRequest(f *testing.F) {
	for _, seed := range [][2]string{
		{"Bearer " + shapedToken, ""},
		{"", shapedToken},
		{"bearer  " + shapedToken + " ", "x.y.z"},
		{"Basic dXNlcjpwYXNz", shapedToken},
		{"Bearer a..c", ""},
		{"Bearer \xff.\x00.\u00e9", ""},
		{"Bearer " + strings.Repeat("a", clerkauth.MaxTokenBytes+1), ""},
		{" ", " "},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, header, cookie string) {
		token, err := clerkauth.TokenFromRequest(header, cookie)
		if err != nil {
			if token != "" {
				t.Fatalf("token %q returned with error %v", token, err)
			}
			if !errors.Is(err, clerkauth.ErrNoCredentials) && !errors.Is(err, clerkauth.ErrInvalidToken) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(token) > clerkauth.MaxTokenBytes || strings.Count(token, ".") != 2 || strings.Contains(token, "..") ||
			strings.HasPrefix(token, ".") || strings.HasSuffix(token, ".") {
			t.Fatalf("accepted a token of the wrong shape: %q", token)
		}
		source := cookie
		if strings.TrimSpace(header) != "" {
			source = header
		}
		if !strings.Contains(source, token) {
			t.Fatalf("token %q is not from the winning credential %q", token, source)
		}
	})
}

// FuzzAuthenticate: hostile tokens, built by mutating a valid one, are never
// a panic and never accepted unless they are the exact valid token (the
// only byte string the test key signed) or another genuinely signed one.
func FuzzAuthenticate(f *testing.F) {
	srv := startWithUser(f)
	a := newAuthenticator(f, srv, func(c *clerkauth.Config) {
		c.ClerkTimeout = time.Second
		c.KeyRefreshInterval = time.Millisecond // made-up kids need not slow the fuzzer
	})
	valid := srv.Token(userID)
	parts := strings.Split(valid, ".")
	signed := map[string]bool{valid: true}
	f.Add(valid)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(parts[0] + "." + clerktest.EncodeSegment(srv.Claims("user_evil")) + "." + parts[2])
	f.Add(clerktest.EncodeSegment(map[string]any{"alg": "none"}) + "." + parts[1] + ".AA")
	f.Add(clerktest.EncodeSegment(map[string]any{"alg": "HS256", "kid": srv.SigningKey().ID}) + "." + parts[1] + "." + parts[2])
	f.Add(`{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`)
	f.Add(strings.Repeat("A", 300) + "." + parts[1] + "." + parts[2])
	f.Fuzz(func(t *testing.T, token string) {
		data, err := a.Authenticate(context.Background(), "Bearer "+token, "")
		if err == nil {
			if !signed[strings.TrimSpace(token)] {
				t.Fatalf("accepted a token the key never signed: %q", token)
			}
			if data.UserID != userID {
				t.Fatalf("accepted as %q", data.UserID)
			}
			return
		}
		if !errors.Is(err, clerkauth.ErrInvalidToken) && !errors.Is(err, clerkauth.ErrNoCredentials) {
			t.Fatalf("hostile token gave %v, want an invalid-token error", err)
		}
	})
}
