package clerkjwt

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync/atomic"
	"time"

	"encore.app/auth/clerkjwks"
	"encore.app/auth/internal/compactjws"
	"encore.app/auth/internal/tokenerr"
)

// Token is what a verified JWT says about its holder: a session token's
// user, session and organization, or a machine JWT's subject and grants.
type Token struct {
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

// Verifier checks Clerk's JWTs as Clerk's backend SDK does
// (verifyJwt and authenticateRequest in @clerk/backend), with the stricter
// checks of its manual verification guide: the signature with a key from
// a key set, then the claims, read once by one strict reader (claims.go).
// The Go SDK's jwt.Verify is not used: its claim structs go through Go's
// case-insensitive JSON, refuse claims Clerk's backend reads (an fva it
// cannot decode fails the whole token) and wrap extreme times round.
type Verifier struct {
	keys clerkjwks.KeySet
	// accepted is Config.Accepted.
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

// New is a Verifier of the tokens keys verifies, checked as cfg says.
func New(keys clerkjwks.KeySet, cfg Config) *Verifier {
	var parties map[string]bool
	if len(cfg.AuthorizedParties) > 0 {
		parties = map[string]bool{}
		for _, p := range cfg.AuthorizedParties {
			parties[p] = true
		}
	}
	return &Verifier{
		keys:              keys,
		accepted:          cfg.Accepted,
		machineID:         cfg.MachineID,
		issuer:            cfg.Issuer,
		authorizedParties: parties,
		leeway:            cfg.Leeway,
		now:               cfg.Now,
		emailClaim:        cfg.EmailClaim,
		log:               cfg.Log,
	}
}

// Verify checks a compact JWT and returns what it says. Errors wrap
// tokenerr's ErrInvalidToken (clerkauth.ErrInvalidToken), or clerkapi's
// ErrUnavailable or ErrCanceled when the keys could not be had. Each segment must be the one canonical spelling of its bytes,
// so that one token has one spelling, one cache entry and one RSA check;
// what can be refused without the key (header, spelling, a payload that is
// not a JSON object of well-spelled claims) is refused before any key is
// fetched.
func (v *Verifier) Verify(ctx context.Context, token string) (*Token, error) {
	headerSegment, payloadSegment, signatureSegment, err := compactjws.Split(token)
	if err != nil {
		return nil, err
	}
	header, err := checkHeader(headerSegment)
	if err != nil {
		return nil, err
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(payloadSegment)
	if err != nil {
		return nil, tokenerr.Invalid("token payload is not canonical base64url")
	}
	signature, err := base64.RawURLEncoding.Strict().DecodeString(signatureSegment)
	if err != nil {
		return nil, tokenerr.Invalid("token signature is not canonical base64url")
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
		return nil, tokenerr.Refuse(ErrTokenTypeNotAccepted, "token is an %s, which AcceptedTokenTypes does not include", tokenType)
	}
	key, err := v.keys.Key(ctx, header.kid)
	if err != nil {
		return nil, err
	}
	rsaKey, isRSA := key.Key.(*rsa.PublicKey)
	if !isRSA {
		return nil, tokenerr.Invalid("key %s is not an RSA key", tokenerr.Quote(header.kid))
	}
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256 over the first two segments
	// as sent (RFC 7518, 3.3); checkHeader has pinned alg to it.
	digest := sha256.Sum256([]byte(token[:len(headerSegment)+1+len(payloadSegment)]))
	if err := rsa.VerifyPKCS1v15(rsaKey, crypto.SHA256, digest[:], signature); err != nil {
		return nil, tokenerr.Invalid("token signature does not verify")
	}
	switch tokenType {
	case TokenTypeM2M:
		return v.m2mOf(&c, v.now())
	case TokenTypeOAuth:
		return v.oauthOf(&c, v.now())
	}
	return v.sessionOf(&c, v.now())
}

// Accepts reports whether tokens of tokenType are verified at all
// (Config.Accepted).
func (v *Verifier) Accepts(tokenType string) bool { return v.accepted[tokenType] }

// AuthorizedParty reports whether origin is one of Config.AuthorizedParties.
func (v *Verifier) AuthorizedParty(origin string) bool { return v.authorizedParties[origin] }

// splitList splits a comma-separated claim; nil when the claim is absent
// or empty. Empty entries are kept, not dropped: Clerk's has()
// (splitByScope in @clerk/shared's authorization.ts, fail-closed version)
// finds no scope in an empty entry and denies every check against the
// claim, and clerkauth's Has methods answer the same only if they see the
// entry.
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
