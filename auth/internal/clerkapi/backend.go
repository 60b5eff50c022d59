// Package clerkapi is what the auth packages share about calling Clerk's
// Backend API: a backend that honours Clerk's 429s, a deadline per call,
// and errors that tell an outage from an answer.
package clerkapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/internal/authmetrics"
)

// Config is how to reach one Clerk instance.
type Config struct {
	SecretKey string
	// APIURL is the Backend API base, version included.
	APIURL string
	// HTTPClient makes the calls. Its Transport is wrapped, never changed.
	HTTPClient *http.Client
	Now        func() time.Time
	// Metrics counts the calls; nil counts nothing.
	Metrics authmetrics.Recorder
}

// CheckAPIURL refuses what cannot be Clerk's Backend API: anything but an
// https URL, or http to a loopback host (a local test server). Plain http
// elsewhere would send the secret key in the clear.
func CheckAPIURL(apiURL string) error {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("APIURL %q is not an http(s) URL", apiURL)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("APIURL %q is plain http to a host that is not loopback: use https", apiURL)
	}
	return fmt.Errorf("APIURL %q is not an http(s) URL", apiURL)
}

// IsLoopback reports whether host (no port) is localhost or a loopback IP.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewBackend is an SDK backend for one Clerk endpoint. Each endpoint gets
// its own, so a 429 on the users endpoint does not stop JWKS refreshes.
// Every call it makes is counted in cfg.Metrics.
func NewBackend(cfg Config) clerk.Backend {
	transport := cfg.HTTPClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	client := *cfg.HTTPClient
	client.Transport = newCountingTransport(&retryAfterTransport{next: transport, now: cfg.Now}, cfg.APIURL, cfg.Metrics)
	return clerk.NewBackend(&clerk.BackendConfig{
		HTTPClient: &client,
		URL:        clerk.String(cfg.APIURL),
		Key:        clerk.String(cfg.SecretKey),
	})
}

// maxRetryAfter caps how long one 429 can silence an endpoint, so a bogus
// Retry-After cannot lock users out for longer than a Clerk rate-limit window
// or two.
const maxRetryAfter = time.Minute

// defaultRetryAfter is the pause after a 429 that names no Retry-After.
const defaultRetryAfter = time.Second

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
// bounds it to [defaultRetryAfter, maxRetryAfter]. Seconds are bounded
// before they become a Duration, which a huge value would overflow; one
// too large even for an int64 parses as the largest.
func retryAfter(value string, now time.Time) time.Duration {
	pause := defaultRetryAfter
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		pause = time.Duration(min(max(secs, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if at, err := http.ParseTime(value); err == nil {
		pause = at.Sub(now)
	}
	return min(max(pause, defaultRetryAfter), maxRetryAfter)
}

// SetDefault gives a numeric setting its default when zero and refuses a
// negative one: the rule of every duration and size in the auth packages'
// configurations.
func SetDefault[T int | time.Duration](name string, value *T, def T) error {
	if *value < 0 {
		return fmt.Errorf("%s is negative", name)
	}
	if *value == 0 {
		*value = def
	}
	return nil
}
