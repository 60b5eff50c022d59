package clerkauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
)

// Session is what a verified session token says about its holder.
type Session struct {
	UserID    string
	SessionID string
	// The active organization, when the token names one.
	OrgID          string
	OrgSlug        string
	OrgRole        string
	OrgPermissions []string
	// Expiry is the token's exp.
	Expiry time.Time
}

// Verifier checks Clerk session tokens: the SDK's jwt.Verify with a key from
// a KeySet, plus the checks of Clerk's manual verification guide that the SDK
// leaves out or makes optional.
type Verifier struct {
	keys              KeySet
	issuer            string
	authorizedParties map[string]bool
	leeway            time.Duration
	clock             clerk.Clock
}

// NewVerifier is a Verifier that takes its keys from keys and its rules from
// cfg (Issuer, AuthorizedParties, Leeway, Now).
func NewVerifier(keys KeySet, cfg Config) (*Verifier, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newVerifier(keys, c), nil
}

func newVerifier(keys KeySet, cfg *Config) *Verifier {
	var parties map[string]bool
	if len(cfg.AuthorizedParties) > 0 {
		parties = map[string]bool{}
		for _, p := range cfg.AuthorizedParties {
			parties[p] = true
		}
	}
	return &Verifier{
		keys:              keys,
		issuer:            cfg.Issuer,
		authorizedParties: parties,
		leeway:            cfg.Leeway,
		clock:             clockFunc(cfg.Now),
	}
}

type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// header is the part of the JOSE header read before the key is known.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// extraClaims are Clerk claims the SDK does not parse.
type extraClaims struct {
	Status string `json:"sts"`
}

// Verify checks a compact session token and returns its session. Errors wrap
// ErrInvalidToken, or ErrClerkUnavailable when the keys could not be fetched.
func (v *Verifier) Verify(ctx context.Context, token string) (*Session, error) {
	if err := checkTokenShape(token); err != nil {
		return nil, err
	}
	encoded, _, _ := strings.Cut(token, ".")
	var h header
	raw, err := base64.RawURLEncoding.Strict().DecodeString(encoded)
	if err != nil || json.Unmarshal(raw, &h) != nil {
		return nil, invalid("token header is not base64url JSON")
	}
	// go-jose ignores the spare bits of a signature's last character, so
	// without this one signature would have several spellings.
	if _, err := base64.RawURLEncoding.Strict().DecodeString(token[strings.LastIndexByte(token, '.')+1:]); err != nil {
		return nil, invalid("token signature is not canonical base64url")
	}
	// Clerk signs with RS256 only; refusing anything else up front keeps
	// "none" and HMAC-with-a-public-key tricks away from the crypto.
	if h.Alg != "RS256" {
		return nil, invalid("token alg is %q, want RS256", h.Alg)
	}
	key, err := v.keys.Key(ctx, h.Kid)
	if err != nil {
		return nil, err
	}

	params := &jwt.VerifyParams{
		Token:                   token,
		JWK:                     key,
		Clock:                   v.clock,
		Leeway:                  v.leeway,
		CustomClaimsConstructor: func(context.Context) any { return &extraClaims{} },
		AuthorizedPartyHandler: func(azp string) bool {
			return azp == "" || v.authorizedParties == nil || v.authorizedParties[azp]
		},
	}
	if v.issuer != "" {
		// The SDK compares iss exactly to ProxyURL when one is given; that is
		// the exact issuer check we want, proxied or not.
		params.ProxyURL = &v.issuer
	}
	claims, err := jwt.Verify(ctx, params)
	if err != nil {
		return nil, invalid("%v", err)
	}
	return checkClaims(claims)
}

// checkClaims makes the checks the SDK leaves out: exp and iat present (the
// SDK checks them only when present), sub and sid present, iss over https,
// and a session that is not pending.
func checkClaims(c *clerk.SessionClaims) (*Session, error) {
	switch {
	case c.Expiry == nil:
		return nil, invalid("token has no exp")
	case c.IssuedAt == nil:
		return nil, invalid("token has no iat")
	case c.Subject == "":
		return nil, invalid("token has no sub")
	case !isClerkID(c.Subject):
		// A user ID goes into a Backend API path; keep it a plain identifier.
		return nil, invalid("token sub is not a Clerk ID")
	case c.SessionID == "":
		return nil, invalid("token has no sid")
	case !strings.HasPrefix(c.Issuer, "https://"):
		return nil, invalid("token iss %q is not https", c.Issuer)
	}
	if c.Custom.(*extraClaims).Status == "pending" {
		return nil, invalid("session is pending")
	}
	return &Session{
		UserID:         c.Subject,
		SessionID:      c.SessionID,
		OrgID:          c.ActiveOrganizationID,
		OrgSlug:        c.ActiveOrganizationSlug,
		OrgRole:        c.ActiveOrganizationRole,
		OrgPermissions: c.ActiveOrganizationPermissions,
		Expiry:         time.Unix(*c.Expiry, 0),
	}, nil
}
