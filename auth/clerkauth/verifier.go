package clerkauth

import (
	"context"
	"encoding/base64"
	"strings"
	"sync/atomic"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
)

// session is what a verified session token says about its holder.
type session struct {
	UserID    string
	SessionID string
	// The active organization, when the token names one.
	OrgID          string
	OrgSlug        string
	OrgRole        string
	OrgPermissions []string
	// Features and Plans are the fea and pla claims, split on commas (empty
	// entries kept, see splitList); nil when absent or empty.
	Features []string
	Plans    []string
	// Email is the Config.EmailClaim claim; HasEmail is false when the token
	// does not carry it as a string.
	Email    string
	HasEmail bool
	// IssuedAt is the token's iat, in Unix seconds.
	IssuedAt int64
	// Expiry is the token's exp.
	Expiry time.Time
}

// verifier checks Clerk session tokens: the SDK's jwt.Verify with a key from
// a keySet, plus the checks of Clerk's own backend SDK and manual
// verification guide that the Go SDK leaves out or makes optional.
type verifier struct {
	keys              keySet
	issuer            string
	authorizedParties map[string]bool
	leeway            time.Duration
	clock             clerk.Clock
	azpHandler        jwt.AuthorizedPartyHandler
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
		issuer:            cfg.Issuer,
		authorizedParties: parties,
		leeway:            cfg.Leeway,
		clock:             clockFunc(cfg.Now),
		// A token without azp is accepted, as the README documents.
		azpHandler: func(azp string) bool {
			return azp == "" || parties == nil || parties[azp]
		},
		emailClaim: cfg.EmailClaim,
		log:        cfg.Log,
	}
}

type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// Verify checks a compact session token and returns its session. Errors wrap
// ErrInvalidToken, or ErrClerkUnavailable or ErrCanceled when the keys could
// not be had. Each segment must be the one canonical spelling of its bytes:
// go-jose decodes loosely and re-encodes before checking the signature, so
// otherwise one token would have several spellings, each a cache miss and
// an RSA check.
func (v *verifier) Verify(ctx context.Context, token string) (*session, error) {
	headerSegment, payloadSegment, signatureSegment, err := checkTokenShape(token)
	if err != nil {
		return nil, err
	}
	kid, err := checkHeader(headerSegment)
	if err != nil {
		return nil, err
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(payloadSegment)
	if err != nil {
		return nil, invalid("token payload is not canonical base64url")
	}
	if !isCanonicalBase64URL(signatureSegment) {
		return nil, invalid("token signature is not canonical base64url")
	}
	key, err := v.keys.key(ctx, kid)
	if err != nil {
		return nil, err
	}

	params := &jwt.VerifyParams{
		Token:                  token,
		JWK:                    key,
		Clock:                  v.clock,
		Leeway:                 v.leeway,
		AuthorizedPartyHandler: v.azpHandler,
	}
	if v.issuer != "" {
		// The SDK compares iss exactly to ProxyURL when one is given; that is
		// the exact issuer check we want, proxied or not.
		params.ProxyURL = &v.issuer
	}
	claims, err := jwt.Verify(ctx, params)
	if err != nil {
		return nil, invalid("%w", sdkError{err})
	}
	s, err := checkClaims(claims)
	if err != nil {
		return nil, err
	}
	// The signature covers exactly these payload bytes (the segment is
	// canonical), and jwt.Verify has parsed them as a JSON object.
	if err := v.readExtraClaims(payload, s); err != nil {
		return nil, err
	}
	return s, nil
}

// sdkError is an error of the SDK's jwt.Verify, whose text can carry the
// token's own words ("invalid issuer <iss>", "invalid authorized party
// <azp>", go-jose's "duplicate key '<key>'"): its text is quoted, and it
// stays reachable with errors.Is and errors.As.
type sdkError struct{ err error }

func (e sdkError) Error() string { return quote(e.err.Error()) }
func (e sdkError) Unwrap() error { return e.err }

// checkClaims makes the checks the SDK leaves out: exp and iat present (the
// SDK checks them only when present) and at most MaxTokenLifetime apart,
// sub and sid present, iss over https.
func checkClaims(c *clerk.SessionClaims) (*session, error) {
	switch {
	case c.Expiry == nil:
		return nil, invalid("token has no exp")
	case c.IssuedAt == nil:
		return nil, invalid("token has no iat")
	case *c.Expiry-*c.IssuedAt > int64(MaxTokenLifetime/time.Second):
		return nil, invalid("token lives %ds, longer than a session token may", *c.Expiry-*c.IssuedAt)
	case c.Subject == "":
		return nil, invalid("token has no sub")
	case !isClerkID(c.Subject):
		// A user ID goes into a Backend API path; keep it a plain identifier.
		return nil, invalid("token sub is not a Clerk ID")
	case c.SessionID == "":
		return nil, invalid("token has no sid")
	case !strings.HasPrefix(c.Issuer, "https://"):
		return nil, invalid("token iss %s is not https", quote(c.Issuer))
	}
	return &session{
		UserID:         c.Subject,
		SessionID:      c.SessionID,
		OrgID:          c.ActiveOrganizationID,
		OrgSlug:        c.ActiveOrganizationSlug,
		OrgRole:        c.ActiveOrganizationRole,
		OrgPermissions: c.ActiveOrganizationPermissions,
		IssuedAt:       *c.IssuedAt,
		Expiry:         time.Unix(*c.Expiry, 0),
	}, nil
}

// readExtraClaims reads the claims the SDK does not parse, in one pass over
// the payload: sts (a pending session is refused), fea and pla, and the
// email claim. Keys are matched exactly, as go-jose's JSON matches them.
// fea, pla and sts must be strings when present (the SDK already refuses a
// fea of another type); the email claim of another type is ignored, and
// logged once.
func (v *verifier) readExtraClaims(payload []byte, s *session) error {
	var status, features, plans, email []byte
	obj := objectReader{data: payload}
	obj.start()
	for {
		key, value, ok := obj.next()
		if !ok {
			break
		}
		switch string(key) {
		case "sts":
			status = value
		case "fea":
			features = value
		case "pla":
			plans = value
		}
		if v.emailClaim != "" && string(key) == v.emailClaim {
			email = value
		}
	}
	if obj.err {
		return invalid("token payload is not a JSON object")
	}
	var err error
	if status, err = optionalString("sts", status); err != nil {
		return err
	}
	if string(status) == "pending" {
		return invalid("session is pending")
	}
	if features, err = optionalString("fea", features); err != nil {
		return err
	}
	if plans, err = optionalString("pla", plans); err != nil {
		return err
	}
	s.Features, s.Plans = splitList(features), splitList(plans)
	if email != nil {
		if value, isString := jsonString(email); isString {
			s.Email, s.HasEmail = string(value), true
		} else if v.log != nil && v.warnedEmail.CompareAndSwap(false, true) {
			v.log.Warn("clerkauth: a session token's email claim is not a string: it is ignored and emails are looked up in Clerk; check Config.EmailClaim and the session token template in the Clerk dashboard",
				"claim", v.emailClaim, "type", jsonKind(email))
		}
	}
	return nil
}

// optionalString is a claim's string value; absent and null are "".
func optionalString(name string, value []byte) ([]byte, error) {
	if value == nil || string(value) == "null" {
		return nil, nil
	}
	s, isString := jsonString(value)
	if !isString {
		return nil, invalid("token %s is not a string", name)
	}
	return s, nil
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
