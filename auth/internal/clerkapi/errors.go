package clerkapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/clerk/clerk-sdk-go/v2"
	"golang.org/x/sync/singleflight"
)

var (
	// ErrUnavailable: Clerk could not be asked (down, 5xx, 429, timed out),
	// so a token could be neither accepted nor refused.
	ErrUnavailable = errors.New("clerk unavailable")
	// ErrCanceled: the caller gave up (the client went away) before Clerk
	// answered: neither an outage nor a verdict.
	ErrCanceled = errors.New("request canceled")
)

// Unavailable is an ErrUnavailable that says what failed and wraps its
// cause, so errors.As finds a *clerk.APIErrorResponse or a *url.Error.
// The SDK returns a non-JSON error body as the error's text, so only errors
// of known types contribute text: Clerk's words never reach a response.
func Unavailable(what string, cause error) error {
	var apiErr *clerk.APIErrorResponse
	var netErr *url.Error
	switch {
	case errors.As(cause, &apiErr):
		return fmt.Errorf("%w: %s: Clerk answered HTTP %d%w", ErrUnavailable, what, apiErr.HTTPStatusCode, silent{cause})
	case errors.As(cause, &netErr):
		return fmt.Errorf("%w: %s: %v%w", ErrUnavailable, what, netErr.Err, silent{cause})
	}
	return fmt.Errorf("%w: %s: unexpected response from Clerk%w", ErrUnavailable, what, silent{cause})
}

// silent wraps a cause without adding its text to the message.
type silent struct{ err error }

func (silent) Error() string   { return "" }
func (s silent) Unwrap() error { return s.err }

// IsNotFound reports whether Clerk answered that the resource does not
// exist, in its own words: a 404 from a proxy or a wrong APIURL is not that.
func IsNotFound(err error) bool {
	var apiErr *clerk.APIErrorResponse
	return errors.As(err, &apiErr) && apiErr.HTTPStatusCode == http.StatusNotFound &&
		len(apiErr.Errors) > 0 && apiErr.Errors[0].Code == "resource_not_found"
}

// Await waits for a shared call, or for the caller to give up: then it
// answers ErrCanceled wrapping ctx's error, and the call goes on for the
// others sharing it.
func Await(ctx context.Context, call <-chan singleflight.Result, what string) (any, error) {
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for %s: %w", ErrCanceled, what, context.Cause(ctx))
	case res := <-call:
		return res.Val, res.Err
	}
}
