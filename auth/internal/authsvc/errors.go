// Package authsvc is the auth service's logic that is not Encore glue: how
// an authentication failure is answered and logged, and the checks that
// stop a cloud deployment from starting with development settings. The
// service package cannot hold plain tests (it declares a database), so
// this package is where they are tested.
package authsvc

import (
	"errors"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// The only texts clients ever see: short, and the same for every cause.
const (
	msgUnauthenticated = "invalid or missing session token"
	msgUnavailable     = "authentication is temporarily unavailable, please retry"
	msgCanceled        = "request canceled"
)

// APIError is what the auth handler returns for an Authenticate error:
// 503 when Clerk was unavailable, so an outage never logs users out; 499
// when the caller gave up; 401 for anything else. No detail reaches the
// client; the logs get the error's text.
func APIError(err error) *errs.Error {
	switch {
	case errors.Is(err, clerkauth.ErrCanceled):
		return &errs.Error{Code: errs.Canceled, Message: msgCanceled}
	case errors.Is(err, clerkauth.ErrClerkUnavailable):
		return &errs.Error{Code: errs.Unavailable, Message: msgUnavailable}
	}
	return &errs.Error{Code: errs.Unauthenticated, Message: msgUnauthenticated}
}

// IsOutage reports whether an Authenticate error is ours or Clerk's to fix,
// worth an error-level log line, rather than the request's.
func IsOutage(err error) bool {
	return errors.Is(err, clerkauth.ErrClerkUnavailable) && !errors.Is(err, clerkauth.ErrCanceled)
}
