package budget

import (
	"testing"
	"time"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestBucketRefills(t *testing.T) {
	b := New(2, 2, start)
	if !b.Take(start) || !b.Take(start) || b.Take(start) || b.Available(start) {
		t.Fatal("burst is not 2")
	}
	if !b.Take(start.Add(time.Second/2)) || b.Take(start.Add(time.Second/2)) {
		t.Fatal("half a second did not refill one")
	}
}

// Waiting what Wait says always makes Take succeed, and never sooner: a
// caller that sleeps on it spends the budget at its rate and no faster.
func TestWaitIsExactlyUntilTheNextCall(t *testing.T) {
	b := New(2.0/10, 1, start) // 2 calls per 10 s, one at a time: one every 5 s
	now := start
	if b.Wait(now) != 0 || !b.Take(now) {
		t.Fatal("a full bucket makes the caller wait")
	}
	for i := range 5 {
		wait := b.Wait(now)
		if wait != 5*time.Second {
			t.Fatalf("call %d: wait %v, want 5s", i, wait)
		}
		if b.Take(now.Add(wait - time.Nanosecond)) {
			t.Fatalf("call %d: taken before its wait was over", i)
		}
		now = now.Add(wait)
		if !b.Take(now) {
			t.Fatalf("call %d: not taken after its wait", i)
		}
	}
}

// A clock that steps back neither refills nor drains the bucket.
func TestClockGoingBackRefillsNothing(t *testing.T) {
	b := New(1, 1, start)
	b.Take(start)
	if b.Take(start.Add(-time.Hour)) || b.Wait(start.Add(-time.Hour)) <= 0 {
		t.Fatal("going back refilled the bucket")
	}
	if !b.Take(start.Add(time.Second)) {
		t.Fatal("going back drained the bucket")
	}
}
