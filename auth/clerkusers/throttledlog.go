package clerkusers

import (
	"sync"
	"time"
)

// throttledLog logs a recurring failure at most once per interval: a
// database outage must not write a line per request.
type throttledLog struct {
	log      Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newThrottledLog(log Logger, interval time.Duration, now func() time.Time) *throttledLog {
	return &throttledLog{log: log, interval: interval, now: now}
}

func (t *throttledLog) warn(msg string, err error) {
	t.mu.Lock()
	now := t.now()
	if !t.last.IsZero() && now.Sub(t.last) < t.interval {
		t.suppressed++
		t.mu.Unlock()
		return
	}
	suppressed := t.suppressed
	t.last, t.suppressed = now, 0
	t.mu.Unlock()
	t.log.Warn(msg, "error", err.Error(), "suppressed", suppressed)
}
