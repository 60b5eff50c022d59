package user

import (
	"context"

	"encore.dev/beta/errs"
	"encore.dev/pubsub"
	"encore.dev/rlog"
	"encore.dev/storage/sqldb"

	"encore.app/auth"
	"encore.app/auth/clerkwebhook"
	"encore.app/user/preferences"
)

// db holds one row of preferences per user; schema in ./migrations.
var db = sqldb.NewDatabase("preferences", sqldb.DatabaseConfig{
	Migrations: "./migrations",
})

// store is the preferences store on db (Stdlib is opened once and cached).
func store() *preferences.Store { return preferences.NewStore(db.Stdlib()) }

// GetPreferences returns the signed-in user's preferences, the defaults
// (with updatedAt null) when they never changed any.
//
//encore:api auth method=GET path=/user/preferences
func GetPreferences(ctx context.Context) (*preferences.Preferences, error) {
	data, err := authData()
	if err != nil {
		return nil, err
	}
	p, err := store().Get(ctx, data.UserID)
	if err != nil {
		return nil, apiError("reading preferences", data.UserID, err)
	}
	return &p, nil
}

// UpdatePreferences changes the fields the body gives and only those:
// {"theme":"dark"} leaves the locale, time zone and email setting as they
// are. Every given field is validated first; an invalid one is a 400 naming
// it, and nothing is written. The user is always the signed-in one.
//
//encore:api auth method=PATCH path=/user/preferences
func UpdatePreferences(ctx context.Context, patch *preferences.Patch) (*preferences.Preferences, error) {
	data, err := authData()
	if err != nil {
		return nil, err
	}
	if patch == nil {
		patch = &preferences.Patch{}
	}
	p, err := store().Update(ctx, data.UserID, *patch)
	if err != nil {
		return nil, apiError("updating preferences", data.UserID, err)
	}
	return &p, nil
}

// apiError logs a store failure and returns what the client sees: 400 for
// an invalid field, otherwise 503 or 500 with a generic message.
func apiError(op, userID string, err error) error {
	e := preferences.APIError(err)
	if e.Code != errs.InvalidArgument {
		rlog.Error(op+" failed", "user_id", userID, "code", e.Code.String(), "err", err)
	}
	return e
}

// deletePreferences removes a deleted user's preferences. Delivery is at
// least once and applying a deletion twice is harmless; an error makes the
// message be redelivered.
var _ = pubsub.NewSubscription(auth.UserEvents, "user-delete-preferences",
	pubsub.SubscriptionConfig[*clerkwebhook.UserEvent]{
		Handler: handleUserEvent,
	})

func handleUserEvent(ctx context.Context, ev *clerkwebhook.UserEvent) error {
	if err := preferences.HandleUserEvent(ctx, store(), ev); err != nil {
		rlog.Error("deleting the preferences of a deleted user failed", "user_id", ev.UserID, "err", err)
		return err
	}
	return nil
}
