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
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/authmetrics"
)

// benchLatency is the round trip to Clerk every benchmark's server adds.
const benchLatency = 20 * time.Millisecond

// BenchmarkAuthenticate compares this package's whole auth path, for
// session and machine tokens, with the SDK's own verification, which it
// cannot avoid, and with the usual ways of using the SDK, all against one
// local Clerk with a 20ms round trip, in one run. Each sub-benchmark reports
// the Clerk calls per iteration (every endpoint's), and the ones after
// sdk-verify-floor their time as a multiple of it (x-floor).
//
//	go test -run '^$' -bench BenchmarkAuthenticate -benchmem ./auth/clerkauth/
func BenchmarkAuthenticate(b *testing.B) {
	srv := startWithUser(b)
	srv.SetLatency(benchLatency)
	ctx := context.Background()
	backend := clerk.NewBackend(&clerk.BackendConfig{URL: clerk.String(srv.URL), Key: clerk.String(srv.SecretKey)})
	users := &user.Client{Backend: backend}
	jwksClient := &jwks.Client{Backend: backend}
	jwk, err := jwt.GetJSONWebKey(ctx, &jwt.GetJSONWebKeyParams{KeyID: srv.SigningKey().ID, JWKSClient: jwksClient})
	if err != nil {
		b.Fatal(err)
	}

	// mintAs signs n never-seen tokens with sign, claims edited for each,
	// before the timer starts: minting is Clerk's work, an RSA signature each.
	mintAs := func(sign func(map[string]any) string, claims map[string]any, n int, edit func(claims map[string]any, i int)) []string {
		tokens := make([]string, n)
		for i := range tokens {
			edit(claims, i)
			tokens[i] = sign(claims)
		}
		runtime.GC()
		return tokens
	}
	// mint is mintAs for session tokens of userID, each its own session.
	mint := func(n int, edit func(claims map[string]any, i int)) []string {
		return mintAs(srv.Sign, srv.Claims(userID), n, func(claims map[string]any, i int) {
			claims["sid"] = fmt.Sprintf("sess_%d", i)
			if edit != nil {
				edit(claims, i)
			}
		})
	}
	// mintM2M is mintAs for M2M JWTs of callerMachine that may call
	// selfMachine, each its own jti.
	mintM2M := func(n int, prefix string) []string {
		return mintAs(srv.SignM2M, srv.M2MClaims(callerMachine, selfMachine), n, func(claims map[string]any, i int) {
			claims["jti"] = fmt.Sprintf("mt_%s%d", prefix, i)
		})
	}
	var floor float64 // ns/op of sdk-verify-floor's final round
	// run times body over b.N iterations and reports its Clerk calls and,
	// but for new-token-paired, which reports its own, its ratio to the
	// floor.
	run := func(b *testing.B, body func(i int)) {
		srv.ResetCalls()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			body(i)
		}
		b.StopTimer()
		b.ReportMetric(float64(clerkCalls(srv))/float64(b.N), "clerk-calls/op")
		nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		switch {
		case strings.HasSuffix(b.Name(), "/sdk-verify-floor"):
			floor = nsPerOp // each round is larger; the last one stands
		case strings.HasSuffix(b.Name(), "/new-token-paired"):
			return
		}
		b.ReportMetric(nsPerOp/floor, "x-floor")
	}
	// Every authenticator counts, as the app's does: Counts' atomic adds
	// stand in for Encore's counters.
	counted := func(c *clerkauth.Config) { c.Metrics = &authmetrics.Counts{} }
	authenticator := func(b *testing.B) *clerkauth.Authenticator {
		a := newAuthenticator(b, srv, counted)
		mustAccept(b, a, srv.Token(userID), userID) // keys and user cached
		return a
	}
	// machineAuth accepts every token type, its keys and user cached.
	machineAuth := func(b *testing.B, edit func(*clerkauth.Config)) *clerkauth.Authenticator {
		a := machineAuthenticator(b, srv, allTokenTypes, func(c *clerkauth.Config) {
			counted(c)
			if edit != nil {
				edit(c)
			}
		})
		mustAccept(b, a, srv.Token(userID), userID)
		return a
	}
	authenticateAll := func(b *testing.B, a *clerkauth.Authenticator, tokens []string) func(i int) {
		requests := make([]clerkauth.Request, len(tokens))
		for i, token := range tokens {
			requests[i] = clerkauth.Request{Authorization: "Bearer " + token}
		}
		return func(i int) {
			if _, err := a.Authenticate(ctx, requests[i]); err != nil {
				b.Fatal(err)
			}
		}
	}

	// The least work any SDK-based verifier does for a never-seen token:
	// jwt.Verify alone, with the JWK already in hand. Run first: the others
	// are measured against it.
	b.Run("sdk-verify-floor", func(b *testing.B) {
		tokens := mint(b.N, nil)
		run(b, func(i int) {
			if _, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: tokens[i], JWK: jwk}); err != nil {
				b.Fatal(err)
			}
		})
	})

	b.Run("new-token-known-user", func(b *testing.B) {
		a := authenticator(b)
		run(b, authenticateAll(b, a, mint(b.N, nil)))
	})

	// A never-seen token carrying the email claim, of a never-seen user.
	b.Run("new-token-email-claim", func(b *testing.B) {
		a := authenticator(b)
		run(b, authenticateAll(b, a, mint(b.N, func(claims map[string]any, i int) {
			claims["sub"] = fmt.Sprintf("user_new_%d", i)
			claims["email"] = fmt.Sprintf("new%d@example.com", i)
		})))
	})

	// A never-seen M2M JWT: no user to look up, so the RSA check is
	// nearly all of it.
	b.Run("m2m-jwt-new", func(b *testing.B) {
		a := machineAuth(b, nil)
		run(b, authenticateAll(b, a, mintM2M(b.N, "")))
	})

	// The three new-token paths and the floor, interleaved call by call and
	// timed each: machine noise and drift hit all four alike, so the ratios
	// (x-floor-known-user, x-floor-email-claim, x-floor-m2m-jwt) are
	// steadier than those of separate sub-benchmarks. ns/op is the four
	// calls together.
	b.Run("new-token-paired", func(b *testing.B) {
		a := machineAuth(b, nil)
		floorTokens := mint(b.N, nil)
		known := authenticateAll(b, a, mint(b.N, func(claims map[string]any, i int) {
			claims["sid"] = fmt.Sprintf("sess_known_%d", i)
		}))
		withEmail := authenticateAll(b, a, mint(b.N, func(claims map[string]any, i int) {
			claims["sid"] = fmt.Sprintf("sess_email_%d", i)
			claims["sub"] = fmt.Sprintf("user_paired_%d", i)
			claims["email"] = fmt.Sprintf("paired%d@example.com", i)
		}))
		m2m := authenticateAll(b, a, mintM2M(b.N, "paired_"))
		var floorTime, knownTime, emailTime, m2mTime time.Duration
		timed := func(total *time.Duration, call func()) {
			start := time.Now()
			call()
			*total += time.Since(start)
		}
		run(b, func(i int) {
			timed(&floorTime, func() {
				if _, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: floorTokens[i], JWK: jwk}); err != nil {
					b.Fatal(err)
				}
			})
			timed(&knownTime, func() { known(i) })
			timed(&emailTime, func() { withEmail(i) })
			timed(&m2mTime, func() { m2m(i) })
		})
		b.ReportMetric(float64(knownTime)/float64(floorTime), "x-floor-known-user")
		b.ReportMetric(float64(emailTime)/float64(floorTime), "x-floor-email-claim")
		b.ReportMetric(float64(m2mTime)/float64(floorTime), "x-floor-m2m-jwt")
	})

	b.Run("repeated-token", func(b *testing.B) {
		a := authenticator(b)
		request := clerkauth.Request{Authorization: "Bearer " + srv.Token(userID)}
		run(b, func(int) {
			if _, err := a.Authenticate(ctx, request); err != nil {
				b.Fatal(err)
			}
		})
	})

	// An API key verified before: the opaque verifier's cache answers, with
	// no call to Clerk and, as repeated-token, at most 2 allocations.
	b.Run("api-key-cached", func(b *testing.B) {
		a := machineAuth(b, nil)
		key := srv.CreateAPIKey(clerktest.APIKey{Subject: userID, Scopes: []string{"read:foo"}})
		request := clerkauth.Request{Authorization: "Bearer " + key.Secret}
		if _, err := a.Authenticate(ctx, request); err != nil {
			b.Fatal(err)
		}
		run(b, func(int) {
			if _, err := a.Authenticate(ctx, request); err != nil {
				b.Fatal(err)
			}
		})
	})

	// Never-seen API keys of Clerk's shape, as a flood sends them, against
	// the opaque verifier's default budget (VerifyPerSecond 10): every one
	// refused, and clerk-calls/op is what the flood costs Clerk.
	b.Run("api-key-flood", func(b *testing.B) {
		opaque, err := opaquetoken.New(opaquetoken.Config{SecretKey: srv.SecretKey, APIURL: srv.URL})
		if err != nil {
			b.Fatal(err)
		}
		a := machineAuth(b, func(c *clerkauth.Config) { c.OpaqueTokens = opaque })
		requests := make([]clerkauth.Request, b.N)
		for i := range requests {
			requests[i] = clerkauth.Request{Authorization: "Bearer " + unknownToken("ak_")}
		}
		run(b, func(i int) {
			if _, err := a.Authenticate(ctx, requests[i]); err == nil {
				b.Fatal("a never-seen API key was accepted")
			}
		})
	})

	// One RSA-2048 signature check alone (SHA-256 + RSA): what no verifier
	// can skip.
	b.Run("rs256-verify-floor", func(b *testing.B) {
		token := srv.Token(userID)
		cut := strings.LastIndexByte(token, '.')
		sig, err := base64.RawURLEncoding.DecodeString(token[cut+1:])
		if err != nil {
			b.Fatal(err)
		}
		input, pub := []byte(token[:cut]), srv.SigningKey().Public()
		run(b, func(int) {
			digest := sha256.Sum256(input)
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
				b.Fatal(err)
			}
		})
	})

	// What Clerk's Encore guide and Encore's Clerk example do: jwt.Verify
	// without a JWK (a JWKS fetch per call), then a user lookup per call.
	b.Run("seed-approach", func(b *testing.B) {
		token := srv.Token(userID)
		run(b, func(int) {
			claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: jwksClient})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := users.Get(ctx, claims.Subject); err != nil {
				b.Fatal(err)
			}
		})
	})

	// The SDK's HTTP middleware: the JWK cached by kid, a user lookup per call.
	b.Run("sdk-middleware-approach", func(b *testing.B) {
		token := srv.Token(userID)
		run(b, func(int) {
			claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWK: jwk})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := users.Get(ctx, claims.Subject); err != nil {
				b.Fatal(err)
			}
		})
	})
}
