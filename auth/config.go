package auth

import "encore.dev/config"

// Config is the auth service's configuration; config.cue holds the values
// and README.md, "Configuration", explains each.
type Config struct {
	// ClerkAPIURL is the Clerk Backend API base, version included.
	ClerkAPIURL string
	// AuthorizedParties are the frontend origins a token's azp may name and
	// cookie-authenticated requests may come from.
	AuthorizedParties []string
	// Issuer, if not empty, is the exact iss required: your Frontend API URL.
	Issuer string
	// PublishableKey, if not empty, is the instance's publishable key
	// (pk_test_... or pk_live_...): cookies are then read under the names
	// clerk-js derives from it, as Clerk's backend reads them.
	PublishableKey string
	// JWTKey, if not empty, is the PEM public key from the Clerk dashboard;
	// tokens are then verified without fetching the JWKS.
	JWTKey string
	// EmailClaim names the session-token claim that carries the primary
	// email; empty turns it off.
	EmailClaim string
	// LeewaySeconds is the clock skew allowed on exp, nbf and iat.
	LeewaySeconds int
	// KeySetMaxAgeSeconds is how long fetched signing keys are used before
	// the next request refreshes them.
	KeySetMaxAgeSeconds int
	// MaxKeyWaiters bounds the requests waiting on a JWKS refresh.
	MaxKeyWaiters int
	// UserCacheTTLSeconds is how long a user's email is served from memory,
	// and from the database when no webhook secret is set.
	UserCacheTTLSeconds int
	// UserSyncMaxAgeSeconds is how long a database row is served without
	// asking Clerk when a webhook secret is set.
	UserSyncMaxAgeSeconds int
	// UserCacheSize and TokenCacheSize bound the entries kept in memory.
	UserCacheSize  int
	TokenCacheSize int
	// MaxStaleSeconds is how long past its freshness a user's email is still
	// served while Clerk is unavailable.
	MaxStaleSeconds int
	// ClerkTimeoutMillis is the deadline of every call to Clerk.
	ClerkTimeoutMillis int
	// SyncIntervalMillis is how often each instance reads the change log.
	SyncIntervalMillis int
	// AcceptedTokenTypes are the token types verified at all:
	// session_token, api_key, m2m_token, oauth_token.
	AcceptedTokenTypes []string
	// MachineID is this backend's machine in Clerk (mch_...): M2M JWTs must
	// name it. Empty accepts those of every machine of the instance.
	MachineID string
	// MachineTokenCacheTTLSeconds is how long Clerk's answer about an opaque
	// machine token is reused: the most a revocation takes to apply here.
	MachineTokenCacheTTLSeconds int
	// MachineVerifyPerSecond bounds the Clerk calls for never-seen opaque
	// machine tokens, per instance.
	MachineVerifyPerSecond int
	// ReconcileCallsPer10Seconds bounds a reconciliation pass's calls to
	// Clerk (docs/reconciliation.md).
	ReconcileCallsPer10Seconds int
	// ReconcileIntervalHours is how often the cron job runs a pass.
	ReconcileIntervalHours int
}

var cfg = config.Load[*Config]()
