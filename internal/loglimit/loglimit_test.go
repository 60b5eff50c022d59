package loglimit_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"encore.app/internal/loglimit"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// summaries records the summary lines written.
type summaries struct {
	mu    sync.Mutex
	lines []string
}

func (s *summaries) write(msg string, kv ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, fmt.Sprint(append([]any{msg}, kv...)...))
}

func (s *summaries) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.lines
	s.lines = nil
	return out
}

func newLimiter(c *clock, s *summaries, message string, lines int) *loglimit.Limiter {
	return loglimit.New(loglimit.Config{Message: message, Lines: lines, Interval: time.Minute, Summary: s.write, Now: c.Now})
}

// allowed counts the events of n that Allow lets through.
func allowed(l *loglimit.Limiter, n int) int {
	var ok int
	for range n {
		if l.Allow() {
			ok++
		}
	}
	return ok
}

// A flood writes exactly Lines lines per interval, and one summary of the
// rest when the next interval starts (or on Flush).
func TestFloodWritesLinesThenOneSummaryPerInterval(t *testing.T) {
	c, s := &clock{now: time.Unix(1_000_000, 0)}, &summaries{}
	l := newLimiter(c, s, "request refused", 3)
	for interval := range 3 {
		if got := allowed(l, 1000); got != 3 {
			t.Fatalf("interval %d: %d lines, want 3", interval, got)
		}
		got := s.take()
		if interval == 0 && len(got) != 0 {
			t.Fatalf("a summary before the first interval ended: %v", got)
		}
		if interval > 0 && (len(got) != 1 || got[0] != fmt.Sprint(loglimit.SummaryMessage, "message", "request refused", "suppressed", 997,
			"since", c.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "interval", "1m0s")) {
			t.Fatalf("interval %d: summaries %q, want one of 997 lines", interval, got)
		}
		c.Advance(time.Minute)
	}
	l.Flush()
	if got := s.take(); len(got) != 1 {
		t.Fatalf("Flush wrote %q, want the last interval's summary", got)
	}
	l.Flush()
	if got := s.take(); len(got) != 0 {
		t.Fatalf("a second Flush wrote %q", got)
	}
	// A quiet interval writes no summary.
	c.Advance(time.Hour)
	if got := allowed(l, 2); got != 2 || len(s.take()) != 0 {
		t.Fatalf("after a quiet hour: %d lines", got)
	}
}

// One reason's flood leaves the others' lines alone.
func TestReasonsAreIndependent(t *testing.T) {
	c, s := &clock{now: time.Unix(1_000_000, 0)}, &summaries{}
	flooded, quiet := newLimiter(c, s, "invalid token", 2), newLimiter(c, s, "no credentials", 2)
	if allowed(flooded, 500) != 2 {
		t.Fatal("flood not limited")
	}
	if allowed(quiet, 2) != 2 {
		t.Fatal("another reason lost its lines to the flood")
	}
	c.Advance(time.Minute)
	quiet.Allow()
	if got := s.take(); len(got) != 0 {
		t.Fatalf("the quiet reason summarized: %q", got)
	}
	flooded.Allow()
	if got := s.take(); len(got) != 1 {
		t.Fatalf("the flooded reason's summaries: %q", got)
	}
}

// Lines 0 writes only summaries: for an outage whose first line the
// caller writes itself.
func TestZeroLinesWritesOnlySummaries(t *testing.T) {
	c, s := &clock{now: time.Unix(1_000_000, 0)}, &summaries{}
	l := newLimiter(c, s, "sync failed", 0)
	for range 3 {
		if allowed(l, 60) != 0 {
			t.Fatal("a line was allowed")
		}
		c.Advance(time.Minute)
	}
	if got := s.take(); len(got) != 2 {
		t.Fatalf("%d summaries after 3 intervals, want 2 (the third is pending)", len(got))
	}
}

// Concurrent events share Lines exactly.
func TestConcurrentAllow(t *testing.T) {
	c, s := &clock{now: time.Unix(1_000_000, 0)}, &summaries{}
	l := newLimiter(c, s, "refused", 10)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok.Add(int64(allowed(l, 500)))
		}()
	}
	wg.Wait()
	if ok.Load() != 10 {
		t.Fatalf("%d lines allowed, want 10", ok.Load())
	}
	c.Advance(time.Minute)
	l.Allow()
	if got := s.take(); len(got) != 1 || got[0] != fmt.Sprint(loglimit.SummaryMessage, "message", "refused", "suppressed", 3990,
		"since", time.Unix(1_000_000, 0).UTC().Format(time.RFC3339), "interval", "1m0s") {
		t.Fatalf("summary %q", got)
	}
}

func TestAllowAllocatesNothing(t *testing.T) {
	l := loglimit.New(loglimit.Config{Message: "m", Lines: 5, Interval: time.Hour, Summary: func(string, ...any) {}})
	if n := testing.AllocsPerRun(1000, func() { l.Allow() }); n != 0 {
		t.Fatalf("Allow allocates %v times", n)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []loglimit.Config{
		{Lines: -1, Interval: time.Minute, Summary: func(string, ...any) {}},
		{Lines: 1, Summary: func(string, ...any) {}},
		{Lines: 1, Interval: time.Minute},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v accepted", cfg)
				}
			}()
			loglimit.New(cfg)
		}()
	}
}

func BenchmarkAllow(b *testing.B) {
	l := loglimit.New(loglimit.Config{Message: "m", Lines: 5, Interval: time.Minute, Summary: func(string, ...any) {}})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Allow()
		}
	})
}
