package clerkapi

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
)

func TestRetryAfterOf(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tooMany := func(header http.Header) error {
		e := &clerk.APIErrorResponse{HTTPStatusCode: http.StatusTooManyRequests}
		if header != nil {
			e.Read(&clerk.APIResponse{Header: header})
		}
		return Unavailable("listing users", e)
	}
	for name, tc := range map[string]struct {
		err       error
		want      time.Duration
		throttled bool
	}{
		"429 with Retry-After":    {tooMany(http.Header{"Retry-After": {"7"}}), 7 * time.Second, true},
		"429 without Retry-After": {tooMany(http.Header{}), defaultRetryAfter, true},
		"429 without a response":  {tooMany(nil), defaultRetryAfter, true},
		"429 asking too long":     {tooMany(http.Header{"Retry-After": {"3600"}}), maxRetryAfter, true},
		"500":                     {&clerk.APIErrorResponse{HTTPStatusCode: 500}, 0, false},
		"network":                 {errors.New("connection refused"), 0, false},
		"nil":                     {nil, 0, false},
	} {
		got, throttled := RetryAfterOf(tc.err, now)
		if got != tc.want || throttled != tc.throttled {
			t.Errorf("%s: %v, %v; want %v, %v", name, got, throttled, tc.want, tc.throttled)
		}
	}
}
