package clerkjwt

import (
	"errors"
	"strings"
)

// Token types, named as Clerk's backend names them (TokenType in
// clerk/javascript, packages/backend/src/tokens/tokenTypes.ts).
const (
	TokenTypeSession = "session_token"
	TokenTypeAPIKey  = "api_key"
	TokenTypeM2M     = "m2m_token"
	TokenTypeOAuth   = "oauth_token"
)

// ErrTokenTypeNotAccepted: a token of a type Config.Accepted does not
// include. An error of it wraps ErrInvalidToken too.
var ErrTokenTypeNotAccepted = errors.New("token type not accepted")

// opaquePrefixes are the prefixes of Clerk's opaque machine tokens, by
// type (MACHINE_TOKEN_PREFIXES in tokens/machine.ts).
var opaquePrefixes = [...]struct{ prefix, tokenType string }{
	{"ak_", TokenTypeAPIKey},
	{"mt_", TokenTypeM2M},
	{"oat_", TokenTypeOAuth},
}

// OpaqueType is the type an opaque machine token claims by its prefix; ok
// is false for anything else (a JWT, or garbage). No JWT has such a prefix.
func OpaqueType(token string) (tokenType string, ok bool) {
	for _, p := range opaquePrefixes {
		if strings.HasPrefix(token, p.prefix) {
			return p.tokenType, true
		}
	}
	return "", false
}
