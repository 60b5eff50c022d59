package opaquetoken

import (
	"strings"

	"encore.app/auth/clerkauth"
)

// kind is one of Clerk's opaque machine tokens.
type kind struct {
	// prefix starts its secrets and its IDs.
	prefix string
	// tokenType is AuthData.TokenType for it.
	tokenType string
	// object is the object Clerk's verify endpoint answers with.
	object string
	// what names it in errors.
	what string
}

var (
	apiKey     = &kind{prefix: "ak_", tokenType: clerkauth.TokenTypeAPIKey, object: "api_key", what: "API key"}
	m2mToken   = &kind{prefix: "mt_", tokenType: clerkauth.TokenTypeM2M, object: "machine_to_machine_token", what: "M2M token"}
	oauthToken = &kind{prefix: "oat_", tokenType: clerkauth.TokenTypeOAuth, object: "clerk_idp_oauth_access_token", what: "OAuth access token"}
	kinds      = []*kind{apiKey, m2mToken, oauthToken}
)

// Bounds of what follows the prefix. Clerk's secrets carry at least 128
// random bits (22 base64 characters, 25 alphanumeric); none is near 128
// characters. Beyond the bounds a token is refused without asking Clerk.
const (
	minBodyLen = 20
	maxBodyLen = 128
)

// IsOpaqueToken reports whether the token claims by its prefix to be one of
// Clerk's opaque machine tokens (ak_, mt_, oat_), as the JS SDK's
// isMachineTokenByPrefix: such a token is Verify's to accept or refuse.
func IsOpaqueToken(token string) bool {
	_, ok := kindByPrefix(token)
	return ok
}

func kindByPrefix(token string) (*kind, bool) {
	for _, k := range kinds {
		if strings.HasPrefix(token, k.prefix) {
			return k, true
		}
	}
	return nil, false
}

// kindOf is the kind of a token of Clerk's shape: a known prefix, then
// 20 to 128 characters of the base64 alphabets (standard and URL-safe; the
// JS SDK's own test API key is standard base64), '=' only as padding.
// The shape says nothing of validity, only whether asking Clerk could.
func kindOf(token string) (*kind, error) {
	k, ok := kindByPrefix(token)
	if !ok {
		return nil, invalid("not an opaque machine token: no ak_, mt_ or oat_ prefix")
	}
	body := token[len(k.prefix):]
	if len(body) < minBodyLen || len(body) > maxBodyLen {
		return nil, invalid("%s of %d characters after %s: Clerk's have %d to %d", k.what, len(body), k.prefix, minBodyLen, maxBodyLen)
	}
	unpadded := strings.TrimRight(body, "=")
	if len(body)-len(unpadded) > 2 || strings.IndexFunc(unpadded, notBase64) >= 0 {
		return nil, invalid("%s with characters no Clerk token has", k.what)
	}
	return k, nil
}

func notBase64(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '+' || r == '/' || r == '-' || r == '_')
}
