package localclerk

import (
	"encoding/hex"
	"strings"
	"time"
)

// SessionTokenLifetime is how long a session token lives: 60 seconds, as
// Clerk's do (its frontend SDKs refresh them).
const SessionTokenLifetime = time.Minute

// Claims is a valid v2 session token payload for the user, issued now and
// expiring in SessionTokenLifetime like Clerk's, in the session
// "sess_<user ID>" and without an organization. Change or delete entries
// to make the token you need; SessionToken mints Clerk's full tokens.
func (c *Clerk) Claims(userID string) map[string]any {
	now := time.Now().Unix()
	claims := map[string]any{
		"exp": now + int64(SessionTokenLifetime/time.Second),
		"fva": []int{0, -1},
		"iat": now,
		"iss": c.Issuer,
		"nbf": now - 10,
		"sid": "sess_" + userID,
		"sub": userID,
		"v":   2,
	}
	if c.AuthorizedParty != "" {
		claims["azp"] = c.AuthorizedParty
	}
	return claims
}

// Token is a valid session token for the user, signed by the current key.
func (c *Clerk) Token(userID string) string {
	return c.Sign(c.Claims(userID))
}

// Sign mints a session token with the given claims, signed by the current
// key.
func (c *Clerk) Sign(claims map[string]any) string {
	return c.SigningKey().Sign(claims)
}

// M2MClaims is a valid payload of an M2M token in JWT form, as Clerk mints
// it for machineID, which may call the machines in mayCall: they are its
// aud and, space-separated, its scopes. Issued now, it expires in 5 minutes.
func (c *Clerk) M2MClaims(machineID string, mayCall ...string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"aud":    append([]string{}, mayCall...),
		"exp":    now + 300,
		"iat":    now,
		"iss":    c.Issuer,
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
func (c *Clerk) OAuthClaims(userID, clientID string, scopes ...string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"client_id": clientID,
		"exp":       now + 300,
		"iat":       now,
		"iss":       c.Issuer,
		"jti":       "oat_" + hex.EncodeToString(randomBytes(16)),
		"nbf":       now - 10,
		"scope":     strings.Join(scopes, " "),
		"sub":       userID,
	}
}

// SignM2M mints an M2M token in JWT form with the given claims, signed by
// the current key.
func (c *Clerk) SignM2M(claims map[string]any) string {
	k := c.SigningKey()
	return k.SignWithHeader(k.M2MHeader(), claims)
}

// SignOAuth mints an OAuth access token in JWT form with the given claims,
// signed by the current key.
func (c *Clerk) SignOAuth(claims map[string]any) string {
	k := c.SigningKey()
	return k.SignWithHeader(k.OAuthHeader(), claims)
}
