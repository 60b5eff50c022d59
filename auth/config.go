package auth

import "encore.dev/config"

// Config is the auth service's configuration; config.cue holds the values.
type Config struct {
	// ClerkAPIURL is the Clerk Backend API base, version included.
	ClerkAPIURL string
	// AuthorizedParties are the frontend origins a token's azp may name.
	AuthorizedParties []string
	// Issuer, if not empty, is the exact iss required: your Frontend API URL.
	Issuer string
	// JWTKey, if not empty, is the PEM public key from the Clerk dashboard;
	// tokens are then verified without fetching the JWKS.
	JWTKey string
	// LeewaySeconds is the clock skew allowed on exp, nbf and iat.
	LeewaySeconds int
	// UserCacheTTLSeconds is how long a user's email is served from memory.
	UserCacheTTLSeconds int
	// UserCacheSize and TokenCacheSize bound the entries kept in memory.
	UserCacheSize  int
	TokenCacheSize int
	// MaxStaleSeconds is how long past its TTL a cached email is still served
	// while Clerk is unavailable.
	MaxStaleSeconds int
	// ClerkTimeoutMillis is the deadline of every call to Clerk.
	ClerkTimeoutMillis int
}

var cfg = config.Load[*Config]()
