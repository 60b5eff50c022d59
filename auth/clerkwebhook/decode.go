package clerkwebhook

import (
	"encoding/json"
	"strconv"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/internal/clerkevents"
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

// maxEmailLen bounds the primary email address we store and publish: an
// address has at most 64 bytes before the @ and 255 after (RFC 5321), and a
// longer one, up to the body's 1 MiB, could exceed a topic's message size
// (256 KiB on AWS) and fail the publish on every retry.
const maxEmailLen = 320

// maxFuture is how far ahead of our clock Clerk's updated_at may be: a day,
// as the refusal says. Versions
// of a user are ordered by it, so a version dated in the far future would
// make every real update after it look outdated, for good.
const maxFuture = 24 * time.Hour

// decodeError is why a signed body is not an event we can read. Its text is
// fixed, never taken from the body, so it can be logged and answered.
type decodeError string

func (e decodeError) Error() string { return string(e) }

// event is a decoded delivery: what to store, and what to publish once it is
// applied: Publish for a user event, PublishOrg for an organization or
// membership event, neither for session and ignored events.
type event struct {
	Type       string
	Change     *clerkmirror.Change
	Publish    *clerkevents.UserEvent
	PublishOrg *clerkevents.OrgEvent
	// Unappliable, when not "", is why this well-formed event can never be
	// applied; its fixed text is recorded with the delivery. Change then
	// only names the user or organization, for the logs: nothing is stored
	// or published.
	Unappliable string
}

// badUpdatedAt is why an event dated by a clerkTime out of range is unappliable.
const badUpdatedAt = "updated_at is before 1970 or more than a day ahead of our clock"

// decode turns a verified body, Clerk's event
// {"data":…,"object":"event","type":…,"timestamp":…,"instance_id":…}, into an
// event. now is the time of the delivery.
//
// Only the fields read here are checked for other spellings (see members).
// Every one of them refuses the event when ambiguous, since taking it as
// absent would store a user without their email or without their ordering
// time, except a deletion's timestamp (and a membership deletion's
// updated_at), which is then taken as absent: a deletion is never refused
// over its date.
func decode(body []byte, now time.Time) (event, error) {
	env, ok := readMembers(body, "", "type", "data", "timestamp")
	if !ok {
		return event{}, decodeError("body is not a JSON Clerk event")
	}
	var typ string
	if _, err := env.get("type", &typ); err != nil {
		return event{}, orDecodeError(err, "event type is not a string")
	}
	if typ == "" {
		return event{}, decodeError("event has no type")
	}
	if !validEventType(typ) {
		return event{}, decodeError("event type is not a plain name")
	}
	var rawData json.RawMessage
	if _, err := env.get("data", &rawData); err != nil {
		return event{}, err
	}
	ev := event{Type: typ}
	switch typ {
	case clerkevents.UserCreated, clerkevents.UserUpdated:
		return decodeUser(ev, rawData, now)
	case clerkevents.UserDeleted:
		data, ok := readMembers(rawData, "data", "id")
		if !ok {
			return event{}, decodeError("event has no data object")
		}
		var id string
		if _, err := data.get("id", &id); err != nil || !validID(id) {
			return event{}, orDecodeError(err, "user.deleted has no valid user id")
		}
		at := eventTime(env, now)
		ev.Change = &clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: id}
		ev.Publish = &clerkevents.UserEvent{Type: typ, UserID: id, UpdatedAt: at}
	case SessionEnded, SessionRemoved, SessionRevoked:
		data, ok := readMembers(rawData, "data", "id", "user_id")
		if !ok {
			return event{}, decodeError("event has no data object")
		}
		var id, userID string
		_, err := data.get("id", &id)
		if err == nil {
			_, err = data.get("user_id", &userID)
		}
		if err != nil || !validID(id) || !validID(userID) {
			return event{}, orDecodeError(err, "session event has no valid session and user ids")
		}
		ev.Change = &clerkmirror.Change{Kind: clerkmirror.SessionRevoked, SessionID: id, UserID: userID}
	case clerkevents.OrganizationCreated, clerkevents.OrganizationUpdated:
		return decodeOrg(ev, rawData, now)
	case clerkevents.OrganizationDeleted:
		return decodeOrgDeleted(ev, env, rawData, now)
	case clerkevents.MembershipCreated, clerkevents.MembershipUpdated, clerkevents.MembershipDeleted:
		return decodeMembership(ev, env, rawData, now)
	default:
		if _, ok := readMembers(rawData, "data"); !ok {
			return event{}, decodeError("event has no data object")
		}
	}
	return ev, nil
}

