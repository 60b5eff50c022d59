package preferences

import (
	"errors"

	"encore.dev/beta/errs"

	"encore.app/internal/storeerr"
)

// MsgUnavailable is the text clients see when the database cannot be used
// for now (the 503 of storeerr.APIError): the same whatever the cause, which
// is only logged.
const MsgUnavailable = "preferences are temporarily unavailable, please retry"

// MsgUserDeleted is the text of the 404 a deleted user's requests get.
const MsgUserDeleted = "this user was deleted"

// ErrUserDeleted is the Store's error for a user whose deletion it has
// applied: their preferences are gone and cannot be read or written again.
var ErrUserDeleted = errors.New("preferences: the user was deleted")

// APIError is the *errs.Error an endpoint returns for an error of the Store
// (err must not be nil). ErrUserDeleted is 404 not_found, MsgUserDeleted,
// not logged: Encore's error codes have no 410 Gone, and not_found is what
// the resource is; the message tells it apart from a wrong path. Any other
// error is storeerr.Logged's answer, logged as "<op> failed" with the user.
func APIError(op string, err error, userID string) *errs.Error {
	if errors.Is(err, ErrUserDeleted) {
		return &errs.Error{Code: errs.NotFound, Message: MsgUserDeleted}
	}
	return storeerr.Logged(op, err, MsgUnavailable, "user_id", userID)
}
