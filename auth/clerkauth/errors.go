package clerkauth

import (
	"errors"
	"fmt"
	"strings"

	"encore.app/auth/internal/clerkapi"
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

// maxQuoted bounds attacker-chosen text quoted in an error.
const maxQuoted = 64

// quote makes attacker-chosen text (alg, kid, typ, claim values) safe to
// put in a log line: at most maxQuoted bytes, control characters dropped,
// and quoted.
func quote(s string) string {
	if len(s) > maxQuoted {
		s = s[:maxQuoted]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
	return fmt.Sprintf("%q", s)
}