// decodeUser reads the data of a user.created or user.updated: the part of
// Clerk's User object we keep.
func decodeUser(ev event, rawData []byte, now time.Time) (event, error) {
	data, ok := readMembers(rawData, "data", "id", "updated_at", "primary_email_address_id", "email_addresses")
	if !ok {
		return event{}, decodeError("event has no data object")
	}
	var id string
	if _, err := data.get("id", &id); err != nil || !validID(id) {
		return event{}, orDecodeError(err, "user event has no valid user id")
	}
	// updated_at, in ms since the epoch, orders versions of a user, since
	// Svix does not deliver in order.
	var ms int64
	if present, err := data.get("updated_at", &ms); err != nil || !present {
		return event{}, orDecodeError(err, "user event has no valid updated_at")
	}
	email, err := primaryEmail(data)
	if err != nil {
		return event{}, err
	}
	ev.Change = &clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: id, Email: email}
	updatedAt, ok := clerkTime(ms, now)
	switch {
	case !ok:
		ev.Unappliable = badUpdatedAt
	case len(email) > maxEmailLen:
		ev.Unappliable = "the primary email address is longer than " + strconv.Itoa(maxEmailLen) + " bytes"
	default:
		ev.Change.UpdatedAt = updatedAt
		ev.Publish = &clerkevents.UserEvent{Type: ev.Type, UserID: id, Email: email, UpdatedAt: updatedAt}
	}
	return ev, nil
}

// primaryEmail is the address primary_email_address_id names, "" when the
// user has none or it is not among the addresses.
func primaryEmail(data members) (string, error) {
	const notAUser = "user event data is not a user"
	var primaryID string
	var addresses []json.RawMessage
	if _, err := data.get("primary_email_address_id", &primaryID); err != nil {
		return "", orDecodeError(err, notAUser)
	}
	if _, err := data.get("email_addresses", &addresses); err != nil {
		return "", orDecodeError(err, notAUser)
	}
	email, found := "", false
	// Every address is read, not only up to the primary: an ambiguous id
	// could make another parser pick another one.
	for _, raw := range addresses {
		a, ok := readMembers(raw, "data.email_addresses[]", "id", "email_address")
		if !ok {
			return "", decodeError(notAUser)
		}
		var id, address string
		if _, err := a.get("id", &id); err != nil {
			return "", orDecodeError(err, notAUser)
		}
		if _, err := a.get("email_address", &address); err != nil {
			return "", orDecodeError(err, notAUser)
		}
		if primaryID != "" && id == primaryID && !found {
			email, found = address, true
		}
	}
	return email, nil
}

// orDecodeError is err when it is a decodeError (an ambiguous field), else
// the decodeError msg: encoding/json's errors quote the body.
func orDecodeError(err error, msg string) error {
	if de, ok := err.(decodeError); ok {
		return de
	}
	return decodeError(msg)
}

// eventTime is the event's timestamp, which dates a deletion; now when it
// is absent, ambiguous, not an integer or out of clerkTime's range.
func eventTime(env members, now time.Time) time.Time {
	var ms int64
	if _, err := env.get("timestamp", &ms); err != nil {
		ms = 0
	}
	if at, ok := clerkTime(ms, now); ok {
		return at
	}
	return now.UTC()
}

// clerkTime is a Clerk timestamp (milliseconds since the epoch); ok is
// false when it is absent (0), before 1970 or more than maxFuture after now.
// The bound also keeps it within what the database and JSON can hold.
func clerkTime(ms int64, now time.Time) (t time.Time, ok bool) {
	if ms <= 0 || ms > now.Add(maxFuture).UnixMilli() {
		return time.Time{}, false
	}
	return time.UnixMilli(ms).UTC(), true
}

// validID accepts Clerk's IDs (user_…, sess_…, org_…) and Svix's (msg_…). Anything
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
func validEventType(s string) bool { return plainName(s, '.') }

// plainName reports whether s is at most maxIDLen bytes of an ID's and sep.
func plainName(s string, sep byte) bool {
	if len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) && s[i] != sep {
			return false
		}
	}
	return true
}

func idByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}
