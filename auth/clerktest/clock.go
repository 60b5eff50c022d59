package clerktest

import (
	"sync"
	"time"
)

// Clock is a settable clock for the Now of a configuration. It starts at
// the real time, so tokens the Server mints are current.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock is a Clock at the real time.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
