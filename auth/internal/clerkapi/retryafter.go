package clerkapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
)

// RetryAfterOf reports whether err is Clerk's 429 and how long its
// Retry-After asks to wait, read and bounded as the backend's gate reads
// it: a caller that waits that long on the backend's clock finds the gate
// open again.
func RetryAfterOf(err error, now time.Time) (time.Duration, bool) {
	var apiErr *clerk.APIErrorResponse
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	var value string
	if apiErr.Response != nil {
		value = apiErr.Response.Header.Get("Retry-After")
	}
	return retryAfter(value, now), true
}
