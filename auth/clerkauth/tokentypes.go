package clerkauth

import (
	"context"
	"fmt"
)

// OpaqueTokens verifies Clerk's opaque machine tokens (ak_, mt_, oat_);
// opaquetoken.Verifier is the one this app uses. Its errors wrap
// ErrInvalidToken, ErrClerkUnavailable or ErrCanceled, as Authenticate's.
type OpaqueTokens interface {
	Verify(ctx context.Context, token string) (*AuthData, error)
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
