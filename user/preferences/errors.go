package preferences

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"encore.dev/beta/errs"
	"github.com/jackc/pgx/v5/pgconn"
)

// The texts clients see for a failure of the database: the same whatever
// the cause, which is only logged.
const (
	MsgUnavailable = "preferences are temporarily unavailable, please retry"
	MsgInternal    = "an internal error occurred"
)

// APIError is the *errs.Error the user service returns for an error of the
// Store (err must not be nil):
//   - an *InvalidFieldError: 400 invalid_argument, its text naming the field
//     ("invalid timezone: must be an IANA time zone name ...");
//   - the database unreachable, timed out, shutting down or too busy:
//     503 unavailable, MsgUnavailable;
//   - anything else: 500 internal, MsgInternal.
//
// The cause of a 503 or 500 is for the logs only.
func APIError(err error) *errs.Error {
	var invalid *InvalidFieldError
	if errors.As(err, &invalid) {
		return &errs.Error{Code: errs.InvalidArgument, Message: invalid.Error()}
	}
	if Unavailable(err) {
		return &errs.Error{Code: errs.Unavailable, Message: MsgUnavailable}
	}
	return &errs.Error{Code: errs.Internal, Message: MsgInternal}
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
