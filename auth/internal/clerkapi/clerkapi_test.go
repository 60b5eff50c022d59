package clerkapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"golang.org/x/sync/singleflight"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for value, want := range map[string]time.Duration{
		"":                      defaultRetryAfter,
		"soon":                  defaultRetryAfter,
		"0":                     defaultRetryAfter,
		"-5":                    defaultRetryAfter,
		"7":                     7 * time.Second,
		"60":                    time.Minute,
		"61":                    maxRetryAfter,
		"9999999999":            maxRetryAfter, // overflows a Duration if multiplied first
		"99999999999999999999":  maxRetryAfter,
		"-99999999999999999999": defaultRetryAfter,
		now.Add(30 * time.Second).Format(http.TimeFormat): 30 * time.Second,
		now.Add(time.Hour).Format(http.TimeFormat):        maxRetryAfter,
		now.Add(-time.Hour).Format(http.TimeFormat):       defaultRetryAfter,
	} {
		if got := retryAfter(value, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", value, got, want)
		}
	}
}

func TestCheckAPIURL(t *testing.T) {
	for apiURL, ok := range map[string]bool{
		"https://api.clerk.com/v1":    true,
		"http://localhost:8080/v1":    true,
		"http://127.0.0.1:8080/v1":    true,
		"http://127.9.9.9/v1":         true,
		"http://[::1]:8080/v1":        true,
		"http://api.clerk.com/v1":     false,
		"http://localhost.evil.com/":  false,
		"http://10.0.0.1/v1":          false,
		"ftp://api.clerk.com/v1":      false,
		"api.clerk.com/v1":            false,
		"https://":                    false,
		"http://user@localhost:80/v1": true,
	} {
		if err := CheckAPIURL(apiURL); (err == nil) != ok {
			t.Errorf("CheckAPIURL(%q) = %v, want accepted=%v", apiURL, err, ok)
		}
	}
}

func TestUnavailableWrapsItsCause(t *testing.T) {
	apiErr := &clerk.APIErrorResponse{HTTPStatusCode: 502}
	err := Unavailable("fetching x", apiErr)
	var got *clerk.APIErrorResponse
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &got) || got != apiErr {
		t.Fatalf("%v does not wrap ErrUnavailable and the API error", err)
	}
	if want := "clerk unavailable: fetching x: Clerk answered HTTP 502"; err.Error() != want {
		t.Fatalf("text %q, want %q", err, want)
	}
	netErr := &url.Error{Op: "Get", URL: "https://x", Err: context.DeadlineExceeded}
	if err := Unavailable("y", netErr); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v does not wrap the network error's cause", err)
	}
}

func TestAwaitTellsCancellationApart(t *testing.T) {
	var g singleflight.Group
	block := make(chan struct{})
	defer close(block)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Await(ctx, g.DoChan("k", func() (any, error) { <-block; return nil, nil }), "x")
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("Await after cancel = %v", err)
	}
}

func TestSetDefault(t *testing.T) {
	zero, set, negative := time.Duration(0), 3*time.Second, -1
	if err := SetDefault("Zero", &zero, time.Minute); err != nil || zero != time.Minute {
		t.Fatalf("zero: %v, %v", zero, err)
	}
	if err := SetDefault("Set", &set, time.Minute); err != nil || set != 3*time.Second {
		t.Fatalf("set: %v, %v", set, err)
	}
	if err := SetDefault("Size", &negative, 10); err == nil || err.Error() != "Size is negative" {
		t.Fatalf("negative: %v", err)
	}
}
