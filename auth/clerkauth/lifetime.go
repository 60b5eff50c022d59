package clerkauth

import "encore.app/auth/clerkjwt"

// MaxTokenLifetime bounds a session token's exp - iat; clerkjwt documents
// it. Revocations must be remembered for as long as a token issued before
// them can be accepted (clerkusers.RevocationRetention), so this bound is
// what makes them final.
const MaxTokenLifetime = clerkjwt.MaxTokenLifetime
