// Package tokenerr is the refusal of a token shared by the packages that
// read one (clerkjwt, clerkcredential, clerkauth): one ErrInvalidToken, so
// that errors.Is holds across them, and one way to word and quote it.
package tokenerr

import (
	"errors"
	"fmt"
	"strconv"

	"encore.app/auth/internal/logtext"
)

// ErrInvalidToken: the token is malformed, badly signed, expired, its
// claims are not acceptable, or Clerk has ended its session. clerkauth
// exports it as clerkauth.ErrInvalidToken.
var ErrInvalidToken = errors.New("invalid session token")

// Invalid is an error wrapping ErrInvalidToken, its text formatted after
// the sentinel's.
func Invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidToken}, args...)...)
}

// Refuse is Invalid of a class: errors.Is finds class, and the text is
// Invalid's.
func Refuse(class error, format string, args ...any) error {
	return &classified{err: Invalid(format, args...), class: class}
}

// classified is an error that also wraps its class, silently.
type classified struct{ err, class error }

func (e *classified) Error() string   { return e.err.Error() }
func (e *classified) Unwrap() []error { return []error{e.err, e.class} }

// Quote makes attacker-chosen text (alg, kid, typ, claim values) safe to
// put in an error, which becomes a log line: cleaned and quoted.
func Quote(s string) string { return strconv.Quote(logtext.Clean(s)) }
