package authsvc

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkusers"
)

// WhoAmI is the body of GET /whoami: who the caller's token says it is, for
// anyone wiring up a client. Empty fields are omitted.
type WhoAmI struct {
	TokenType string   `json:"tokenType"`
	Subject   string   `json:"subject"`
	UserID    string   `json:"userId,omitempty"`
	OrgID     string   `json:"orgId,omitempty"`
	MachineID string   `json:"machineId,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	ClientID  string   `json:"clientId,omitempty"`
	Name      string   `json:"name,omitempty"`
}

// NewWhoAmI describes the caller the auth handler returned.
func NewWhoAmI(data *clerkauth.AuthData) *WhoAmI {
	return &WhoAmI{
		TokenType: data.TokenType,
		Subject:   data.Subject,
		UserID:    data.UserID,
		OrgID:     data.OrgID,
		MachineID: data.MachineID,
		Scopes:    data.Scopes,
		ClientID:  data.ClientID,
		Name:      data.Name,
	}
}

// CheckUserID refuses, before any lookup, what cannot be a Clerk user ID:
// the ID goes into a Backend API path when the mirror does not have it.
func CheckUserID(id string) *errs.Error {
	rest, ok := strings.CutPrefix(id, "user_")
	if !ok || rest == "" || len(id) > 64 || strings.IndexFunc(rest, notIDChar) >= 0 {
		return &errs.Error{Code: errs.InvalidArgument, Message: "userID must be a Clerk user ID such as user_2abc"}
	}
	return nil
}

func notIDChar(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-')
}

// UserLookupError is the answer of GET /auth/users/:userID for an error of
// clerkusers.UserCache.Record: 404 for a user Clerk never had, 499 when
// the caller gave up, 503 when neither the mirror nor Clerk could answer.
func UserLookupError(err error) *errs.Error {
	switch {
	case errors.Is(err, clerkusers.ErrUserNotFound):
		return &errs.Error{Code: errs.NotFound, Message: "no such user"}
	case errors.Is(err, clerkauth.ErrCanceled):
		return &errs.Error{Code: errs.Canceled, Message: msgCanceled}
	}
	return &errs.Error{Code: errs.Unavailable, Message: "the user directory is temporarily unavailable, please retry"}
}

// MachineTokenNotes are the start-up log lines about machine tokens: Warn
// lines where any machine of the Clerk instance could call this backend,
// and one Info line naming the types not accepted, whose accepts_ tags then
// refuse every token of that type.
func MachineTokenNotes(accepted []string, hasMachineSecretKey bool, machineID string) (warns []string, info string) {
	enabled := map[string]bool{}
	for _, t := range accepted {
		enabled[t] = true
	}
	if enabled[clerkauth.TokenTypeM2M] {
		if !hasMachineSecretKey {
			warns = append(warns, "auth service: opaque M2M tokens are verified with the instance secret key, so every machine of the Clerk instance may call this backend: set the secret ClerkMachineSecretKey to this backend's machine secret key")
		}
		if machineID == "" {
			warns = append(warns, "auth service: M2M JWTs of every machine of the Clerk instance are accepted: set MachineID in auth/config.cue to this backend's machine ID (mch_...)")
		}
	}
	var off []string
	for _, t := range []string{clerkauth.TokenTypeSession, clerkauth.TokenTypeAPIKey, clerkauth.TokenTypeM2M, clerkauth.TokenTypeOAuth} {
		if !enabled[t] {
			off = append(off, t)
		}
	}
	if len(off) > 0 {
		info = "auth service: AcceptedTokenTypes does not include " + strings.Join(off, ", ") + ": such tokens are refused everywhere, on endpoints tagged to accept them too"
	}
	return warns, info
}

// CheckMachineTokenTTL refuses a machine-token cache that would outlive
// the revocations: a cached API key of a user or organization Clerk deleted
// would be accepted again once the deletion is forgotten. The bound is
// clerkusers.RevocationRetention (10m10s with the default leeway).
func CheckMachineTokenTTL(ttl, leeway time.Duration) error {
	if limit := clerkusers.RevocationRetention(leeway); ttl > limit {
		return fmt.Errorf("auth service: MachineTokenCacheTTLSeconds is %s, longer than deletions are remembered (%s): set it to at most %d", ttl, limit, int(limit/time.Second))
	}
	return nil
}

// NotConfigured is the value an optional secret takes where it is not
// used: Encore refuses to deploy to a cloud environment with a declared
// secret that has no value, so "not configured" needs a value of its own.
const NotConfigured = "not-configured"

// OptionalSecret is an optional secret's value, "" when it is unset or
// NotConfigured.
func OptionalSecret(value string) string {
	if value = strings.TrimSpace(value); value == NotConfigured {
		return ""
	}
	return value
}
