// Package clerkjwt verifies Clerk's JWTs: session tokens, M2M JWTs and
// OAuth access tokens. It checks the JOSE header, the RS256 signature with
// a key of the instance (pasted, or fetched from Clerk's JWKS), and the
// claims, read once by one strict reader, as Clerk's backend SDK checks
// them; clerkjwks holds the keys. clerkauth builds a Verifier from its
// Config and caches what it returns.
package clerkjwt

import "time"

// Config configures a Verifier. Its fields are clerkauth.Config's, which
// documents them and fills in their defaults; here each is taken as given.
type Config struct {
	// Accepted are the token types verified at all: a JWT of another type
	// is refused before its key is fetched.
	Accepted          map[string]bool
	MachineID         string
	Issuer            string
	AuthorizedParties []string
	Leeway            time.Duration
	EmailClaim        string
	Log               Logger
	Now               func() time.Time
}

// Logger receives the misconfigurations tokens reveal; Encore's rlog.With()
// satisfies it.
type Logger interface {
	Warn(msg string, keysAndValues ...any)
}
