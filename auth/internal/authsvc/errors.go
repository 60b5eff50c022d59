// Package authsvc is the auth service's logic that is not Encore glue: how
// an authentication failure is answered and logged, and the checks that
// stop a cloud deployment from starting with development settings. The
// service package cannot hold plain tests (it declares a database), so
// this package is where they are tested.
package authsvc

import (
	"time"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/authmetrics"
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
// client but when to retry; the logs get the error's text.
func APIError(err error) *errs.Error {
	switch clerkauth.Reason(err) {
	case authmetrics.ReasonCanceled:
		return &errs.Error{Code: errs.Canceled, Message: msgCanceled}
	case authmetrics.ReasonClerkUnavailable:
		e := &errs.Error{Code: errs.Unavailable, Message: msgUnavailable}
		if after := opaquetoken.RetryAfter(err); after > 0 {
			e.Details = RetryAfter{Seconds: int(after / time.Second)}
		}
		return e
	}
	return &errs.Error{Code: errs.Unauthenticated, Message: msgUnauthenticated}
}

// RetryAfter is the details of a 503 that says when to retry: Encore's
// auth handler cannot set a Retry-After header, so the body carries it:
// {"code":"unavailable",...,"details":{"retryAfterSeconds":1}}.
type RetryAfter struct {
	Seconds int `json:"retryAfterSeconds"`
}

// ErrDetails marks RetryAfter as errs.Error details.
func (RetryAfter) ErrDetails() {}

// IsOutage reports whether an Authenticate error is ours or Clerk's to fix,
// worth an error-level log line, rather than the request's.
func IsOutage(err error) bool {
	return clerkauth.Reason(err) == authmetrics.ReasonClerkUnavailable
}
