// Package org is the Encore service that serves the settings of the
// caller's active organization. The organization is always the one in the
// caller's session token (the auth data's OrgID), never a request
// parameter, so a member of one organization can neither read nor change
// another's. Its subscription to the auth service's organization events
// deletes a deleted organization's settings. The logic lives in the plain
// package orgsettings, which plain `go test` covers; this package only
// hands it the auth data and the events and declares the database, so it
// has no tests of its own (a test binary declaring Encore resources cannot
// start outside Encore).
package org

import (
	"context"

	encoreauth "encore.dev/beta/auth"
	"encore.dev/pubsub"
	"encore.dev/rlog"
	"encore.dev/storage/sqldb"

	"encore.app/auth"
	"encore.app/auth/clerkauth"
	"encore.app/internal/clerkevents"
	"encore.app/org/orgsettings"
)

// db holds one row of settings per organization; schema in ./migrations.
var db = sqldb.NewDatabase("orgsettings", sqldb.DatabaseConfig{
	Migrations: "./migrations",
})

// store is the settings store on db (Stdlib is opened once and cached).
func store() *orgsettings.Store { return orgsettings.NewStore(db.Stdlib()) }

// GetSettings returns the active organization's settings; 404 once the
// organization is deleted. Any member may read them; the org_member tag's
// middleware (package authz) refuses a caller without an active
// organization, and so does the endpoint itself.
//
//encore:api auth method=GET path=/org/settings tag:org_member
func GetSettings(ctx context.Context) (*orgsettings.Settings, error) {
	data, _ := encoreauth.Data().(*clerkauth.AuthData)
	if e := orgsettings.Authorize(data, orgsettings.Read); e != nil {
		return nil, e
	}
	st, err := store().Get(ctx, data.OrgID, data.OrgSlug)
	if err != nil {
		return nil, orgsettings.APIError("reading organization settings", err, data)
	}
	return &st, nil
}

// UpdateSettings changes the fields the body gives, and only those, in the
// active organization's settings. Only an org:admin may; the org_admin
// tag's middleware (package authz) enforces it, and so does the endpoint
// itself. The admin must also have verified within the last 10 minutes
// (tag reverify_strict: their second factor, or their first if they have
// none); otherwise the 403 carries Clerk's reverification hint, which the
// frontend hands to useReverification(). Every given field is validated
// first; an invalid one is a 400 naming it, and nothing is written. Once
// the organization is deleted it is a 404 that writes nothing, even for a
// token still accepted while the instances learn of the deletion.
//
//encore:api auth method=PATCH path=/org/settings tag:org_admin tag:reverify_strict
func UpdateSettings(ctx context.Context, patch *orgsettings.Patch) (*orgsettings.Settings, error) {
	data, _ := encoreauth.Data().(*clerkauth.AuthData)
	if e := orgsettings.Authorize(data, orgsettings.Write); e != nil {
		return nil, e
	}
	if patch == nil {
		patch = &orgsettings.Patch{}
	}
	st, err := store().Update(ctx, data.OrgID, data.OrgSlug, *patch)
	if err != nil {
		return nil, orgsettings.APIError("updating organization settings", err, data)
	}
	return &st, nil
}

// The subscription deletes a deleted organization's settings for good,
// leaving a tombstone. Delivery is at least once and applying a deletion
// twice is harmless; an error makes the message be redelivered.
var _ = pubsub.NewSubscription(auth.OrgEvents, "org-delete-settings",
	pubsub.SubscriptionConfig[*clerkevents.OrgEvent]{
		Handler: handleOrgEvent,
	})

func handleOrgEvent(ctx context.Context, ev *clerkevents.OrgEvent) error {
	if err := orgsettings.HandleOrgEvent(ctx, store(), ev); err != nil {
		rlog.Error("deleting the settings of a deleted organization failed", "org_id", ev.OrgID, "err", err)
		return err
	}
	return nil
}
