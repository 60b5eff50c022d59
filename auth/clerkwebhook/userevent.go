package clerkwebhook

import "time"

// UserEvent is the message the auth service publishes on its
// clerk-user-events topic for each user.created, user.updated and
// user.deleted it applies. Delivery is at least once and not in order:
// subscribers must be idempotent, and may compare UpdatedAt.
type UserEvent struct {
	// Type is Clerk's event type: "user.created", "user.updated" or "user.deleted".
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
