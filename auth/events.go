package auth

import (
	"encore.dev/pubsub"

	"encore.app/internal/clerkevents"
)

// UserEvents carries every user.created, user.updated and user.deleted the
// webhook endpoint applies, so any service can react with a typed
// subscription. Delivery is at least once: subscribers must be idempotent.
var UserEvents = pubsub.NewTopic[*clerkevents.UserEvent]("clerk-user-events", pubsub.TopicConfig{
	DeliveryGuarantee: pubsub.AtLeastOnce,
})

// userEventsPublisher is how the webhook handler publishes: Encore's static
// analysis lets a *Topic only be published to or subscribed to where it is
// named, while a TopicRef may be handed to a plain package.
var userEventsPublisher = pubsub.TopicRef[pubsub.Publisher[*clerkevents.UserEvent]](UserEvents)

// OrgEvents carries every organization.created, .updated and .deleted and
// organizationMembership.created, .updated and .deleted the webhook
// endpoint applies, published in the same transaction as UserEvents.
// Delivery is at least once: subscribers must be idempotent.
var OrgEvents = pubsub.NewTopic[*clerkevents.OrgEvent]("clerk-org-events", pubsub.TopicConfig{
	DeliveryGuarantee: pubsub.AtLeastOnce,
})

// orgEventsPublisher is OrgEvents for the webhook handler, as userEventsPublisher.
var orgEventsPublisher = pubsub.TopicRef[pubsub.Publisher[*clerkevents.OrgEvent]](OrgEvents)
