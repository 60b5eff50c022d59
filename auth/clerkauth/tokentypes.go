package clerkauth

import (
	"context"
	"fmt"
	"strings"
)

// OpaqueTokens verifies Clerk's opaque machine tokens (ak_, mt_, oat_);
// opaquetoken.Verifier is the one this app uses. Its errors wrap
// ErrInvalidToken, ErrClerkUnavailable or ErrCanceled, as Authenticate's.
type OpaqueTokens interface {
	Verify(ctx context.Context, token string) (*AuthData, error)
}

// opaquePrefixes are the prefixes of Clerk's opaque machine tokens, by
// type (MACHINE_TOKEN_PREFIXES in tokens/machine.ts).
var opaquePrefixes = [...]struct{ prefix, tokenType string }{
	{"ak_", TokenTypeAPIKey},
	{"mt_", TokenTypeM2M},
	{"oat_", TokenTypeOAuth},
}

// opaqueTokenType is the type an opaque machine token claims by its
// prefix; ok is false for anything else (a JWT, or garbage).
func opaqueTokenType(token string) (tokenType string, ok bool) {
	for _, p := range opaquePrefixes {
		if strings.HasPrefix(token, p.prefix) {
			return p.tokenType, true
		}
	}
	return "", false
}

// acceptedTokenTypes is Config.AcceptedTokenTypes as a set: session tokens
// alone when empty. Machine token types need an OpaqueTokens.
func acceptedTokenTypes(types []string, hasOpaque bool) (map[string]bool, error) {
	if len(types) == 0 {
		types = []string{TokenTypeSession}
	}
	set := map[string]bool{}
	for _, t := range types {
		switch t {
		case TokenTypeSession:
		case TokenTypeAPIKey, TokenTypeM2M, TokenTypeOAuth:
			if !hasOpaque {
				return nil, fmt.Errorf("AcceptedTokenTypes includes %s but Config.OpaqueTokens is nil", t)
			}
		default:
			return nil, fmt.Errorf("AcceptedTokenTypes entry %q is not one of %s, %s, %s, %s", t, TokenTypeSession, TokenTypeAPIKey, TokenTypeM2M, TokenTypeOAuth)
		}
		set[t] = true
	}
	return set, nil
}
