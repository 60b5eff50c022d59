package clerkauth_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"encore.app/auth/clerkauth"
)

// benchLatency is the round trip to Clerk every benchmark's server adds.
const benchLatency = 20 * time.Millisecond

// BenchmarkAuthenticate compares this package's whole auth path with the
// RS256 verification it cannot avoid and with the usual ways of using the
// SDK, all against one local Clerk with a 20ms round trip, in one run.
func BenchmarkAuthenticate(b *testing.B) {
	srv := startWithUser(b)
	srv.SetLatency(benchLatency)
	ctx := context.Background()
	backend := clerk.NewBackend(&clerk.BackendConfig{URL: clerk.String(srv.URL), Key: clerk.String(srv.SecretKey)})
	users := &user.Client{Backend: backend}
	jwksClient := &jwks.Client{Backend: backend}

	b.Run("repeated-token", func(b *testing.B) {
		a := newAuthenticator(b, srv, nil)
		header := "Bearer " + srv.Token(userID)
		if _, err := a.Authenticate(ctx, clerkauth.Request{Authorization: header}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := a.Authenticate(ctx, clerkauth.Request{Authorization: header}); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("new-token-known-user", func(b *testing.B) {
		a := newAuthenticator(b, srv, nil)
		if _, err := authenticate(a, srv.Token(userID)); err != nil {
			b.Fatal(err)
		}
		// Minting is Clerk's work, an RSA signature each: done before the
		// timer starts, one never-seen token per iteration.
		headers := make([]string, b.N)
		claims := srv.Claims(userID)
		for i := range headers {
			claims["sid"] = fmt.Sprintf("sess_%d", i)
			headers[i] = "Bearer " + srv.Sign(claims)
		}
		runtime.GC()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := a.Authenticate(ctx, clerkauth.Request{Authorization: headers[i]}); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("rs256-verify-floor", func(b *testing.B) {
		token := srv.Token(userID)
		cut := strings.LastIndexByte(token, '.')
		sig, err := base64.RawURLEncoding.DecodeString(token[cut+1:])
		if err != nil {
			b.Fatal(err)
		}
		input, pub := []byte(token[:cut]), srv.SigningKey().Public()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			digest := sha256.Sum256(input)
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})

	// What Clerk's Encore guide and Encore's Clerk example do: jwt.Verify
	// without a JWK (a JWKS fetch per call), then a user lookup per call.
	b.Run("seed-approach", func(b *testing.B) {
		token := srv.Token(userID)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: jwksClient})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := users.Get(ctx, claims.Subject); err != nil {
				b.Fatal(err)
			}
		}
	})

	// The SDK's HTTP middleware: the JWK cached by kid, a user lookup per call.
	b.Run("sdk-middleware-approach", func(b *testing.B) {
		token := srv.Token(userID)
		var cached *clerk.JSONWebKey
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if cached == nil {
				key, err := jwt.GetJSONWebKey(ctx, &jwt.GetJSONWebKeyParams{KeyID: srv.SigningKey().ID, JWKSClient: jwksClient})
				if err != nil {
					b.Fatal(err)
				}
				cached = key
			}
			claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWK: cached})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := users.Get(ctx, claims.Subject); err != nil {
				b.Fatal(err)
			}
		}
	})
}
