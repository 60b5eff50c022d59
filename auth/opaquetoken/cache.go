package opaquetoken

import (
	"crypto/sha256"
	"slices"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"encore.app/auth/clerkauth"
)

// cache remembers Clerk's answers, keyed by the SHA-256 of the token so the
// memory never holds a token. Accepted and refused tokens are kept apart,
// each bounded: tokens an attacker gets refused cannot evict good ones.
type cache struct {
	accepted *lru.Cache[[sha256.Size]byte, entry]
	refused  *lru.Cache[[sha256.Size]byte, entry]
}

// entry is one answer: data for an accepted token, err for a refused one,
// until when it may be reused.
type entry struct {
	data  *clerkauth.AuthData
	err   error
	until time.Time
}

func newCache(size int) *cache {
	accepted, err := lru.New[[sha256.Size]byte, entry](size)
	if err != nil {
		panic(err) // unreachable: withDefaults makes the size positive
	}
	refused, _ := lru.New[[sha256.Size]byte, entry](size)
	return &cache{accepted: accepted, refused: refused}
}

// get is the answer remembered for the token, if it is still to be reused.
func (c *cache) get(key [sha256.Size]byte, now time.Time) (entry, bool) {
	for _, entries := range [...]*lru.Cache[[sha256.Size]byte, entry]{c.accepted, c.refused} {
		if e, ok := entries.Get(key); ok {
			if now.Before(e.until) {
				return e, true
			}
			entries.Remove(key)
		}
	}
	return entry{}, false
}

// accept and refuse remember an answer. A token is asked about only once get
// has dropped what was remembered of it, so it is never in both.
func (c *cache) accept(key [sha256.Size]byte, data *clerkauth.AuthData, until time.Time) {
	c.accepted.Add(key, entry{data: data, until: until})
}

func (c *cache) refuse(key [sha256.Size]byte, err error, until time.Time) {
	c.refused.Add(key, entry{err: err, until: until})
}

// result is the entry as Verify returns it: a copy of the data, which the
// caller may change without changing what later requests get.
func (e entry) result() (*clerkauth.AuthData, error) {
	if e.err != nil {
		return nil, e.err
	}
	data := *e.data
	data.Scopes = slices.Clone(e.data.Scopes)
	return &data, nil
}
