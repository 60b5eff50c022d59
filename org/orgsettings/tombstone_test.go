package orgsettings_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/internal/clerkevents"
	"encore.app/internal/testutil"
	"encore.app/org/orgsettings"
)

// expectDeleted fails unless the organization's row is a tombstone holding
// nothing, which Get, Update and an empty Update refuse with ErrOrgDeleted.
func expectDeleted(t *testing.T, s *orgsettings.Store, db *sql.DB, orgID string) {
	t.Helper()
	ctx := context.Background()
	var data int
	var deletedAt sql.NullTime
	err := db.QueryRow(`SELECT num_nonnulls(display_name, allowed_email_domains), deleted_at
		FROM org_settings WHERE org_id = $1`, orgID).Scan(&data, &deletedAt)
	if err != nil || data != 0 || !deletedAt.Valid {
		t.Fatalf("%s: row with %d values, deleted_at %v (%v); want a tombstone", orgID, data, deletedAt, err)
	}
	if st, err := s.Get(ctx, orgID, "acme"); !errors.Is(err, orgsettings.ErrOrgDeleted) {
		t.Fatalf("%s: Get = %+v, %v; want ErrOrgDeleted", orgID, st, err)
	}
	for _, patch := range []orgsettings.Patch{{DisplayName: ptr("Back")}, {}} {
		if st, err := s.Update(ctx, orgID, "acme", patch); !errors.Is(err, orgsettings.ErrOrgDeleted) {
			t.Fatalf("%s: Update(%+v) = %+v, %v; want ErrOrgDeleted", orgID, patch, st, err)
		}
	}
}

func orgDeleted(orgID string) *clerkevents.OrgEvent {
	return &clerkevents.OrgEvent{Type: clerkevents.OrganizationDeleted, OrgID: orgID, UpdatedAt: time.Now()}
}

// organization.deleted leaves a tombstone: the settings are gone, and
// every later read or write of the organization is refused, whether or not
// it had stored any. Delivered twice (at least once delivery), it changes
// nothing more.
func TestDeletedOrganizationIsRefused(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	update(t, s, "org_gone", "acme", orgsettings.Patch{DisplayName: ptr("Acme"), AllowedEmailDomains: &[]string{"acme.com"}})
	update(t, s, "org_stays", "beta", orgsettings.Patch{DisplayName: ptr("Beta")})
	for i := 0; i < 2; i++ {
		for _, org := range []string{"org_gone", "org_never"} {
			if err := orgsettings.HandleOrgEvent(ctx, s, orgDeleted(org)); err != nil {
				t.Fatalf("organization.deleted #%d of %s: %v", i+1, org, err)
			}
			expectDeleted(t, s, db, org)
		}
	}
	if got := get(t, s, "org_stays", "beta"); got.DisplayName != "Beta" {
		t.Fatalf("another organization's deletion changed org_stays: %+v", got)
	}
}

// Events other than organization.deleted, late ones included, and
// malformed messages change nothing: Clerk never reuses an organization ID.
func TestHandleOrgEventIgnoresOtherEvents(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	update(t, s, "org_1", "acme", orgsettings.Patch{DisplayName: ptr("Acme")})
	if err := orgsettings.HandleOrgEvent(ctx, s, orgDeleted("org_gone")); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	for _, ev := range []*clerkevents.OrgEvent{
		nil,
		{Type: clerkevents.OrganizationCreated, OrgID: "org_gone", Slug: "back", UpdatedAt: later},
		{Type: clerkevents.OrganizationUpdated, OrgID: "org_gone", Slug: "back", UpdatedAt: later},
		{Type: clerkevents.OrganizationUpdated, OrgID: "org_1", Slug: "renamed", UpdatedAt: later},
		{Type: clerkevents.MembershipDeleted, OrgID: "org_1", UserID: "user_1", UpdatedAt: later},
		{Type: clerkevents.MembershipUpdated, OrgID: "org_1", UserID: "user_1", Role: "org:member", UpdatedAt: later},
		{Type: "", OrgID: "org_1"},
		{Type: clerkevents.OrganizationDeleted, OrgID: ""},
	} {
		if err := orgsettings.HandleOrgEvent(ctx, s, ev); err != nil {
			t.Fatalf("HandleOrgEvent(%+v) = %v", ev, err)
		}
		if got := get(t, s, "org_1", "acme"); got.DisplayName != "Acme" {
			t.Fatalf("HandleOrgEvent(%+v) changed org_1: %+v", ev, got)
		}
		expectDeleted(t, s, db, "org_gone")
	}
}

