// Package testutil holds the small assertions and drivers the app's test
// packages share.
package testutil

import (
	"errors"
	"sync"
	"testing"
)

// Concurrently runs fn in n goroutines and waits for them all.
func Concurrently(n int, fn func()) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	wg.Wait()
}

// MustFailWith fails the test unless err wraps want.
func MustFailWith(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %v", err, want)
	}
}

// RaceWritesAgainstDeletion starts, for each of ids at once, one call of
// del and writers goroutines each calling write five times, and fails the
// test on any error but a write refused with deleted. It is the driver of
// the tombstone tests: whatever the timing, a write either lands before the
// deletion (which then removes it) or is refused.
func RaceWritesAgainstDeletion(t testing.TB, ids []string, writers int, del, write func(id string) error, deleted error) {
	t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, len(ids)*(writers*5+1))
	start := make(chan struct{})
	for _, id := range ids {
		wg.Add(writers + 1)
		go func() {
			defer wg.Done()
			<-start
			if err := del(id); err != nil {
				errc <- err
			}
		}()
		for range writers {
			go func() {
				defer wg.Done()
				<-start
				for range 5 {
					if err := write(id); err != nil && !errors.Is(err, deleted) {
						errc <- err
					}
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}
