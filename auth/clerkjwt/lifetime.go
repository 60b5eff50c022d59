package clerkjwt

import "time"

// MaxTokenLifetime bounds exp - iat. Clerk's session tokens live 60
// seconds; a longer-lived token signed by the same key is something else
// (a JWT template from before token categories). clerkauth exports it as
// clerkauth.MaxTokenLifetime, the bound that makes revocations final.
const MaxTokenLifetime = 10 * time.Minute
