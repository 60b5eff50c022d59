package clerkreconcile

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"encore.app/auth/internal/budget"
	"encore.app/auth/internal/clerkapi"
)

// maxThrottles is how many 429s in a row one call waits out before the pass
// gives up: Clerk still refusing after that many Retry-Afters is an outage.
const maxThrottles = 10

// meter is the transport under the backend's Retry-After gate, so it sees
// only the requests that reach Clerk: each waits for the pass's budget, is
// counted, and then gets ClerkTimeout, so that the wait for the budget
// never eats the call's deadline.
type meter struct {
	next    http.RoundTripper
	budget  *budget.Bucket
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	timeout time.Duration
	calls   atomic.Int64
}

func (m *meter) RoundTrip(req *http.Request) (*http.Response, error) {
	for !m.budget.Take(m.now()) {
		if err := m.sleep(req.Context(), m.budget.Wait(m.now())); err != nil {
			return nil, err
		}
	}
	m.calls.Add(1)
	ctx, cancel := context.WithTimeout(req.Context(), m.timeout)
	resp, err := m.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

// cancelOnClose ends a call's deadline once its body is read and closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	defer b.cancel()
	return b.ReadCloser.Close()
}

// call makes one SDK call, waiting out Clerk's 429s: each is counted and
// its Retry-After waited (the backend's gate would hold a call made sooner),
// up to maxThrottles in a row. Other errors end it, as ErrUnavailable
// saying what failed.
func (p *pass) call(ctx context.Context, what string, f func(context.Context) error) error {
	for throttles := 1; ; throttles++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		pause, throttled := clerkapi.RetryAfterOf(err, p.now())
		if !throttled {
			return clerkapi.Unavailable(what, err)
		}
		p.counts.Throttled++
		if throttles == maxThrottles {
			return clerkapi.Unavailable(fmt.Sprintf("%s (%d answers 429 in a row)", what, throttles), err)
		}
		p.log.Info("clerkreconcile: Clerk answered 429; waiting its Retry-After", "call", what, "retry_after", pause.String())
		if err := p.sleep(ctx, pause); err != nil {
			return fmt.Errorf("%s: waiting for Clerk's Retry-After: %w", what, err)
		}
	}
}
