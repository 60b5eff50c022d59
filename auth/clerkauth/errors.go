package clerkauth

import (
	"errors"

	"encore.app/auth/clerkcredential"
	"encore.app/auth/clerkjwt"
	"encore.app/auth/internal/clerkapi"
	"encore.app/auth/internal/tokenerr"
	"encore.app/internal/authmetrics"
)

// The errors Authenticate wraps; errors.Is tells them apart. Their text says
// what failed for the logs and never contains a token or a key.
var (
	// ErrNoCredentials: neither an Authorization header nor a __session cookie.
	ErrNoCredentials = clerkcredential.ErrNoCredentials
	// ErrInvalidToken: the token is malformed, badly signed, expired, its
	// claims are not acceptable, or Clerk has ended its session.
	ErrInvalidToken = tokenerr.ErrInvalidToken
	// ErrClerkUnavailable: Clerk could not be asked (down, 5xx, 429, timed
	// out), so the token could be neither accepted nor refused. Errors of
	// the Users wrap it too.
	ErrClerkUnavailable = clerkapi.ErrUnavailable
	// ErrCanceled: the caller gave up (the client went away) while waiting
	// for Clerk: neither an outage nor a verdict on the token.
	ErrCanceled = clerkapi.ErrCanceled
	// ErrUserNotFound: Clerk no longer has the user (it was deleted). Users
	// wraps it for such a user; a refusal of a deleted user's token wraps
	// it as well as ErrInvalidToken.
	ErrUserNotFound = errors.New("user not found")
)

// The classes of ErrInvalidToken that Reason tells apart. An error of one
// wraps ErrInvalidToken too, and its text does not show the class.
var (
	// ErrSessionRevoked: Clerk ended the token's session.
	ErrSessionRevoked = errors.New("session revoked")
	// ErrMembershipChanged: the token's organization claims are out of date.
	ErrMembershipChanged = errors.New("membership changed")
	// ErrCookieCheck: a token from a cookie refused by the checks of an
	// ambient credential: sent from another origin or cross-site, without
	// or before a signed-in __client_uat, or a machine token.
	ErrCookieCheck = errors.New("cookie check failed")
	// ErrTokenTypeNotAccepted: a token of a type AcceptedTokenTypes does
	// not include.
	ErrTokenTypeNotAccepted = clerkjwt.ErrTokenTypeNotAccepted
)

// Reason is the reason class of an Authenticate error, a label value of
// the refused requests' metric and the class of their log lines: one
// classification for both. Every error has one, unknown ones ReasonOther.
func Reason(err error) authmetrics.Reason {
	switch {
	// Canceled first: an error may wrap both it and an outage, and the
	// client gave up either way.
	case errors.Is(err, ErrCanceled):
		return authmetrics.ReasonCanceled
	case errors.Is(err, ErrClerkUnavailable):
		return authmetrics.ReasonClerkUnavailable
	case errors.Is(err, ErrNoCredentials):
		return authmetrics.ReasonNoCredentials
	case errors.Is(err, ErrSessionRevoked):
		return authmetrics.ReasonRevokedSession
	case errors.Is(err, ErrUserNotFound):
		return authmetrics.ReasonDeletedUser
	case errors.Is(err, ErrMembershipChanged):
		return authmetrics.ReasonMembershipChanged
	case errors.Is(err, ErrCookieCheck):
		return authmetrics.ReasonCookieCheck
	case errors.Is(err, ErrTokenTypeNotAccepted):
		return authmetrics.ReasonTokenTypeMismatch
	case errors.Is(err, ErrInvalidToken):
		return authmetrics.ReasonInvalidToken
	}
	return authmetrics.ReasonOther
}
