package user

import (
	"context"

	"encore.dev/pubsub"
	"encore.dev/rlog"
	"encore.dev/storage/sqldb"

	"encore.app/auth"
	"encore.app/authz"
	"encore.app/internal/clerkevents"
	"encore.app/user/preferences"
)

// db holds one row of preferences per user; schema in ./migrations.
var db = sqldb.NewDatabase("preferences", sqldb.DatabaseConfig{
	Migrations: "./migrations",
})

// store is the preferences store on db (Stdlib is opened once and cached).
func store() *preferences.Store { return preferences.NewStore(db.Stdlib()) }

// GetPreferences returns the signed-in user's preferences, the defaults
// (with updatedAt null) when they never changed any; 404 once the user is
// deleted. A user's own API key may read them with the preferences:read
// scope.
//
//encore:api auth method=GET path=/user/preferences tag:accepts_session_token tag:accepts_api_key
func GetPreferences(ctx context.Context) (*preferences.Preferences, error) {
	data, err := authData()
	if err != nil {
		return nil, err
	}
	if err := authz.RequireScope(ctx, preferences.ScopeRead); err != nil {
		return nil, err
	}
	p, err := store().Get(ctx, data.UserID)
	if err != nil {
		return nil, preferences.APIError("reading preferences", err, data.UserID)
	}
	return &p, nil
}

// UpdatePreferences changes the fields the body gives and only those:
// {"theme":"dark"} leaves the locale, time zone and email setting as they
// are. Every given field is validated first; an invalid one is a 400 naming
// it, and nothing is written. The user is always the signed-in one. Once
// the user is deleted it is a 404 that writes nothing, even for a token
// still accepted while the instances learn of the deletion. A user's own
// API key may change them with the preferences:write scope.
//
//encore:api auth method=PATCH path=/user/preferences tag:accepts_session_token tag:accepts_api_key
func UpdatePreferences(ctx context.Context, patch *preferences.Patch) (*preferences.Preferences, error) {
	data, err := authData()
	if err != nil {
		return nil, err
	}
	if err := authz.RequireScope(ctx, preferences.ScopeWrite); err != nil {
		return nil, err
	}
	if patch == nil {
		patch = &preferences.Patch{}
	}
	p, err := store().Update(ctx, data.UserID, *patch)
	if err != nil {
		return nil, preferences.APIError("updating preferences", err, data.UserID)
	}
	return &p, nil
}

// The subscription deletes a deleted user's preferences for good, leaving a
// tombstone. Delivery is at least once and applying a deletion twice is
// harmless; an error makes the message be redelivered.
var _ = pubsub.NewSubscription(auth.UserEvents, "user-delete-preferences",
	pubsub.SubscriptionConfig[*clerkevents.UserEvent]{
		Handler: handleUserEvent,
	})

func handleUserEvent(ctx context.Context, ev *clerkevents.UserEvent) error {
	if err := preferences.HandleUserEvent(ctx, store(), ev); err != nil {
		rlog.Error("deleting the preferences of a deleted user failed", "user_id", ev.UserID, "err", err)
		return err
	}
	return nil
}
