package clerkwebhook

import (
	"bytes"
	"encoding/json"
	"time"

	"encore.app/auth/clerkusers"
)

// Clerk's session event types, all of which end the session for us: a token
// of an ended, removed or revoked session must stop working before its exp.
const (
	SessionEnded   = "session.ended"
	SessionRemoved = "session.removed"
	SessionRevoked = "session.revoked"
)

// maxIDLen bounds the IDs we store and log. Clerk's IDs are about 30 bytes.
const maxIDLen = 128

// decodeError is why a signed body is not an event we can apply. Its text is
// fixed, never taken from the body, so it can be logged and answered.
type decodeError string

func (e decodeError) Error() string { return string(e) }

// envelope is Clerk's event: {"data":…,"object":"event","type":…,"timestamp":…,"instance_id":…}.
type envelope struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
	// Timestamp is when Clerk emitted the event, in ms since the epoch.
	Timestamp int64 `json:"timestamp"`
}

// userData is the part of Clerk's User object we keep; user.deleted carries
// only the id.
type userData struct {
	ID                    string `json:"id"`
	PrimaryEmailAddressID string `json:"primary_email_address_id"`
	EmailAddresses        []struct {
		ID           string `json:"id"`
		EmailAddress string `json:"email_address"`
	} `json:"email_addresses"`
	// UpdatedAt is in ms since the epoch; it orders versions of a user, since
	// Svix does not deliver in order.
	UpdatedAt int64 `json:"updated_at"`
}

// sessionData is the part of Clerk's Session object we keep.
type sessionData struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
}

// event is a decoded delivery: what to store, and what to publish once it is
// applied (nil for session and ignored events).
type event struct {
	Type    string
	Change  *clerkusers.Change
	Publish *UserEvent
}

// decode turns a verified body into an event. now dates a user.deleted that
// carries no timestamp.
func decode(body []byte, now func() time.Time) (event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return event{}, decodeError("body is not a JSON Clerk event")
	}
	if env.Type == "" {
		return event{}, decodeError("event has no type")
	}
	if !validEventType(env.Type) {
		return event{}, decodeError("event type is not a plain name")
	}
	if !isObject(env.Data) {
		return event{}, decodeError("event has no data object")
	}
	ev := event{Type: env.Type}
	switch env.Type {
	case UserCreated, UserUpdated:
		var u userData
		if err := json.Unmarshal(env.Data, &u); err != nil {
			return event{}, decodeError("user event data is not a user")
		}
		if !validID(u.ID) {
			return event{}, decodeError("user event has no valid user id")
		}
		updatedAt, ok := clerkTime(u.UpdatedAt)
		if !ok {
			return event{}, decodeError("user event has no valid updated_at")
		}
		email := primaryEmail(u)
		ev.Change = &clerkusers.Change{Kind: clerkusers.UserChanged, UserID: u.ID, Email: email, UpdatedAt: updatedAt}
		ev.Publish = &UserEvent{Type: env.Type, UserID: u.ID, Email: email, UpdatedAt: updatedAt}
	case UserDeleted:
		var u userData
		if err := json.Unmarshal(env.Data, &u); err != nil || !validID(u.ID) {
			return event{}, decodeError("user.deleted has no valid user id")
		}
		at, ok := clerkTime(env.Timestamp)
		if !ok {
			at = now().UTC()
		}
		ev.Change = &clerkusers.Change{Kind: clerkusers.UserDeleted, UserID: u.ID}
		ev.Publish = &UserEvent{Type: env.Type, UserID: u.ID, UpdatedAt: at}
	case SessionEnded, SessionRemoved, SessionRevoked:
		var s sessionData
		if err := json.Unmarshal(env.Data, &s); err != nil || !validID(s.ID) || !validID(s.UserID) {
			return event{}, decodeError("session event has no valid session and user ids")
		}
		ev.Change = &clerkusers.Change{Kind: clerkusers.SessionRevoked, SessionID: s.ID, UserID: s.UserID}
	}
	return ev, nil
}

// latestTime bounds Clerk's timestamps: past it, the database refuses the
// time and JSON cannot encode it, so a delivery would fail on every retry.
var latestTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()

// clerkTime is a Clerk timestamp (milliseconds since the epoch); ok is
// false when it is absent or out of range.
func clerkTime(ms int64) (t time.Time, ok bool) {
	if ms <= 0 || ms > latestTime {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// isObject reports whether a json.RawMessage (which starts at the value, its
// whitespace skipped) is an object. json.Unmarshal accepts null for a
// struct, which would make "data":null look like an object without fields.
func isObject(data json.RawMessage) bool {
	return bytes.HasPrefix(data, []byte("{"))
}

// primaryEmail is the address primary_email_address_id names, "" when the
// user has none or it is not among the addresses.
func primaryEmail(u userData) string {
	if u.PrimaryEmailAddressID == "" {
		return ""
	}
	for _, e := range u.EmailAddresses {
		if e.ID == u.PrimaryEmailAddressID {
			return e.EmailAddress
		}
	}
	return ""
}

// validID accepts Clerk's IDs (user_…, sess_…) and Svix's (msg_…). Anything
// else is refused before it reaches the database or the logs.
func validID(s string) bool {
	if len(s) == 0 || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) {
			return false
		}
	}
	return true
}

// validEventType accepts dotted names like user.created and
// organizationInvitation.accepted: event types are stored and logged too.
func validEventType(s string) bool {
	if len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) && s[i] != '.' {
			return false
		}
	}
	return true
}

func idByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}
