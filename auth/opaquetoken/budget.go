package opaquetoken

import (
	"sync"
	"time"
)

// budget is a token bucket: it holds up to burst calls, refilled at rate per
// second of the injected clock.
type budget struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBudget(perSecond int, now time.Time) *budget {
	n := float64(perSecond)
	return &budget{rate: n, burst: n, tokens: n, last: now}
}

// available reports whether a call could be taken now, taking none: it
// spares a token that will be refused the work of waiting in line for one.
func (b *budget) available(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	return b.tokens >= 1
}

// take takes one call from the budget, if there is one.
func (b *budget) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (b *budget) refill(now time.Time) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
}
