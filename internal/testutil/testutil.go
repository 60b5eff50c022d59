// Package testutil holds the small assertions and drivers the app's test
// packages share.
package testutil

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// LogRecorder is a logger (Info, Warn, Error: the app's Logger interfaces
// are subsets) that keeps what it is given, as "LEVEL msg kv".
type LogRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *LogRecorder) Info(msg string, kv ...any)  { l.add("INFO", msg, kv) }
func (l *LogRecorder) Warn(msg string, kv ...any)  { l.add("WARN", msg, kv) }
func (l *LogRecorder) Error(msg string, kv ...any) { l.add("ERROR", msg, kv) }

func (l *LogRecorder) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprint(level, " ", msg, " ", kv))
}

// Len is the number of lines logged so far.
func (l *LogRecorder) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// Lines is what was logged so far.
func (l *LogRecorder) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// Count is the number of lines logged so far that contain s.
func (l *LogRecorder) Count(s string) int {
	n := 0
	for _, line := range l.Lines() {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// Publisher records what is published to it, as a Pub/Sub topic the app
// publishes to would take it.
type Publisher[T any] struct {
	mu   sync.Mutex
	sent []T
}

// Publish records the message.
func (p *Publisher[T]) Publish(_ context.Context, msg *T) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, *msg)
	return fmt.Sprint(len(p.sent)), nil
}

// Sent is what was published so far.
func (p *Publisher[T]) Sent() []T {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sent)
}
