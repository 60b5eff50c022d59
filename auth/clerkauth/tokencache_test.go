package clerkauth

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"encore.app/auth/clerkjwt"
	"encore.app/internal/authmetrics"
)

func TestTokenCacheIsBounded(t *testing.T) {
	c := newTokenCache(8, time.Second, authmetrics.Discard{})
	now := time.Now()
	for i := 0; i < 100; i++ {
		c.add(sha256.Sum256([]byte(fmt.Sprint(i))), &clerkjwt.Token{UserID: fmt.Sprint(i), Expiry: now.Add(time.Minute)})
	}
	if n := c.entries.Len(); n != 8 {
		t.Fatalf("cache holds %d tokens, want the bound 8", n)
	}
	if _, ok := c.get(sha256.Sum256([]byte("99")), now); !ok {
		t.Fatal("most recent token evicted")
	}
	if _, ok := c.get(sha256.Sum256([]byte("0")), now); ok {
		t.Fatal("oldest token kept past the bound")
	}
}

func TestTokenCacheForgetsExpiredTokens(t *testing.T) {
	c := newTokenCache(8, 5*time.Second, authmetrics.Discard{})
	now := time.Now()
	key := sha256.Sum256([]byte("token"))
	c.add(key, &clerkjwt.Token{UserID: "user_1", Expiry: now})
	if _, ok := c.get(key, now.Add(5*time.Second-time.Nanosecond)); !ok {
		t.Fatal("token forgotten within its leeway")
	}
	// The verifier refuses from exp + leeway on (Clerk's
	// assertExpirationClaim): so does the cache, at that very instant.
	if _, ok := c.get(key, now.Add(5*time.Second)); ok {
		t.Fatal("token remembered at exp + leeway")
	}
	if c.entries.Len() != 0 {
		t.Fatal("expired token left in the cache")
	}
}
