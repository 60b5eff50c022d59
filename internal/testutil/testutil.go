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
