package authmetrics

// The label values. Each type is a small integer naming one value of a
// fixed set, so that a Recorder indexes arrays rather than maps (no lock,
// no allocation), and its String is the value exported: snake_case, as
// Encore's metric names are.

// TokenType is the type of token a request was authenticated with; the
// names are clerkauth's TokenType constants.
type TokenType uint8

const (
	TokenSession TokenType = iota
	TokenAPIKey
	TokenM2M
	TokenOAuth
	// TokenOther is a type clerkauth does not name, which only an
	// OpaqueTokens of another package could report.
	TokenOther
	NumTokenTypes // the number of token types, not one
)

var tokenTypeNames = [NumTokenTypes]string{"session_token", "api_key", "m2m_token", "oauth_token", "other"}

// String is the label value.
func (t TokenType) String() string { return name(tokenTypeNames[:], t) }

// Reason is why a request was refused: clerkauth.Reason classifies the
// auth handler's errors, authz refuses token-type mismatches.
type Reason uint8

const (
	// ReasonNoCredentials: neither an Authorization header nor a session cookie.
	ReasonNoCredentials Reason = iota
	// ReasonInvalidToken: malformed, badly signed, expired, claims not
	// acceptable, or refused by Clerk (a machine token).
	ReasonInvalidToken
	// ReasonRevokedSession: Clerk ended the token's session.
	ReasonRevokedSession
	// ReasonDeletedUser: Clerk deleted the token's user.
	ReasonDeletedUser
	// ReasonMembershipChanged: the token's organization claims are out of date.
	ReasonMembershipChanged
	// ReasonCookieCheck: a cookie-borne token failed the checks of an
	// ambient credential (origin, Sec-Fetch-Site, __client_uat, a machine
	// token in a cookie), or the Cookie header was unreadable.
	ReasonCookieCheck
	// ReasonTokenTypeMismatch: a token of a type not accepted, by
	// AcceptedTokenTypes or by the endpoint's accepts_* tags.
	ReasonTokenTypeMismatch
	// ReasonClerkUnavailable: Clerk could not be asked (503).
	ReasonClerkUnavailable
	// ReasonCanceled: the client gave up first (499).
	ReasonCanceled
	// ReasonOther: an error none of the above names.
	ReasonOther
	NumReasons // the number of reasons, not one
)

var reasonNames = [NumReasons]string{
	"no_credentials", "invalid_token", "revoked_session", "deleted_user", "membership_changed",
	"cookie_check", "token_type_mismatch", "clerk_unavailable", "canceled", "other",
}

// String is the label value.
func (r Reason) String() string { return name(reasonNames[:], r) }

// Endpoint is the class of a Backend API endpoint called.
type Endpoint uint8

const (
	// EndpointUsers: GET /users/{id}.
	EndpointUsers Endpoint = iota
	// EndpointJWKS: GET /jwks.
	EndpointJWKS
	// EndpointAPIKeyVerify, EndpointM2MVerify and EndpointOAuthVerify: the
	// opaque machine tokens' verify endpoints.
	EndpointAPIKeyVerify
	EndpointM2MVerify
	EndpointOAuthVerify
	// EndpointList: a GET of a collection (/users, /organizations,
	// /organizations/{id}/memberships…), one call per page.
	EndpointList
	// EndpointOther: any other path.
	EndpointOther
	NumEndpoints // the number of endpoint classes, not one
)

var endpointNames = [NumEndpoints]string{"users", "jwks", "api_key_verify", "m2m_verify", "oauth_verify", "list", "other"}

// String is the label value.
func (e Endpoint) String() string { return name(endpointNames[:], e) }

// CallOutcome is how a call to Clerk ended.
type CallOutcome uint8

const (
	// CallOK: an answer below 400.
	CallOK CallOutcome = iota
	// CallNotFound: 404.
	CallNotFound
	// CallClientError: another 4xx but 429, such as 401 for a wrong secret
	// key, or 400/403/422 for a machine token Clerk refuses.
	CallClientError
	// CallRateLimited: 429.
	CallRateLimited
	// CallThrottled: not sent, a 429's Retry-After still running.
	CallThrottled
	// CallServerError: 5xx.
	CallServerError
	// CallTimeout: no answer within the deadline.
	CallTimeout
	// CallNetworkError: no answer for another reason (refused connection,
	// DNS, TLS).
	CallNetworkError
	// CallCanceled: the caller gave up first.
	CallCanceled
	NumCallOutcomes // the number of outcomes, not one
)

