// Package clerkevents holds the messages the auth service publishes about
// what Clerk tells it through webhooks. It is a plain package of types, with
// no Encore resource and no dependency, so that the webhook handler, the
// topic declaration and every subscriber's plain package share one
// definition without importing each other.
package clerkevents

import "time"

// UserEvent is the message of the auth service's clerk-user-events topic:
// one for each user.created, user.updated and user.deleted the webhook
// endpoint applies. Delivery is at least once and not in order: subscribers
// must be idempotent, and may compare UpdatedAt.
type UserEvent struct {
	// Type is Clerk's event type: UserCreated, UserUpdated or UserDeleted.
	Type   string `json:"type"`
	UserID string `json:"userId"`
	// Email is the primary email address; "" when the user has none, and
	// for user.deleted.
	Email string `json:"email"`
	// UpdatedAt is Clerk's updated_at of the user, or for user.deleted the
	// time of the event.
	UpdatedAt time.Time `json:"updatedAt"`
}

// Clerk's event types that UserEvent carries.
const (
	UserCreated = "user.created"
	UserUpdated = "user.updated"
	UserDeleted = "user.deleted"
)

// OrgEvent is the message of the auth service's clerk-org-events topic: one
// for each organization.* and organizationMembership.* event the webhook
// endpoint applies. Delivery is at least once and not in order: subscribers
// must be idempotent, and may compare UpdatedAt.
type OrgEvent struct {
	// Type is Clerk's event type: one of the Organization* and Membership*
	// constants.
	Type  string `json:"type"`
	OrgID string `json:"orgId"`
	// Slug and Name describe the organization of organization.created and
	// organization.updated; "" otherwise.
	Slug string `json:"slug,omitempty"`
	Name string `json:"name,omitempty"`
	// UserID is the member of a membership event; "" otherwise.
	UserID string `json:"userId,omitempty"`
	// Role is the member's role (such as "org:admin") of
	// organizationMembership.created and .updated; "" otherwise.
	Role string `json:"role,omitempty"`
	// UpdatedAt is Clerk's updated_at of the organization or membership,
	// or for a deletion the time of the event.
	UpdatedAt time.Time `json:"updatedAt"`
}

// Clerk's event types that OrgEvent carries.
const (
	OrganizationCreated = "organization.created"
	OrganizationUpdated = "organization.updated"
	OrganizationDeleted = "organization.deleted"
	MembershipCreated   = "organizationMembership.created"
	MembershipUpdated   = "organizationMembership.updated"
	MembershipDeleted   = "organizationMembership.deleted"
)
