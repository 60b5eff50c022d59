package clerkauth

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
)

// maxRetryAfter caps how long one 429 can silence an endpoint, so a bogus
// Retry-After cannot lock users out for longer than a Clerk rate-limit window
// or two.
const maxRetryAfter = time.Minute

// defaultRetryAfter is the pause after a 429 that names no Retry-After.
const defaultRetryAfter = time.Second

// newBackend is an SDK backend for one Clerk endpoint. Each endpoint gets its
// own, so a 429 on the users endpoint does not stop JWKS refreshes.
func newBackend(cfg *Config) clerk.Backend {
	transport := cfg.HTTPClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	client := *cfg.HTTPClient
	client.Transport = &retryAfterTransport{next: transport, now: cfg.Now}
	return clerk.NewBackend(&clerk.BackendConfig{
		HTTPClient: &client,
		URL:        clerk.String(cfg.APIURL),
		Key:        clerk.String(cfg.SecretKey),
	})
}

// errThrottled is the transport's answer while a Retry-After is running.
var errThrottled = errors.New("Retry-After from Clerk has not passed")

// retryAfterTransport honours Clerk's 429s: once one arrives, no request
// leaves until its Retry-After has passed.
type retryAfterTransport struct {
	next http.RoundTripper
	now  func() time.Time

	mu    sync.Mutex
	until time.Time
}

func (t *retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	blocked := t.now().Before(t.until)
	t.mu.Unlock()
	if blocked {
		return nil, errThrottled
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		pause := retryAfter(resp.Header.Get("Retry-After"), t.now())
		t.mu.Lock()
		t.until = t.now().Add(pause)
		t.mu.Unlock()
	}
	return resp, err
}

// retryAfter reads a Retry-After value, in seconds or as an HTTP date, and
// bounds it to [defaultRetryAfter, maxRetryAfter].
func retryAfter(value string, now time.Time) time.Duration {
	pause := defaultRetryAfter
	if secs, err := strconv.Atoi(value); err == nil {
		pause = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(value); err == nil {
		pause = at.Sub(now)
	}
	return min(max(pause, defaultRetryAfter), maxRetryAfter)
}

// isNotFound reports whether Clerk answered that the resource does not exist,
// in its own words: a 404 from a proxy or a wrong APIURL is not that.
func isNotFound(err error) bool {
	var apiErr *clerk.APIErrorResponse
	return errors.As(err, &apiErr) && apiErr.HTTPStatusCode == http.StatusNotFound &&
		len(apiErr.Errors) > 0 && apiErr.Errors[0].Code == "resource_not_found"
}

// clerkError turns an SDK error from calling Clerk into ErrClerkUnavailable.
// The SDK returns a non-JSON error body as the error's text, so only errors
// of known types contribute text, and Clerk's words never reach a response.
func clerkError(what string, err error) error {
	var apiErr *clerk.APIErrorResponse
	if errors.As(err, &apiErr) {
		return unavailable("%s: Clerk answered HTTP %d", what, apiErr.HTTPStatusCode)
	}
	var netErr *url.Error
	if errors.As(err, &netErr) {
		return unavailable("%s: %v", what, netErr.Err)
	}
	return unavailable("%s: unexpected response from Clerk", what)
}