var callOutcomeNames = [NumCallOutcomes]string{
	"ok", "not_found", "client_error", "rate_limited", "throttled", "server_error", "timeout", "network_error", "canceled",
}

// String is the label value.
func (o CallOutcome) String() string { return name(callOutcomeNames[:], o) }

// Cache is one of the in-memory caches.
type Cache uint8

const (
	// CacheVerifiedTokens: clerkauth's verified JWTs.
	CacheVerifiedTokens Cache = iota
	// CacheUsers: clerkusers.UserCache, users and users not found.
	CacheUsers
	// CacheMachineTokens: opaquetoken's answers, accepted and refused.
	CacheMachineTokens
	NumCaches // the number of caches, not one
)

var cacheNames = [NumCaches]string{"verified_tokens", "users", "machine_tokens"}

// String is the label value.
func (c Cache) String() string { return name(cacheNames[:], c) }

// LookupResult is what a cache lookup found.
type LookupResult uint8

const (
	// LookupHit: a fresh entry that answers the request.
	LookupHit LookupResult = iota
	// LookupNegativeHit: a fresh negative entry (a user Clerk does not
	// have, a machine token Clerk refused) that answers it with a refusal.
	LookupNegativeHit
	// LookupMiss: no entry, or a stale one: the lookup goes on (database,
	// Clerk, RSA verification).
	LookupMiss
	NumLookupResults // the number of results, not one
)

var lookupResultNames = [NumLookupResults]string{"hit", "negative_hit", "miss"}

// String is the label value.
func (r LookupResult) String() string { return name(lookupResultNames[:], r) }

// WebhookEvent is the type of a webhook delivery's event.
type WebhookEvent uint8

const (
	EventUserCreated WebhookEvent = iota
	EventUserUpdated
	EventUserDeleted
	EventSessionEnded
	EventSessionRemoved
	EventSessionRevoked
	EventOrganizationCreated
	EventOrganizationUpdated
	EventOrganizationDeleted
	EventMembershipCreated
	EventMembershipUpdated
	EventMembershipDeleted
	// EventOther: a type the handler does not handle (answered ignored).
	EventOther
	// EventUnknown: the delivery was answered before its type was read
	// (unsigned, bad signature, unreadable, not configured).
	EventUnknown
	NumWebhookEvents // the number of event types, not one
)

var webhookEventNames = [NumWebhookEvents]string{
	"user_created", "user_updated", "user_deleted", "session_ended", "session_removed", "session_revoked",
	"organization_created", "organization_updated", "organization_deleted",
	"membership_created", "membership_updated", "membership_deleted", "other", "unknown",
}

// String is the label value.
func (e WebhookEvent) String() string { return name(webhookEventNames[:], e) }

// WebhookOutcome is how a webhook delivery was answered.
type WebhookOutcome uint8

const (
	// DeliveryApplied, DeliveryDuplicate, DeliveryOutdated, DeliveryIgnored
	// and DeliveryUnappliable are the 200s: clerkmirror.Outcome's.
	DeliveryApplied WebhookOutcome = iota
	DeliveryDuplicate
	DeliveryOutdated
	DeliveryIgnored
	DeliveryUnappliable
	// DeliveryRefused: a 4xx (unsigned, bad signature, oversized, not a
	// Clerk event we can read); Svix retries it, in vain.
	DeliveryRefused
	// DeliveryUnavailable: a 503 (not configured, database or topic
	// unavailable); Svix retries it.
	DeliveryUnavailable
	NumWebhookOutcomes // the number of outcomes, not one
)

var webhookOutcomeNames = [NumWebhookOutcomes]string{
	"applied", "duplicate", "outdated", "ignored", "unappliable", "refused", "unavailable",
}

// String is the label value.
func (o WebhookOutcome) String() string { return name(webhookOutcomeNames[:], o) }

// name is names[v], or "" for a value past the set, which no constant is.
func name[T ~uint8](names []string, v T) string {
	if int(v) < len(names) {
		return names[v]
	}
	return ""
}
