// Package storeerr holds the errors of the app's plain store packages
// (user/preferences, org/orgsettings) as clients see them: one type for a
// refused field, one classification of database failures, and one mapping
// to the *errs.Error an endpoint returns, so that every store answers the
// same status for the same failure.
package storeerr

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"slices"
	"strings"

	"encore.dev/beta/errs"
	"encore.dev/rlog"
	"github.com/jackc/pgx/v5/pgconn"
)

// MsgInternal is the text clients see for a 500: the same whatever the
// cause, which is only logged.
const MsgInternal = "an internal error occurred"

// InvalidFieldError is the error of a store's Update (and Patch.Validate)
// for a field whose value is refused. Its text names the field and says
// what is expected; it never repeats the value, so it is safe to show.
type InvalidFieldError struct {
	Field  string // the JSON name, such as "timezone" or "displayName"
	Reason string
}

func (e *InvalidFieldError) Error() string {
	return "invalid " + e.Field + ": " + e.Reason
}

// APIError is the *errs.Error an endpoint returns for an error of a store
// (err must not be nil):
//   - an *InvalidFieldError: 400 invalid_argument, its text naming the field
//     ("invalid timezone: must be an IANA time zone name ...");
//   - the database unreachable, timed out, shutting down or too busy:
//     503 unavailable, unavailableMessage (each store says what is
//     unavailable);
//   - anything else: 500 internal, MsgInternal.
//
// The cause of a 503 or 500 is for the logs only.
func APIError(err error, unavailableMessage string) *errs.Error {
	var invalid *InvalidFieldError
	if errors.As(err, &invalid) {
		return &errs.Error{Code: errs.InvalidArgument, Message: invalid.Error()}
	}
	if Unavailable(err) {
		return &errs.Error{Code: errs.Unavailable, Message: unavailableMessage}
	}
	return &errs.Error{Code: errs.Internal, Message: MsgInternal}
}

// logError is rlog.Error, which panics outside the Encore runtime; tests
// replace it to see what Logged logs.
var logError = rlog.Error

// Logged is APIError(err, unavailableMessage), with err logged as
// "<op> failed" under keysAndValues (such as "user_id", id) followed by the
// code and err, since the client sees nothing of the cause. A 400 is not
// logged: the client's own input is at fault and its answer says why.
func Logged(op string, err error, unavailableMessage string, keysAndValues ...any) *errs.Error {
	e := APIError(err, unavailableMessage)
	if e.Code != errs.InvalidArgument {
		logError(op+" failed", slices.Concat(keysAndValues, []any{"code", e.Code.String(), "err", err})...)
	}
	return e
}

// Unavailable reports whether err says the database could not be used for
// now (a retry may succeed), rather than that the request or the code is
// wrong.
func Unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// The server answered; only some of its answers mean "later".
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"), // insufficient resources
			strings.HasPrefix(pgErr.Code, "57"), // operator intervention: shutdown, query canceled
			strings.HasPrefix(pgErr.Code, "40"), // serialization failure, deadlock
			pgErr.Code == "55P03":               // lock not available
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) ||
		errors.As(err, &netErr) ||
		pgconn.Timeout(err) ||
		pgconn.SafeToRetry(err) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}
