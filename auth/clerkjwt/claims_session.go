package clerkjwt

import (
	"strings"
	"time"

	"encore.app/auth/internal/jsonscan"
	"encore.app/auth/internal/tokenerr"
)

// sessionOf checks the claims of a session token whose signature verified,
// at now, and returns its session. The checks are Clerk's backend SDK's
// (verifyJwt's assertions and authenticateRequest in @clerk/backend), made
// stricter where its manual verification guide or this package's own
// bounds ask; docs/security.md lists each with its reference.
func (v *Verifier) sessionOf(c *claims, now time.Time) (*Token, error) {
	s := &Token{TokenType: TokenTypeSession}
	var err error
	if err = v.checkParties(c); err != nil {
		return nil, err
	}
	if err = v.checkIssuer(c); err != nil {
		return nil, err
	}
	if s.IssuedAt, s.Expiry, err = v.checkTimes(c, now, MaxTokenLifetime); err != nil {
		return nil, err
	}
	if s.UserID, err = subject(c); err != nil {
		return nil, err
	}
	if s.SessionID, err = stringValue("sid", c.raw[claimSid]); err != nil {
		return nil, err
	}
	if s.SessionID == "" {
		return nil, tokenerr.Invalid("token has no sid")
	}
	status, err := optionalString("sts", c.raw[claimSts])
	if err != nil {
		return nil, err
	}
	if string(status) == "pending" {
		// authenticateRequest's toAuth treats a pending session as signed
		// out (treatPendingAsSignedOut, on by default).
		return nil, tokenerr.Invalid("session is pending")
	}
	features, err := optionalString("fea", c.raw[claimFea])
	if err != nil {
		return nil, err
	}
	plans, err := optionalString("pla", c.raw[claimPla])
	if err != nil {
		return nil, err
	}
	s.Features, s.Plans = splitList(features), splitList(plans)
	if err := readOrganization(c, s); err != nil {
		return nil, err
	}
	s.FactorVerificationAge = factorAges(c.raw[claimFva])
	v.readEmail(c.custom, s)
	return s, nil
}

// subject is the user a session token is for: sub, a Clerk ID, and not a
// machine's. Clerk's authenticateRequest answers a token whose sub starts
// with mch_ (isM2MJwt in tokens/machine.ts) as a token-type mismatch,
// before and whatever its cat says.
func subject(c *claims) (string, error) {
	sub, err := stringValue("sub", c.raw[claimSub])
	switch {
	case err != nil:
		return "", err
	case sub == "":
		return "", tokenerr.Invalid("token has no sub")
	case !isClerkID(sub):
		// A user ID goes into a Backend API path; keep it a plain identifier.
		return "", tokenerr.Invalid("token sub is not a Clerk ID")
	case strings.HasPrefix(sub, "mch_"):
		return "", tokenerr.Invalid("token sub %s is a machine's: an M2M token, not a session token", sub)
	}
	return sub, nil
}

// checkParties is Clerk's assertAuthorizedPartiesClaim: with authorized
// parties set, azp must be one of them, and a token without azp is
// refused (Clerk's backend accepted one until it closed that gap); without
// them azp is not looked at beyond its type.
func (v *Verifier) checkParties(c *claims) error {
	azp, err := stringValue("azp", c.raw[claimAzp])
	switch {
	case err != nil:
		return err
	case v.authorizedParties == nil:
		return nil
	case azp == "":
		return tokenerr.Invalid("token has no azp, and authorized parties are set")
	case !v.authorizedParties[azp]:
		return tokenerr.Invalid("token azp %s is not an authorized party", tokenerr.Quote(azp))
	}
	return nil
}

// checkIssuer checks iss: https, and exactly Config.Issuer when set,
// otherwise a Clerk Frontend API URL as the Go SDK's isValidIssuer
// recognises one. Clerk's backend checks iss only when given an issuer.
func (v *Verifier) checkIssuer(c *claims) error {
	iss, err := stringValue("iss", c.raw[claimIss])
	switch {
	case err != nil:
		return err
	case !strings.HasPrefix(iss, "https://"):
		return tokenerr.Invalid("token iss %s is not https", tokenerr.Quote(iss))
	case v.issuer != "" && iss != v.issuer:
		return tokenerr.Invalid("token iss %s is not the configured issuer", tokenerr.Quote(iss))
	case v.issuer == "" && !strings.HasPrefix(iss, "https://clerk.") && !strings.Contains(iss, ".clerk.accounts"):
		return tokenerr.Invalid("token iss %s is not a Clerk Frontend API URL", tokenerr.Quote(iss))
	}
	return nil
}

// checkTimes checks exp, nbf and iat as Clerk's assertExpirationClaim,
// assertActivationClaim and assertIssuedAtClaim do, in milliseconds with
// the leeway as their clock skew: expired when exp <= now - leeway, early
// when nbf or iat > now + leeway. exp and iat must be present (Clerk's
// backend lets iat be absent), and at most maxLifetime apart unless it is 0.
func (v *Verifier) checkTimes(c *claims, now time.Time, maxLifetime time.Duration) (iat int64, expiry time.Time, err error) {
	exp, hasExp, err := numericDate("exp", c.raw[claimExp])
	if err != nil {
		return 0, time.Time{}, err
	}
	iat, hasIat, err := numericDate("iat", c.raw[claimIat])
	if err != nil {
		return 0, time.Time{}, err
	}
	nbf, hasNbf, err := numericDate("nbf", c.raw[claimNbf])
	if err != nil {
		return 0, time.Time{}, err
	}
	// numericDate bounds each to 8.64e12 s: in milliseconds, or as a
	// difference, none can overflow.
	nowMs, skew := now.UnixMilli(), v.leeway.Milliseconds()
	switch {
	case !hasExp:
		return 0, time.Time{}, tokenerr.Invalid("token has no exp")
	case !hasIat:
		return 0, time.Time{}, tokenerr.Invalid("token has no iat")
	case exp*1000 <= nowMs-skew:
		return 0, time.Time{}, tokenerr.Invalid("token expired at %d", exp)
	case hasNbf && nbf*1000 > nowMs+skew:
		return 0, time.Time{}, tokenerr.Invalid("token not valid before %d", nbf)
	case iat*1000 > nowMs+skew:
		return 0, time.Time{}, tokenerr.Invalid("token issued in the future, at %d", iat)
	case maxLifetime > 0 && exp-iat > int64(maxLifetime/time.Second):
		return 0, time.Time{}, tokenerr.Invalid("token lives %ds, longer than a session token may", exp-iat)
	}
	return iat, time.Unix(exp, 0), nil
}

// readEmail reads the Config.EmailClaim claim: a string, or ignored (and
// logged once) as a misconfiguration.
func (v *Verifier) readEmail(raw []byte, s *Token) {
	if raw == nil {
		return
	}
	if value, isString := jsonscan.String(raw); isString {
		s.Email, s.HasEmail = string(value), true
	} else if v.log != nil && v.warnedEmail.CompareAndSwap(false, true) {
		v.log.Warn("clerkauth: a session token's email claim is not a string: it is ignored and emails are looked up in Clerk; check Config.EmailClaim and the session token template in the Clerk dashboard",
			"claim", v.emailClaim, "type", jsonscan.Kind(raw))
	}
}
