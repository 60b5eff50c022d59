// Package clerkcredential finds a request's Clerk credential: the bearer
// token of its Authorization header or, when that is blank, the session
// token of the Cookie header with its __client_uat, read by the cookie
// names and rules of Clerk's backend. It does not verify the token.
package clerkcredential

import (
	"errors"
	"strings"
	"time"

	"encore.app/auth/internal/tokenerr"
)

// maxTokenBytes bounds the credential accepted before any hashing or
// parsing: Clerk's session tokens are well under 2 KiB, and a cap keeps
// hostile input cheap.
const maxTokenBytes = 8 << 10

// ErrNoCredentials: neither an Authorization header nor a __session
// cookie. clerkauth exports it as clerkauth.ErrNoCredentials.
var ErrNoCredentials = errors.New("no session token")

// Credential is credential for a whole request, given its Authorization
// and Cookie headers: the header's token, or, when the header is blank,
// the session cookie of the pair r picks out of the Cookie header, with
// that pair's __client_uat. The cookies are not even parsed when the
// header is there, so a hostile Cookie header costs a header-token request
// nothing. now is the clock of the cookie rules. Errors wrap
// ErrNoCredentials or ErrInvalidToken.
func (r *Reader) Credential(authorization, cookie string, now func() time.Time) (token, clientUAT string, fromCookie bool, err error) {
	var pair sessionCookies
	if strings.TrimSpace(authorization) == "" {
		if pair, err = r.read(cookie, now()); err != nil {
			return "", "", false, err
		}
	}
	token, fromCookie, err = credential(authorization, pair.session)
	return token, pair.clientUAT, fromCookie, err
}

// credential picks the session token out of the Authorization header value
// and the __session cookie value: the header wins when it is present, and
// its scheme must be Bearer (matched case-insensitively, surrounding space
// tolerated). fromCookie says where the token came from: cookie tokens get
// the checks of an ambient credential.
//
// This is the one length check: it comes before the token is hashed for the
// verified-token cache and before any parsing. The shape check is deferred
// to the verifier, since a token found in the cache was checked when it was
// verified.
func credential(authorization, sessionCookie string) (token string, fromCookie bool, err error) {
	token, fromCookie = strings.TrimSpace(sessionCookie), true
	if value := strings.TrimSpace(authorization); value != "" {
		scheme, rest, found := strings.Cut(value, " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return "", false, tokenerr.Invalid("authorization scheme is not Bearer")
		}
		token, fromCookie = strings.TrimSpace(rest), false
	}
	if token == "" {
		return "", false, ErrNoCredentials
	}
	if len(token) > maxTokenBytes {
		return "", false, tokenerr.Invalid("token longer than %d bytes", maxTokenBytes)
	}
	return token, fromCookie, nil
}
