package clerkauth

import "time"

// MaxTokenLifetime bounds exp - iat. Clerk's session tokens live 60
// seconds; a longer-lived token signed by the same key is something else
// (a JWT template from before token categories). Revocations must be
// remembered for as long as a token issued before them can be accepted
// (clerkusers.RevocationRetention), so this bound is what makes them final.
const MaxTokenLifetime = 10 * time.Minute