func TestHandleOrgEventReportsFailure(t *testing.T) {
	s, db := newStore(t)
	db.Close()
	if err := orgsettings.HandleOrgEvent(context.Background(), s, orgDeleted("org_1")); err == nil {
		t.Fatal("a failed deletion was acknowledged: the message would not be redelivered")
	}
}

// A deleted organization's requests are a 404 saying so, not a 500, and
// validation still comes first (400).
func TestAPIErrorOfADeletedOrganization(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.DeleteOrg(ctx, "org_gone"); err != nil {
		t.Fatal(err)
	}
	data := &clerkauth.AuthData{UserID: "user_1", OrgID: "org_gone"}
	_, getErr := s.Get(ctx, "org_gone", "acme")
	_, updateErr := s.Update(ctx, "org_gone", "acme", orgsettings.Patch{DisplayName: ptr("Back")})
	for name, err := range map[string]error{"Get": getErr, "Update": updateErr} {
		e := orgsettings.APIError("op", err, data)
		if e.Code != errs.NotFound || e.Code.HTTPStatus() != 404 || e.Message != orgsettings.MsgOrgDeleted {
			t.Errorf("%s (%v): %v %d %q, want not_found 404 %q", name, err, e.Code, e.Code.HTTPStatus(), e.Message, orgsettings.MsgOrgDeleted)
		}
	}
	_, err := s.Update(ctx, "org_gone", "acme", orgsettings.Patch{DisplayName: ptr(" ")})
	if e := orgsettings.APIError("op", err, data); e.Code != errs.InvalidArgument {
		t.Errorf("invalid patch of a deleted organization: %v %q", e.Code, e.Message)
	}
}

// PATCHes racing the deletion of their organization, on rows that exist
// and on rows that do not yet: whatever the timing, each PATCH either
// succeeds (before the deletion, which then removes what it wrote) or is
// refused, and the organization ends as a tombstone holding nothing.
func TestPatchesRacingTheDeletion(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	const orgs, patchers = 20, 4
	for i := 0; i < orgs; i += 2 {
		update(t, s, fmt.Sprintf("org_%d", i), "acme", orgsettings.Patch{DisplayName: ptr("Old")})
	}
	ids := make([]string, orgs)
	for i := range ids {
		ids[i] = fmt.Sprintf("org_%d", i)
	}
	testutil.RaceWritesAgainstDeletion(t, ids, patchers,
		func(org string) error { return orgsettings.HandleOrgEvent(ctx, s, orgDeleted(org)) },
		func(org string) error {
			_, err := s.Update(ctx, org, "acme", orgsettings.Patch{DisplayName: ptr("New"), AllowedEmailDomains: &[]string{"new.com"}})
			return err
		}, orgsettings.ErrOrgDeleted)
	for i := 0; i < orgs; i++ {
		expectDeleted(t, s, db, fmt.Sprintf("org_%d", i))
	}
}

// The database refuses a tombstone holding settings, should a writer
// bypass the Store.
func TestTombstoneHoldsNothing(t *testing.T) {
	s, db := newStore(t)
	if err := s.DeleteOrg(context.Background(), "org_gone"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE org_settings SET display_name = 'Back' WHERE org_id = 'org_gone'`,
		`INSERT INTO org_settings (org_id, allowed_email_domains, deleted_at) VALUES ('org_2', '{}', now())`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
}
