package clerkauth

import (
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// tokenCache remembers sessions of tokens that passed verification, keyed by
// the SHA-256 of the whole token, so a token seen before skips the RSA check
// until its own exp (plus leeway). Keying by the full token, never by its
// unverified claims, means a forged token can only hit its own entry, which
// it never gets.
type tokenCache struct {
	leeway  time.Duration
	entries *lru.Cache[[sha256.Size]byte, *session]
}

func newTokenCache(size int, leeway time.Duration) *tokenCache {
	entries, err := lru.New[[sha256.Size]byte, *session](size)
	if err != nil {
		panic(err) // unreachable: withDefaults makes the size positive
	}
	return &tokenCache{leeway: leeway, entries: entries}
}

// get returns the session of a verified token that is still within its exp.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (*session, bool) {
	s, ok := c.entries.Get(key)
	if !ok {
		return nil, false
	}
	if now.After(s.Expiry.Add(c.leeway)) {
		c.entries.Remove(key)
		return nil, false
	}
	return s, true
}

func (c *tokenCache) add(key [sha256.Size]byte, s *session) { c.entries.Add(key, s) }
