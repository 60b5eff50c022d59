package opaquetoken

import (
	"errors"
	"fmt"
	"time"

	"encore.app/auth/clerkauth"
)

// invalid is a refusal: the token is not one Clerk accepts. Its text never
// holds the token, only what was computed from it or what Clerk answered
// and was checked.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{clerkauth.ErrInvalidToken}, args...)...)
}

// retryAfterError is an unavailability that says when to ask again.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter is how long the client should wait before retrying a request
// Verify failed with err (a Retry-After for its 503): one second for a token
// refused because the verification budget was spent, zero when err says
// nothing of when to retry.
func RetryAfter(err error) time.Duration {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.after
	}
	return 0
}
