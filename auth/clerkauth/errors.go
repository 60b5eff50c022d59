package clerkauth

import (
	"errors"
	"fmt"
	"strconv"

	"encore.app/auth/internal/clerkapi"
	"encore.app/auth/internal/logtext"
)

// The errors Authenticate wraps; errors.Is tells them apart. Their text says
// what failed for the logs and never contains a token or a key.
var (
	// ErrNoCredentials: neither an Authorization header nor a __session cookie.
	ErrNoCredentials = errors.New("no session token")
	// ErrInvalidToken: the token is malformed, badly signed, expired, its
	// claims are not acceptable, or Clerk has ended its session.
	ErrInvalidToken = errors.New("invalid session token")
	// ErrClerkUnavailable: Clerk could not be asked (down, 5xx, 429, timed
	// out), so the token could be neither accepted nor refused. Errors of
	// the Users wrap it too.
	ErrClerkUnavailable = clerkapi.ErrUnavailable
	// ErrCanceled: the caller gave up (the client went away) while waiting
	// for Clerk: neither an outage nor a verdict on the token.
	ErrCanceled = clerkapi.ErrCanceled
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidToken}, args...)...)
}

// quote makes attacker-chosen text (alg, kid, typ, claim values) safe to
// put in an error, which becomes a log line: cleaned and quoted.
func quote(s string) string { return strconv.Quote(logtext.Clean(s)) }
