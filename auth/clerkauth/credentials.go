package clerkauth

import (
	"strings"
)

// MaxTokenBytes bounds the credential accepted before any parsing: Clerk's
// session tokens are well under 2 KiB, and a cap keeps hostile input cheap.
const MaxTokenBytes = 8 << 10

// TokenFromRequest picks the session token out of the Authorization header
// value and the __session cookie value. The header wins when it is present;
// the cookie is what Clerk's browser SDK sends on same-origin requests.
func TokenFromRequest(authorization, sessionCookie string) (string, error) {
	token, err := credential(authorization, sessionCookie)
	if err != nil {
		return "", err
	}
	if err := checkTokenShape(token); err != nil {
		return "", err
	}
	return token, nil
}

// TokenFromHeader strips the Bearer scheme, matched case-insensitively with
// surrounding space tolerated, from an Authorization header value. Any other
// scheme is refused.
func TokenFromHeader(authorization string) (string, error) {
	return TokenFromRequest(authorization, "")
}

// credential is TokenFromRequest without the shape check, which Authenticate
// defers until a token misses the verified-token cache: a token found there
// was checked when it was verified.
func credential(authorization, sessionCookie string) (string, error) {
	token := strings.TrimSpace(sessionCookie)
	if value := strings.TrimSpace(authorization); value != "" {
		scheme, rest, found := strings.Cut(value, " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return "", invalid("authorization scheme is not Bearer")
		}
		token = strings.TrimSpace(rest)
	}
	if token == "" {
		return "", ErrNoCredentials
	}
	if len(token) > MaxTokenBytes {
		return "", invalid("token longer than %d bytes", MaxTokenBytes)
	}
	return token, nil
}

// checkTokenShape refuses what cannot be a compact JWS before any decoding:
// too long, not three non-empty base64url segments. This also keeps the JSON
// serialization, which go-jose would otherwise accept, out of the verifier.
func checkTokenShape(token string) error {
	if len(token) > MaxTokenBytes {
		return invalid("token longer than %d bytes", MaxTokenBytes)
	}
	segments, segmentStart := 0, 0
	for i := 0; i <= len(token); i++ {
		if i < len(token) && token[i] != '.' {
			if !base64URL[token[i]] {
				return invalid("token has a character outside base64url")
			}
			continue
		}
		if i == segmentStart {
			return invalid("token has an empty segment")
		}
		segments, segmentStart = segments+1, i+1
	}
	if segments != 3 {
		return invalid("token has %d segments, want 3", segments)
	}
	return nil
}

// base64URL holds the bytes of the unpadded base64url alphabet.
var base64URL = func() (set [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		set[c] = true
	}
	return set
}()

// isClerkID reports whether s is a plain identifier such as user_2abc.
func isClerkID(s string) bool {
	for i := 0; i < len(s); i++ {
		if !base64URL[s[i]] {
			return false
		}
	}
	return s != ""
}
