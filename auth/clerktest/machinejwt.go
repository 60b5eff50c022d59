package clerktest

import (
	"encoding/hex"
	"strings"
	"time"
)

// OAuth access tokens in JWT form carry this typ, as RFC 9068 asks; Clerk's
// JS SDK also accepts "application/at+jwt".
const OAuthAccessTokenType = "at+jwt"

// M2MHeader is the JOSE header Clerk puts on M2M tokens in JWT form signed
// by k: {"alg":"RS256","cat":"cl_B7d4PD333AAA","kid":"ins_…","typ":"JWT"}.
func (k *Key) M2MHeader() map[string]any {
	return map[string]any{"alg": "RS256", "cat": CategoryM2MToken, "kid": k.ID, "typ": "JWT"}
}

// OAuthHeader is the JOSE header of Clerk's OAuth access tokens in JWT form
// signed by k: {"alg":"RS256","kid":"ins_…","typ":"at+jwt"}.
func (k *Key) OAuthHeader() map[string]any {
	return map[string]any{"alg": "RS256", "kid": k.ID, "typ": OAuthAccessTokenType}
}

// M2MClaims is a valid payload of an M2M token in JWT form, as Clerk mints
// it for machineID, which may call the machines in mayCall: they are its
// aud and, space-separated, its scopes. Issued now, it expires in 5 minutes.
func (s *Server) M2MClaims(machineID string, mayCall ...string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"aud":    append([]string{}, mayCall...),
		"exp":    now + 300,
		"iat":    now,
		"iss":    s.Issuer,
		"jti":    "mt_" + hex.EncodeToString(randomBytes(16)),
		"nbf":    now - 10,
		"scopes": strings.Join(mayCall, " "),
		"sub":    machineID,
	}
}

// OAuthClaims is a valid payload of an OAuth access token in JWT form,
// issued to the OAuth application clientID for userID with the scopes,
// space-separated in scope as Clerk writes them (its JS SDK also reads an
// scp array). Issued now, it expires in 5 minutes.
func (s *Server) OAuthClaims(userID, clientID string, scopes ...string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"client_id": clientID,
		"exp":       now + 300,
		"iat":       now,
		"iss":       s.Issuer,
		"jti":       "oat_" + hex.EncodeToString(randomBytes(16)),
		"nbf":       now - 10,
		"scope":     strings.Join(scopes, " "),
		"sub":       userID,
	}
}

// SignM2M mints an M2M token in JWT form with the given claims, signed by
// the current key.
func (s *Server) SignM2M(claims map[string]any) string {
	k := s.SigningKey()
	return k.SignWithHeader(k.M2MHeader(), claims)
}

// SignOAuth mints an OAuth access token in JWT form with the given claims,
// signed by the current key.
func (s *Server) SignOAuth(claims map[string]any) string {
	k := s.SigningKey()
	return k.SignWithHeader(k.OAuthHeader(), claims)
}
