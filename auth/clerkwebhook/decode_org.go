package clerkwebhook

import (
	"encoding/json"
	"strconv"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/internal/clerkevents"
)

// maxOrgTextLen bounds an organization's name and slug, which are stored
// and published: Clerk allows a name of 256 characters, at most 1,024 bytes
// of UTF-8, and a longer text, up to the body's 1 MiB, could exceed a
// topic's message size.
const maxOrgTextLen = 1024

// decodeOrg reads the data of an organization.created or
// organization.updated: the part of Clerk's Organization object we keep.
// A slug or name that is absent or null (slugs can be turned off) is "".
func decodeOrg(ev event, rawData []byte, now time.Time) (event, error) {
	const notAnOrg = "organization event data is not an organization"
	data, ok := readMembers(rawData, "data", "id", "updated_at", "slug", "name")
	if !ok {
		return event{}, decodeError("event has no data object")
	}
	var id, slug, name string
	if _, err := data.get("id", &id); err != nil || !validID(id) {
		return event{}, orDecodeError(err, "organization event has no valid organization id")
	}
	var ms int64
	if present, err := data.get("updated_at", &ms); err != nil || !present {
		return event{}, orDecodeError(err, "organization event has no valid updated_at")
	}
	if _, err := data.get("slug", &slug); err != nil {
		return event{}, orDecodeError(err, notAnOrg)
	}
	if _, err := data.get("name", &name); err != nil {
		return event{}, orDecodeError(err, notAnOrg)
	}
	ev.Change = &clerkmirror.Change{Kind: clerkmirror.OrgChanged, OrgID: id, Slug: slug, Name: name}
	updatedAt, ok := clerkTime(ms, now)
	switch {
	case !ok:
		ev.Unappliable = badUpdatedAt
	case len(slug) > maxOrgTextLen || len(name) > maxOrgTextLen:
		ev.Unappliable = "the organization's name or slug is longer than " + strconv.Itoa(maxOrgTextLen) + " bytes"
	default:
		ev.Change.UpdatedAt = updatedAt
		ev.PublishOrg = &clerkevents.OrgEvent{Type: ev.Type, OrgID: id, Slug: slug, Name: name, UpdatedAt: updatedAt}
	}
	return ev, nil
}

// decodeOrgDeleted reads an organization.deleted, whose data is only the
// organization's id (Clerk's DeletedObject), dated by the event.
func decodeOrgDeleted(ev event, env members, rawData []byte, now time.Time) (event, error) {
	data, ok := readMembers(rawData, "data", "id")
	if !ok {
		return event{}, decodeError("event has no data object")
	}
	var id string
	if _, err := data.get("id", &id); err != nil || !validID(id) {
		return event{}, orDecodeError(err, "organization.deleted has no valid organization id")
	}
	at := eventTime(env, now)
	ev.Change = &clerkmirror.Change{Kind: clerkmirror.OrgDeleted, OrgID: id, UpdatedAt: at}
	ev.PublishOrg = &clerkevents.OrgEvent{Type: ev.Type, OrgID: id, UpdatedAt: at}
	return ev, nil
}

// decodeMembership reads an organizationMembership.* event, whose data is
// Clerk's OrganizationMembership object, the deletion's included: the
// organization's id, the member's (public_user_data.user_id), the role and
// updated_at. A deletion is dated by the event, or by the membership's
// updated_at should that be later, so that it is never older than the
// version it ends; its role is not read.
func decodeMembership(ev event, env members, rawData []byte, now time.Time) (event, error) {
	data, ok := readMembers(rawData, "data", "organization", "public_user_data", "role", "updated_at")
	if !ok {
		return event{}, decodeError("event has no data object")
	}
	orgID, userID, err := membershipIDs(data)
	if err != nil {
		return event{}, err
	}
	var ms int64
	if ev.Type == clerkevents.MembershipDeleted {
		at := eventTime(env, now)
		if _, err := data.get("updated_at", &ms); err == nil {
			if updatedAt, ok := clerkTime(ms, now); ok && updatedAt.After(at) {
				at = updatedAt
			}
		}
		ev.Change = &clerkmirror.Change{Kind: clerkmirror.MembershipDeleted, OrgID: orgID, UserID: userID, UpdatedAt: at}
		ev.PublishOrg = &clerkevents.OrgEvent{Type: ev.Type, OrgID: orgID, UserID: userID, UpdatedAt: at}
		return ev, nil
	}
	var role string
	if _, err := data.get("role", &role); err != nil || !validRole(role) {
		return event{}, orDecodeError(err, "membership event has no valid role")
	}
	if present, err := data.get("updated_at", &ms); err != nil || !present {
		return event{}, orDecodeError(err, "membership event has no valid updated_at")
	}
	ev.Change = &clerkmirror.Change{Kind: clerkmirror.MembershipChanged, OrgID: orgID, UserID: userID, Role: role,
		Created: ev.Type == clerkevents.MembershipCreated}
	updatedAt, ok := clerkTime(ms, now)
	if !ok {
		ev.Unappliable = badUpdatedAt
		return ev, nil
	}
	ev.Change.UpdatedAt = updatedAt
	ev.PublishOrg = &clerkevents.OrgEvent{Type: ev.Type, OrgID: orgID, UserID: userID, Role: role, UpdatedAt: updatedAt}
	return ev, nil
}

// membershipIDs are a membership's organization.id and
// public_user_data.user_id.
func membershipIDs(data members) (orgID, userID string, err error) {
	const noIDs = "membership event has no valid organization id and user id"
	var rawOrg, rawUser json.RawMessage
	if _, err := data.get("organization", &rawOrg); err != nil {
		return "", "", orDecodeError(err, noIDs)
	}
	if _, err := data.get("public_user_data", &rawUser); err != nil {
		return "", "", orDecodeError(err, noIDs)
	}
	org, ok := readMembers(rawOrg, "data.organization", "id")
	if !ok {
		return "", "", decodeError(noIDs)
	}
	user, ok := readMembers(rawUser, "data.public_user_data", "user_id")
	if !ok {
		return "", "", decodeError(noIDs)
	}
	if _, err := org.get("id", &orgID); err != nil || !validID(orgID) {
		return "", "", orDecodeError(err, noIDs)
	}
	if _, err := user.get("user_id", &userID); err != nil || !validID(userID) {
		return "", "", orDecodeError(err, noIDs)
	}
	return orgID, userID, nil
}

// validRole accepts Clerk's role keys, such as org:admin: they are stored
// and published.
func validRole(s string) bool { return s != "" && plainName(s, ':') }
