package clerkauth

import (
	"cmp"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// session is what a verified JWT says about its holder: a session token's
// user, session and organization, or a machine JWT's subject and grants.
type session struct {
	// TokenType is TokenTypeSession, TokenTypeM2M or TokenTypeOAuth.
	TokenType string
	UserID    string
	SessionID string
	// MachineID is an M2M token's sub.
	MachineID string
	// Scopes are an OAuth token's scp or scope; TokenID is a machine JWT's
	// jti and ClientID an OAuth token's client_id.
	Scopes   []string
	TokenID  string
	ClientID string
	// The active organization, when the token names one.
	OrgID          string
	OrgSlug        string
	OrgRole        string
	OrgPermissions []string
	// Features and Plans are the fea and pla claims, split on commas (empty
	// entries kept, see splitList); nil when absent or empty.
	Features []string
	Plans    []string
	// FactorVerificationAge is the fva claim, nil unless it is two valid
	// ages (see factorAges).
	FactorVerificationAge []int
	// Email is the Config.EmailClaim claim; HasEmail is false when the token
	// does not carry it as a string.
	Email    string
	HasEmail bool
	// IssuedAt is the token's iat, in Unix seconds.
	IssuedAt int64
	// Expiry is the token's exp.
	Expiry time.Time
}

// authData is the AuthData of a request authenticated by s, with email.
// Slices are copies, so an endpoint that changes its AuthData cannot change
// the cached session; AuthData and its two factor ages are one allocation,
// as this runs for cached tokens too.
func (s *session) authData(email string) *AuthData {
	d := &struct {
		AuthData
		ages [2]int
	}{AuthData: AuthData{
		TokenType:      s.TokenType,
		Subject:        cmp.Or(s.UserID, s.MachineID),
		UserID:         s.UserID,
		MachineID:      s.MachineID,
		Scopes:         slices.Clone(s.Scopes),
		TokenID:        s.TokenID,
		ClientID:       s.ClientID,
		Email:          email,
		SessionID:      s.SessionID,
		OrgID:          s.OrgID,
		OrgSlug:        s.OrgSlug,
		OrgRole:        s.OrgRole,
		OrgPermissions: slices.Clone(s.OrgPermissions),
		Features:       slices.Clone(s.Features),
		Plans:          slices.Clone(s.Plans),
	}}
	if s.FactorVerificationAge != nil {
		d.FactorVerificationAge = d.ages[:copy(d.ages[:], s.FactorVerificationAge)]
	}
	return &d.AuthData
}

// verifier checks Clerk session tokens as Clerk's backend SDK does
// (verifyJwt and authenticateRequest in @clerk/backend), with the stricter
// checks of its manual verification guide: the signature with a key from
// a keySet, then the claims, read once by one strict reader (claims.go).
// The Go SDK's jwt.Verify is not used: its claim structs go through Go's
// case-insensitive JSON, refuse claims Clerk's backend reads (an fva it
// cannot decode fails the whole token) and wrap extreme times round.
type verifier struct {
	keys keySet
	// accepted holds Config.AcceptedTokenTypes: a JWT of another type is
	// refused before its key is fetched.
	accepted map[string]bool
	// machineID is Config.MachineID: an M2M JWT must name it.
	machineID         string
	issuer            string
	authorizedParties map[string]bool
	leeway            time.Duration
	now               func() time.Time
	emailClaim        string
	log               Logger
	// warnedEmail is set once a token's email claim was not a string.
	warnedEmail atomic.Bool
}

func newVerifier(keys keySet, cfg *Config) *verifier {
	var parties map[string]bool
	if len(cfg.AuthorizedParties) > 0 {
		parties = map[string]bool{}
		for _, p := range cfg.AuthorizedParties {
			parties[p] = true
		}
	}
	return &verifier{
		keys:              keys,
		accepted:          cfg.accepted,
		machineID:         cfg.MachineID,
		issuer:            cfg.Issuer,
		authorizedParties: parties,
		leeway:            cfg.Leeway,
		now:               cfg.Now,
		emailClaim:        cfg.EmailClaim,
		log:               cfg.Log,
	}
}

// Verify checks a compact session token and returns its session. Errors wrap
// ErrInvalidToken, or ErrClerkUnavailable or ErrCanceled when the keys could
// not be had. Each segment must be the one canonical spelling of its bytes,
// so that one token has one spelling, one cache entry and one RSA check;
// what can be refused without the key (header, spelling, a payload that is
// not a JSON object of well-spelled claims) is refused before any key is
// fetched.
func (v *verifier) Verify(ctx context.Context, token string) (*session, error) {
	headerSegment, payloadSegment, signatureSegment, err := checkTokenShape(token)
	if err != nil {
		return nil, err
	}
	header, err := checkHeader(headerSegment)
	if err != nil {
		return nil, err
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(payloadSegment)
	if err != nil {
		return nil, invalid("token payload is not canonical base64url")
	}
	signature, err := base64.RawURLEncoding.Strict().DecodeString(signatureSegment)
	if err != nil {
		return nil, invalid("token signature is not canonical base64url")
	}
	var c claims
	if err := c.read(payload, v.emailClaim); err != nil {
		return nil, err
	}
	tokenType, err := tokenKind(header, &c)
	if err != nil {
		return nil, err
	}
	if !v.accepted[tokenType] {
		return nil, invalid("token is an %s, which AcceptedTokenTypes does not include", tokenType)
	}
	key, err := v.keys.key(ctx, header.kid)
	if err != nil {
		return nil, err
	}
	rsaKey, isRSA := key.Key.(*rsa.PublicKey)
	if !isRSA {
		return nil, invalid("key %s is not an RSA key", quote(header.kid))
	}
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256 over the first two segments
	// as sent (RFC 7518, 3.3); checkHeader has pinned alg to it.
	digest := sha256.Sum256([]byte(token[:len(headerSegment)+1+len(payloadSegment)]))
	if err := rsa.VerifyPKCS1v15(rsaKey, crypto.SHA256, digest[:], signature); err != nil {
		return nil, invalid("token signature does not verify")
	}
	switch tokenType {
	case TokenTypeM2M:
		return v.m2mOf(&c, v.now())
	case TokenTypeOAuth:
		return v.oauthOf(&c, v.now())
	}
	return v.sessionOf(&c, v.now())
}

// splitList splits a comma-separated claim; nil when the claim is absent
// or empty. Empty entries are kept, not dropped: Clerk's has()
// (splitByScope in @clerk/shared's authorization.ts, fail-closed version)
// finds no scope in an empty entry and denies every check against the
// claim, and authorization.go answers the same only if it sees the entry.
func splitList(list []byte) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, 0, 1+strings.Count(string(list), ","))
	for {
		i := strings.IndexByte(string(list), ',')
		if i < 0 {
			return append(out, string(list))
		}
		out = append(out, string(list[:i]))
		list = list[i+1:]
	}
}
