package authz

import (
	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// Endpoint tags, for `//encore:api auth ... tag:org_member`. Tags name
// requirements rather than roles so an endpoint says what it needs once.
// The EndpointTags middleware enforces them all; tags it does not know are
// left to other middleware, and TestEncoreAPITags refuses unknown tags with
// these prefixes anywhere in the repository.
const (
	// TagOrgMember requires an active organization: the data the endpoint
	// serves belongs to one, and without it there is nothing to scope to.
	TagOrgMember = "org_member"
	// TagOrgAdmin requires AdminRole in the active organization.
	TagOrgAdmin = "org_admin"

	// The reverification tags require the user to have verified their
	// factors recently (see Level): Clerk's presets, strictest first.
	TagReverifyStrictMFA = "reverify_strict_mfa"
	TagReverifyStrict    = "reverify_strict"
	TagReverifyModerate  = "reverify_moderate"
	TagReverifyLax       = "reverify_lax"

	// The accepts_ tags name the token types an endpoint accepts. Without
	// any, it accepts session tokens only, as Clerk's authenticateRequest
	// does by default; with some, exactly those (add
	// TagAcceptsSessionToken to keep accepting users' session tokens).
	TagAcceptsSessionToken = "accepts_" + clerkauth.TokenTypeSession
	TagAcceptsAPIKey       = "accepts_" + clerkauth.TokenTypeAPIKey
	TagAcceptsM2MToken     = "accepts_" + clerkauth.TokenTypeM2M
	TagAcceptsOAuthToken   = "accepts_" + clerkauth.TokenTypeOAuth
)

// tagSet is an endpoint's tags as bits: reading them allocates nothing, so
// the middleware costs no more on every request than a few map lookups.
type tagSet uint16

const (
	acceptsSessionToken tagSet = 1 << iota
	acceptsAPIKey
	acceptsM2MToken
	acceptsOAuthToken
	orgMember
	orgAdmin
	reverifyStrictMFA
	reverifyStrict
	reverifyModerate
	reverifyLax

	acceptsAny = acceptsSessionToken | acceptsAPIKey | acceptsM2MToken | acceptsOAuthToken
)

// tagBits are the tags this package knows.
var tagBits = map[string]tagSet{
	TagAcceptsSessionToken: acceptsSessionToken,
	TagAcceptsAPIKey:       acceptsAPIKey,
	TagAcceptsM2MToken:     acceptsM2MToken,
	TagAcceptsOAuthToken:   acceptsOAuthToken,
	TagOrgMember:           orgMember,
	TagOrgAdmin:            orgAdmin,
	TagReverifyStrictMFA:   reverifyStrictMFA,
	TagReverifyStrict:      reverifyStrict,
	TagReverifyModerate:    reverifyModerate,
	TagReverifyLax:         reverifyLax,
}

func parseTags(tags []string) tagSet {
	var set tagSet
	for _, tag := range tags {
		set |= tagBits[tag]
	}
	return set
}

// Decide is the decision the EndpointTags middleware enforces for an
// endpoint with these tags: nil when the caller may proceed. In order: the
// token's type (a machine token on a session-only endpoint is told so, not
// that it lacks a role), the organization, then reverification (a member
// who could never pass org_admin is not asked to reverify first). Without
// auth data only the organization and reverification tags refuse: there is
// no token type to check.
func Decide(data *clerkauth.AuthData, tags []string) *errs.Error {
	set := parseTags(tags)
	if err := tokenType(data, set); err != nil {
		return err
	}
	// An admin is a member, so org_admin alone settles both tags.
	switch {
	case set&orgAdmin != 0:
		if err := Role(data, AdminRole); err != nil {
			return err
		}
	case set&orgMember != 0:
		if err := Organization(data); err != nil {
			return err
		}
	}
	// Strictest first: the hint then asks for what satisfies every tag.
	for _, p := range presets {
		if set&p.tag == 0 {
			continue
		}
		if err := Reverification(data, p.level); err != nil {
			return err
		}
	}
	return nil
}
