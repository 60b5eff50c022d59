// Package loglimit bounds the log lines of an event that can repeat without
// limit: a flood of refused requests, an outage that fails every request.
// Each kind of event writes at most Lines lines per Interval; the lines left
// out are counted, and one summary line reports the count once the
// interval is over, so that the logs neither fill up nor page anyone once
// per request, and nothing goes unnoticed.
package loglimit

import (
	"fmt"
	"sync"
	"time"
)

// SummaryMessage is the message of every summary line, so that one search
// finds them all.
const SummaryMessage = "log lines suppressed"

// Config configures a Limiter.
type Config struct {
	// Message names the lines limited, in the summary line. It must be a
	// constant of the code: never text that a request chose.
	Message string
	// Lines is how many lines may be written per Interval; 0 writes only
	// summaries.
	Lines int
	// Interval is the period Lines applies to; it must be positive.
	Interval time.Duration
	// Summary writes the summary line, such as rlog's Warn.
	Summary func(msg string, keysAndValues ...any)
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Limiter decides which occurrences of one kind of event get a line. A
// caller keeps one per reason class, made at start-up from a fixed list,
// so that what a request sends can choose neither a class nor how much
// state is kept. It is safe for concurrent use, and Allow allocates nothing.
type Limiter struct {
	cfg Config

	mu         sync.Mutex
	start      time.Time // of the current interval; zero before the first event
	written    int       // lines allowed in the current interval
	suppressed int       // lines left out in the current interval
}

// New is a Limiter for cfg. It panics on a negative Lines or a
// non-positive Interval, or without Summary: a wiring mistake, not a
// runtime condition.
func New(cfg Config) *Limiter {
	if cfg.Lines < 0 || cfg.Interval <= 0 || cfg.Summary == nil {
		panic(fmt.Sprintf("loglimit: %q needs Lines >= 0, Interval > 0 and a Summary", cfg.Message))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{cfg: cfg}
}

// Allow counts one event and reports whether its line may be written. The
// first event after an interval in which lines were left out writes the
// summary of that interval first.
func (l *Limiter) Allow() bool {
	now := l.cfg.Now()
	l.mu.Lock()
	var summary int
	var since time.Time
	if l.start.IsZero() || now.Sub(l.start) >= l.cfg.Interval {
		summary, since = l.suppressed, l.start
		l.start, l.written, l.suppressed = now, 0, 0
	}
	ok := l.written < l.cfg.Lines
	if ok {
		l.written++
	} else {
		l.suppressed++
	}
	l.mu.Unlock()
	if summary > 0 {
		l.summarize(summary, since)
	}
	return ok
}

// Flush ends the current interval, writing its summary now if lines were
// left out: for when the event has stopped (the outage is over) and no
// further Allow would report them.
func (l *Limiter) Flush() {
	l.mu.Lock()
	summary, since := l.suppressed, l.start
	l.start, l.written, l.suppressed = time.Time{}, 0, 0
	l.mu.Unlock()
	if summary > 0 {
		l.summarize(summary, since)
	}
}

func (l *Limiter) summarize(suppressed int, since time.Time) {
	l.cfg.Summary(SummaryMessage, "message", l.cfg.Message, "suppressed", suppressed,
		"since", since.UTC().Format(time.RFC3339), "interval", l.cfg.Interval.String())
}
