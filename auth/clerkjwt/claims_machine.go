package clerkjwt

import (
	"slices"
	"strings"
	"time"

	"encore.app/auth/internal/jsonscan"
	"encore.app/auth/internal/tokenerr"
)

// tokenKind is the type of a JWT, decided as Clerk's backend decides it
// (getMachineTokenType and verifyMachineAuthToken in tokens/machine.ts and
// tokens/verify.ts) before anything is verified: a sub of mch_ makes an
// M2M token, else an at+jwt typ an OAuth access token, else a session
// token. Each kind then allows only its own header: an M2M token's cat is
// absent or M2M's and its typ JWT (verifyM2MJwt, verifyJwt's default
// header type); a session token's cat is absent or a session's
// (isNonSessionJwtCategory); an OAuth token's cat is anything but M2M's.
// verifyOAuthJwt does not look at cat, so Clerk's backend would take an
// at+jwt token with the M2M cat and a user's sub for an OAuth token; it is
// refused here, as that cat says the token is an M2M token, whose sub is a
// machine. So no token passes as another kind.
func tokenKind(h tokenHeader, c *claims) (string, error) {
	sub, err := stringValue("sub", c.raw[claimSub])
	if err != nil {
		return "", err
	}
	switch {
	case strings.HasPrefix(sub, machinePrefix):
		if h.accessToken || h.category == categorySession {
			return "", tokenerr.Invalid("token sub %s is a machine's, but its header is not an M2M token's", tokenerr.Quote(sub))
		}
		return TokenTypeM2M, nil
	case h.category == categoryM2M:
		return "", tokenerr.Invalid("token cat is an M2M token's, but its sub %s is not a machine", tokenerr.Quote(sub))
	case h.accessToken:
		return TokenTypeOAuth, nil
	}
	return TokenTypeSession, nil
}

// machinePrefix starts machine IDs (mch_…), and so M2M tokens' sub.
const machinePrefix = "mch_"

// IsMachineID reports whether s is a machine ID: mch_ and a plain
// identifier after it.
func IsMachineID(s string) bool {
	return len(s) > len(machinePrefix) && strings.HasPrefix(s, machinePrefix) && isClerkID(s)
}

// m2mOf checks the claims of an M2M JWT whose signature verified: the
// times with the leeway (no lifetime bound: Clerk lets a machine choose
// its token's lifetime, and such tokens cannot be revoked anyway), the
// issuer, a machine sub, and, with Config.MachineID, that the machines it
// may call include this one. Clerk's M2MToken.fromJwtPayload reads those
// machines from scopes (space-separated) or, failing that, aud.
func (v *Verifier) m2mOf(c *claims, now time.Time) (*Token, error) {
	s := &Token{TokenType: TokenTypeM2M}
	var err error
	if s.IssuedAt, s.Expiry, err = v.checkTimes(c, now, 0); err != nil {
		return nil, err
	}
	if err = v.checkIssuer(c); err != nil {
		return nil, err
	}
	if s.MachineID, err = stringValue("sub", c.raw[claimSub]); err != nil {
		return nil, err
	}
	if !IsMachineID(s.MachineID) {
		return nil, tokenerr.Invalid("token sub is not a machine ID")
	}
	if s.TokenID, err = tokenID(c); err != nil {
		return nil, err
	}
	callees, err := m2mScopes(c)
	if err != nil {
		return nil, err
	}
	if v.machineID != "" && !slices.Contains(callees, v.machineID) {
		return nil, tokenerr.Invalid("M2M token of %s may not call this machine %s", s.MachineID, v.machineID)
	}
	return s, nil
}

// m2mScopes are the machines an M2M token may call: scopes split on
// spaces, else aud (a string or an array of strings).
func m2mScopes(c *claims) ([]string, error) {
	scopes, err := optionalString("scopes", c.raw[claimScopes])
	if err != nil || scopes != nil {
		return splitSpaces(scopes), err
	}
	if aud, isString := jsonscan.String(c.raw[claimAud]); isString {
		return []string{string(aud)}, nil
	}
	return stringArray("aud", c.raw[claimAud])
}

// oauthOf checks the claims of an OAuth access token (RFC 9068) whose
// signature verified: the times with the leeway, the issuer, a user sub,
// and its scopes, from scp (an array) or else scope (space-separated), as
// Clerk's IdPOAuthAccessToken.fromJwtPayload reads them.
func (v *Verifier) oauthOf(c *claims, now time.Time) (*Token, error) {
	s := &Token{TokenType: TokenTypeOAuth}
	var err error
	if s.IssuedAt, s.Expiry, err = v.checkTimes(c, now, 0); err != nil {
		return nil, err
	}
	if err = v.checkIssuer(c); err != nil {
		return nil, err
	}
	if s.UserID, err = subject(c); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(s.UserID, "user_") {
		// An OAuth access token acts for the user who granted it, as the
		// opaque form's subject must too (opaquetoken).
		return nil, tokenerr.Invalid("OAuth token sub %s is not a user", s.UserID)
	}
	if s.TokenID, err = tokenID(c); err != nil {
		return nil, err
	}
	if s.ClientID, err = stringValue("client_id", c.raw[claimClientID]); err != nil {
		return nil, err
	}
	if s.ClientID == "" {
		return nil, tokenerr.Invalid("OAuth token has no client_id")
	}
	if isNull(c.raw[claimScp]) {
		scope, err := optionalString("scope", c.raw[claimScope])
		if err != nil {
			return nil, err
		}
		s.Scopes = splitSpaces(scope)
	} else if s.Scopes, err = stringArray("scp", c.raw[claimScp]); err != nil {
		return nil, err
	}
	return s, nil
}

// tokenID is a machine JWT's jti: optional, and a plain identifier when
// present, since it reaches logs and endpoints as AuthData.TokenID.
func tokenID(c *claims) (string, error) {
	jti, err := stringValue("jti", c.raw[claimJti])
	if err != nil {
		return "", err
	}
	if jti != "" && !isClerkID(jti) {
		return "", tokenerr.Invalid("token jti is not an identifier")
	}
	return jti, nil
}

// splitSpaces splits a space-separated claim as Clerk's backend does,
// split(' '): on the space alone, so "a\tb" is one entry, not the two
// strings.Fields would make of it and grant. Empty entries, which name no
// scope or machine, are dropped; nil when there are none.
func splitSpaces(list []byte) []string {
	var out []string
	for _, entry := range strings.Split(string(list), " ") {
		if entry != "" {
			out = append(out, entry)
		}
	}
	return out
}
