package clerkauth

import (
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"encore.app/auth/clerkjwt"
	"encore.app/internal/authmetrics"
)

// tokenCache remembers sessions of tokens that passed verification, keyed by
// the SHA-256 of the whole token, so a token seen before skips the RSA check
// until its own exp (plus leeway). Keying by the full token, never by its
// unverified claims, means a forged token can only hit its own entry, which
// it never gets.
type tokenCache struct {
	leeway  time.Duration
	entries *lru.Cache[[sha256.Size]byte, *clerkjwt.Token]
	metrics authmetrics.Recorder
}

func newTokenCache(size int, leeway time.Duration, metrics authmetrics.Recorder) *tokenCache {
	entries, err := lru.New[[sha256.Size]byte, *clerkjwt.Token](size)
	if err != nil {
		panic(err) // unreachable: withDefaults makes the size positive
	}
	return &tokenCache{leeway: leeway, entries: entries, metrics: metrics}
}

// get returns the session of a verified token that is still within its
// exp, and counts the lookup.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (*clerkjwt.Token, bool) {
	s, ok := c.entries.Get(key)
	// Expired from exp + leeway on, as the verifier (and Clerk's
	// assertExpirationClaim) count it: the cache never outlives a check.
	if ok && !now.Before(s.Expiry.Add(c.leeway)) {
		c.entries.Remove(key)
		ok = false
	}
	if !ok {
		c.metrics.CacheLookup(authmetrics.CacheVerifiedTokens, authmetrics.LookupMiss)
		return nil, false
	}
	c.metrics.CacheLookup(authmetrics.CacheVerifiedTokens, authmetrics.LookupHit)
	return s, true
}

func (c *tokenCache) add(key [sha256.Size]byte, s *clerkjwt.Token) { c.entries.Add(key, s) }
