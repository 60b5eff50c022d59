package clerkmirror_test

import (
	"context"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
)

// The mirror is read back as Clerk described it.
func TestStoredOrganizationsAndMemberships(t *testing.T) {
	store := newStore(t)
	ctx := context.Background()
	at := time.Unix(1_754_000_000, 0).UTC()
	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.OrgChanged, OrgID: "org_1", Slug: "acme", Name: "Acme", UpdatedAt: at})
	apply(t, store, "msg_2", clerkmirror.Change{Kind: clerkmirror.MembershipChanged, OrgID: "org_1", UserID: userID, Role: "org:admin", UpdatedAt: at, Created: true})
	o, found, err := store.Organization(ctx, "org_1")
	if err != nil || !found || o.Slug != "acme" || o.Name != "Acme" || o.Deleted || !o.UpdatedAt.Equal(at) {
		t.Fatalf("Organization = %+v, %v, %v", o, found, err)
	}
	m, found, err := store.Membership(ctx, "org_1", userID)
	if err != nil || !found || m.Role != "org:admin" || m.Deleted || !m.UpdatedAt.Equal(at) {
		t.Fatalf("Membership = %+v, %v, %v", m, found, err)
	}
	if _, found, err := store.Organization(ctx, "org_none"); found || err != nil {
		t.Fatalf("unknown organization: %v, %v", found, err)
	}
	if _, found, err := store.Membership(ctx, "org_1", "user_none"); found || err != nil {
		t.Fatalf("unknown membership: %v, %v", found, err)
	}
}

// A membership's deletion refuses earlier tokens whatever role it carries.
func TestMembershipDeletionRefusesEarlierTokens(t *testing.T) {
	store := newStore(t)
	at := time.Unix(1_754_000_000, 0).UTC()
	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.MembershipChanged, OrgID: "org_1", UserID: userID, Role: "org:admin", UpdatedAt: at, Created: true})
	apply(t, store, "msg_2", clerkmirror.Change{Kind: clerkmirror.MembershipDeleted, OrgID: "org_1", UserID: userID, Role: "org:admin", UpdatedAt: at.Add(time.Second)})
	changes, err := store.ChangesAfter(context.Background(), 0, 10)
	if err != nil || len(changes) != 2 || !changes[0].TokensBefore.IsZero() || !changes[1].TokensBefore.Equal(at.Add(time.Second)) {
		t.Fatalf("change log %+v, %v", changes, err)
	}
}
