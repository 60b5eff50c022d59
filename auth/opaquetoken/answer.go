package opaquetoken

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"encore.app/auth/clerkauth"
)

// answer is what Clerk's verify endpoint said of a token, whichever it was.
type answer struct {
	object, typ string
	id, subject string
	scopes      []string
	revoked     bool
	expired     bool
	// expiration is Unix milliseconds, as all of Clerk's Backend API
	// timestamps; nil when the token never expires.
	expiration *int64
	// name is an API key's, clientID an OAuth token's.
	name, clientID string
}

// Bounds on what Clerk's answer may hold, so a malformed one cannot put
// megabytes or control characters into every request's AuthData.
const (
	maxIDLen    = 128
	maxScopes   = 100
	maxScopeLen = 256
	maxNameLen  = 256
)

// decide turns Clerk's answer into the token's AuthData and when that stops
// being reusable (its expiration, or now+ttl), or refuses the token: revoked
// or expired, or an answer that does not fit the token's kind. Every
// identifier copied is checked to be one.
func decide(k *kind, a answer, now time.Time, ttl time.Duration) (*clerkauth.AuthData, time.Time, error) {
	until := now.Add(ttl)
	switch {
	case a.object != k.object:
		return nil, until, invalid("Clerk answered for an %s with another object than %s", k.what, k.object)
	case !isID(a.id, k.prefix):
		return nil, until, invalid("Clerk's answer for an %s has no valid %s… ID", k.what, k.prefix)
	case a.revoked:
		return nil, until, invalid("%s %s was revoked in Clerk", k.what, a.id)
	case a.expired:
		return nil, until, invalid("%s %s has expired", k.what, a.id)
	}
	if a.expiration != nil {
		expiry := time.UnixMilli(*a.expiration)
		if !now.Before(expiry) {
			return nil, until, invalid("%s %s expired at %s", k.what, a.id, expiry.UTC().Format(time.RFC3339))
		}
		if expiry.Before(until) {
			until = expiry
		}
	}
	data := &clerkauth.AuthData{TokenType: k.tokenType, Subject: a.subject, TokenID: a.id}
	switch k {
	case apiKey:
		// The JS SDK's authenticatedMachineObject: a user's or an
		// organization's key.
		switch {
		case a.typ != "api_key":
			return nil, until, invalid("API key %s is not of type api_key", a.id)
		case isID(a.subject, "user_"):
			data.UserID = a.subject
		case isID(a.subject, "org_"):
			data.OrgID = a.subject
		default:
			return nil, until, invalid("API key %s belongs to neither a user nor an organization", a.id)
		}
		if !isName(a.name) {
			return nil, until, invalid("API key %s has a name that is not printable text of at most %d bytes", a.id, maxNameLen)
		}
		data.Name = a.name
	case m2mToken:
		// Clerk's scopes of an M2M token are the machines it may call,
		// which Clerk checks against the machine secret key: not scopes.
		if !isID(a.subject, "mch_") {
			return nil, until, invalid("M2M token %s belongs to no machine", a.id)
		}
		data.MachineID = a.subject
		return data, until, nil
	case oauthToken:
		if !isID(a.subject, "user_") {
			return nil, until, invalid("OAuth access token %s belongs to no user", a.id)
		}
		if !isID(a.clientID, "") {
			return nil, until, invalid("OAuth access token %s names no valid client_id", a.id)
		}
		data.UserID, data.ClientID = a.subject, a.clientID
	}
	if len(a.scopes) > maxScopes {
		return nil, until, invalid("%s %s has %d scopes, more than %d", k.what, a.id, len(a.scopes), maxScopes)
	}
	for _, s := range a.scopes {
		if !isScope(s) {
			return nil, until, invalid("%s %s has a scope that is not an OAuth scope token", k.what, a.id)
		}
	}
	if len(a.scopes) > 0 {
		data.Scopes = a.scopes
	}
	return data, until, nil
}

// isID reports whether s is prefix and then a plain identifier: letters,
// digits, '_' and '-', at most maxIDLen bytes in all.
func isID(s, prefix string) bool {
	body, ok := strings.CutPrefix(s, prefix)
	return ok && body != "" && len(s) <= maxIDLen && strings.IndexFunc(body, notIDChar) < 0
}

func notIDChar(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-')
}

// isScope reports whether s is an OAuth scope-token (RFC 6749, 3.3):
// printable ASCII but space, '"' and '\', of at most maxScopeLen bytes.
func isScope(s string) bool {
	return s != "" && len(s) <= maxScopeLen && strings.IndexFunc(s, func(r rune) bool {
		return r <= ' ' || r > '~' || r == '"' || r == '\\'
	}) < 0
}

// isName reports whether an API key's name is printable text a log line
// can hold as it is.
func isName(s string) bool {
	return len(s) <= maxNameLen && utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}
