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
	if strings.TrimSpace(authorization) != "" {
		return TokenFromHeader(authorization)
	}
	token := strings.TrimSpace(sessionCookie)
	if token == "" {
		return "", ErrNoCredentials
	}
	return checkTokenShape(token)
}

// TokenFromHeader strips the Bearer scheme, matched case-insensitively with
// surrounding space tolerated, from an Authorization header value. Any other
// scheme is refused.
func TokenFromHeader(authorization string) (string, error) {
	value := strings.TrimSpace(authorization)
	if value == "" {
		return "", ErrNoCredentials
	}
	scheme, token, found := strings.Cut(value, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", invalid("authorization scheme is not Bearer")
	}
	return checkTokenShape(strings.TrimSpace(token))
}

// checkTokenShape refuses what cannot be a compact JWS before any decoding:
// too long, not three non-empty base64url segments. This also keeps the JSON
// serialization, which go-jose would otherwise accept, out of the verifier.
func checkTokenShape(token string) (string, error) {
	if token == "" {
		return "", ErrNoCredentials
	}
	if len(token) > MaxTokenBytes {
		return "", invalid("token longer than %d bytes", MaxTokenBytes)
	}
	segments := strings.Split(token, ".")
	if len(segments) != 3 {
		return "", invalid("token has %d segments, want 3", len(segments))
	}
	for _, segment := range segments {
		if segment == "" {
			return "", invalid("token has an empty segment")
		}
		if strings.IndexFunc(segment, notBase64URL) >= 0 {
			return "", invalid("token has a character outside base64url")
		}
	}
	return token, nil
}

func notBase64URL(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_')
}
