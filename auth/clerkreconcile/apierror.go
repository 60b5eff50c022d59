package clerkreconcile

import (
	"context"
	"errors"

	"encore.dev/beta/errs"

	"encore.app/internal/storeerr"
)

// The texts POST /auth/reconcile answers a failed pass with; the cause is
// only logged.
const (
	msgRunning  = "a reconciliation pass is already running; retry when it has finished"
	msgClerk    = "Clerk could not be asked; the pass stopped there and marked nothing more deleted: retry later"
	msgDatabase = "the database is unavailable; the pass stopped there: retry later"
	msgCanceled = "the pass was canceled"
)

// APIError is what an endpoint returns for Run's error: 409 aborted while
// another pass runs; 503 unavailable when Clerk or the database failed;
// 499 canceled; 500 otherwise. counts rides along as the details, so the
// caller sees what the pass did before it stopped.
func APIError(err error, counts Counts) *errs.Error {
	e := &errs.Error{Details: counts}
	switch {
	case errors.Is(err, ErrRunning):
		e.Code, e.Message = errs.Aborted, msgRunning
	case errors.Is(err, context.Canceled):
		e.Code, e.Message = errs.Canceled, msgCanceled
	case errors.Is(err, ErrClerkUnavailable):
		e.Code, e.Message = errs.Unavailable, msgClerk
	case storeerr.Unavailable(err):
		e.Code, e.Message = errs.Unavailable, msgDatabase
	default:
		e.Code, e.Message = errs.Internal, storeerr.MsgInternal
	}
	return e
}
