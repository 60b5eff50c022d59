package localclerk

import (
	"encoding/json"
	"strings"
	"time"
)

// WebhookPath is where the app receives Clerk's webhooks: the auth
// service's POST /webhooks/clerk.
const WebhookPath = "/webhooks/clerk"

// EventBody is Clerk's event envelope around data (a user or session object,
// or anything for an event type the endpoint does not handle), emitted at at.
// It panics if data cannot be encoded as JSON.
func EventBody(eventType string, data any, at time.Time) []byte {
	b, err := json.Marshal(map[string]any{
		"data":        data,
		"object":      "event",
		"type":        eventType,
		"timestamp":   at.UnixMilli(),
		"instance_id": "ins_localclerk",
	})
	if err != nil {
		panic("localclerk: event data is not JSON: " + err.Error())
	}
	return b
}

// UserEventBody is a user.created or user.updated event: u as the Backend
// API serves it (so Primary picks primary_email_address_id), with Clerk's
// created_at and updated_at in ms. Clerk emits it when the user changes, so
// the event's timestamp is updatedAt too.
func UserEventBody(eventType string, u User, updatedAt time.Time) []byte {
	data := u.resource()
	data["created_at"] = updatedAt.UnixMilli()
	data["updated_at"] = updatedAt.UnixMilli()
	return EventBody(eventType, data, updatedAt)
}

// UserDeletedBody is Clerk's user.deleted event, emitted at at: its data is
// only the user's id.
func UserDeletedBody(userID string, at time.Time) []byte {
	return EventBody("user.deleted", map[string]any{"id": userID, "object": "user", "deleted": true}, at)
}

// SessionEventBody is a session.* event (such as session.revoked) for the
// session sessionID of userID, emitted now, with the status Clerk gives the
// session after that event.
func SessionEventBody(eventType, sessionID, userID string) []byte {
	now := time.Now()
	status := "active"
	switch eventType {
	case "session.ended":
		status = "ended"
	case "session.removed":
		status = "removed"
	case "session.revoked":
		status = "revoked"
	}
	return EventBody(eventType, map[string]any{
		"id":             sessionID,
		"object":         "session",
		"user_id":        userID,
		"client_id":      "client_localclerk",
		"status":         status,
		"last_active_at": now.UnixMilli(),
		"expire_at":      now.Add(7 * 24 * time.Hour).UnixMilli(),
		"abandon_at":     now.Add(30 * 24 * time.Hour).UnixMilli(),
		"created_at":     now.UnixMilli(),
		"updated_at":     now.UnixMilli(),
	}, now)
}

// MembershipEventBody is an organizationMembership.* event (created,
// updated or deleted) for m, emitted at at: Clerk's OrganizationMembership
// object, with the organization, the role's permissions and the member's
// public data as the Clerk knows them.
func (c *Clerk) MembershipEventBody(eventType string, m Membership, at time.Time) []byte {
	c.mu.Lock()
	org, u, permissions := c.orgs[m.OrgID], c.users[m.UserID], c.roles[m.Role]
	c.mu.Unlock()
	ms := at.UnixMilli()
	if permissions == nil {
		permissions = []string{}
	}
	return EventBody(eventType, map[string]any{
		"object":      "organization_membership",
		"id":          "orgmem_" + strings.TrimPrefix(m.OrgID, "org_") + "_" + strings.TrimPrefix(m.UserID, "user_"),
		"role":        m.Role,
		"permissions": permissions,
		"organization": map[string]any{
			"object": "organization", "id": org.ID, "name": org.Name, "slug": org.Slug,
			"created_at": ms, "updated_at": ms,
		},
		"public_user_data": map[string]any{
			"user_id": m.UserID, "identifier": u.PrimaryEmail(),
			"first_name": nil, "last_name": nil, "image_url": "", "has_image": false,
		},
		"created_at": ms,
		"updated_at": ms,
	}, at)
}
