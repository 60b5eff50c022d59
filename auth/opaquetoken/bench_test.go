package opaquetoken_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/authmetrics"
)

// BenchmarkVerify measures a token seen before (cached), which must stay
// within 2 µs and 2 allocations, and a flood of never-seen random API keys
// against a Clerk with a 20ms round trip, reporting the Clerk calls each
// costs with the default budget of 10 per second (real clock).
//
//	go test -run '^$' -bench BenchmarkVerify -benchmem ./auth/opaquetoken/
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	b.Run("cached", func(b *testing.B) {
		// Counting, as the app does: Counts' atomic adds stand in for
		// Encore's counters.
		f := start(b, func(c *opaquetoken.Config) { c.Metrics = &authmetrics.Counts{} })
		key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1", Name: "bench", Scopes: []string{"read", "write"}})
		f.mustAccept(b, key.Secret, key.ID)
		f.srv.ResetCalls()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := f.v.Verify(ctx, key.Secret); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(f.calls())/float64(b.N), "clerk-calls/op")
	})
	b.Run("flood", func(b *testing.B) {
		f := start(b, func(c *opaquetoken.Config) { c.Now = time.Now })
		f.srv.SetLatency(20 * time.Millisecond)
		tokens := make([]string, b.N)
		for i := range tokens {
			tokens[i] = randomToken("ak_")
		}
		b.ReportAllocs()
		b.ResetTimer()
		for _, token := range tokens {
			if _, err := f.v.Verify(ctx, token); !errors.Is(err, clerkauth.ErrInvalidToken) && !errors.Is(err, clerkauth.ErrClerkUnavailable) {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(f.calls())/float64(b.N), "clerk-calls/op")
	})
}
