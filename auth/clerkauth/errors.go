package clerkauth

import (
	"errors"
	"fmt"

	"encore.dev/beta/errs"
)

// The errors Authenticate wraps; errors.Is tells them apart. Their text says
// what failed for the logs and never contains a token or a key.
var (
	// ErrNoCredentials: neither an Authorization header nor a __session cookie.
	ErrNoCredentials = errors.New("no session token")
	// ErrInvalidToken: the token is malformed, badly signed, expired, or its
	// claims are not acceptable.
	ErrInvalidToken = errors.New("invalid session token")
	// ErrUserNotFound: the token is valid but Clerk no longer has the user.
	ErrUserNotFound = errors.New("user not found")
	// ErrClerkUnavailable: Clerk could not be asked (down, 5xx, 429, timed
	// out), so the token could be neither accepted nor refused.
	ErrClerkUnavailable = errors.New("clerk unavailable")
)

// The only texts clients ever see: short, and the same for every cause.
const (
	msgUnauthenticated = "invalid or missing session token"
	msgUnavailable     = "authentication is temporarily unavailable, please retry"
)

// APIError is the *errs.Error an Encore auth handler returns for an
// Authenticate error: 503 when Clerk was unavailable, 401 for anything else,
// so a Clerk outage never logs users out and no detail reaches the client.
func APIError(err error) *errs.Error {
	if errors.Is(err, ErrClerkUnavailable) {
		return &errs.Error{Code: errs.Unavailable, Message: msgUnavailable}
	}
	return &errs.Error{Code: errs.Unauthenticated, Message: msgUnauthenticated}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidToken}, args...)...)
}

func unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrClerkUnavailable}, args...)...)
}
