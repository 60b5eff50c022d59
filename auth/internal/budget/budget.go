// Package budget is a token bucket on the caller's clock: how the auth
// packages bound the calls they make to Clerk, so that neither a flood of
// random tokens nor a reconciliation pass can spend Clerk's rate limit.
package budget

import (
	"math"
	"sync"
	"time"
)

// Bucket holds up to burst calls, refilled at rate calls per second of the
// clock its callers pass in. It is safe for concurrent use.
type Bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// New is a full Bucket of burst calls, refilled at rate per second from now.
func New(rate, burst float64, now time.Time) *Bucket {
	return &Bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// Available reports whether a call could be taken now, taking none: it
// spares a caller that would be refused the work of waiting in line for one.
func (b *Bucket) Available(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	return b.tokens >= 1
}

// Take takes one call from the bucket, if there is one.
func (b *Bucket) Take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Wait is how long from now until Take can succeed, 0 if it can now.
// Rounded up to the nanosecond, so that waiting it out refills a call.
func (b *Bucket) Wait(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second)))
}

func (b *Bucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}
