package clerkusers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/clerkevents"
	"encore.app/internal/testutil"
)

// membershipBody is an organizationMembership.* event of Clerk's
// OrganizationMembership object, updated at updatedAt and emitted at at.
func membershipBody(eventType, orgID, role string, updatedAt, at time.Time) []byte {
	return clerktest.EventBody(eventType, map[string]any{
		"object": "organization_membership", "id": "orgmem_1", "role": role, "permissions": []string{},
		"created_at": updatedAt.UnixMilli(), "updated_at": updatedAt.UnixMilli(),
		"organization":     map[string]any{"object": "organization", "id": orgID, "slug": "acme", "name": "Acme"},
		"public_user_data": map[string]any{"user_id": userID, "identifier": "ada@example.com"},
	}, at)
}

// orgToken is a token of userID issued at iat whose active organization is
// orgID ("": none), in its own session.
func orgToken(srv *clerktest.Server, orgID, role string, iat int64) string {
	claims := srv.Claims(userID)
	claims["iat"], claims["nbf"], claims["sid"] = iat, iat, fmt.Sprintf("sess_%s_%d", orgID, iat)
	if orgID != "" {
		claims["o"] = map[string]any{"id": orgID, "slg": "acme", "rol": role}
	}
	return srv.Sign(claims)
}

// Removing a member, demoting an admin and deleting an organization in
// Clerk, told to one instance, is enforced by another sharing the database
// within about one sync interval, with no per-request database or Clerk
// call: tokens issued before the change that name the organization are
// refused (the reason logged says the membership changed), and the
// client's next token, issued after it, is accepted.
func TestOrganizationChangesAreEnforcedByAllInstances(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	const interval = 100 * time.Millisecond
	receiver, other := startApp(t, srv, store, interval), startApp(t, srv, store, interval)
	within := 30 * interval // generous: the machine is shared and noisy
	now := time.Now()
	sec := func(d time.Duration) int64 { return now.Add(d).Unix() }
	refused := func(token string) bool {
		_, err := other.authenticate(token)
		return err != nil
	}
	mustRefuse := func(token string) {
		t.Helper()
		_, err := other.authenticate(token)
		testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		if !strings.Contains(err.Error(), "membership changed") {
			t.Fatalf("reason %q does not say the membership changed", err)
		}
	}
	mustAccept := func(token string) {
		t.Helper()
		if _, err := other.authenticate(token); err != nil {
			t.Fatalf("token refused: %v", err)
		}
	}

	admin := orgToken(srv, "org_1", "admin", sec(-50*time.Second))
	elsewhere := orgToken(srv, "org_2", "admin", sec(-50*time.Second))
	noOrg := orgToken(srv, "", "", sec(-50*time.Second))
	for _, token := range []string{admin, elsewhere, noOrg} {
		mustAccept(token)
	}
	deliver(t, receiver.webhooks, membershipBody(clerkevents.MembershipCreated, "org_1", "org:admin", now.Add(-time.Minute), now.Add(-time.Minute)))

	// Demoted 40.5 s ago: the admin's token issued before is refused, the
	// member's token issued after is accepted.
	demotedAt := now.Add(-40*time.Second - 500*time.Millisecond)
	deliver(t, receiver.webhooks, membershipBody(clerkevents.MembershipUpdated, "org_1", "org:member", demotedAt, demotedAt))
	waitFor(t, within, func() bool { return refused(admin) })
	mustRefuse(admin)
	member := orgToken(srv, "org_1", "member", sec(-39*time.Second)) // the second after demotedAt's, or later
	mustAccept(member)
	mustAccept(elsewhere)
	mustAccept(noOrg)

	// Removed 30 s ago: the member's token is refused; the next token has
	// no active organization, or another.
	removedAt := now.Add(-30 * time.Second)
	deliver(t, receiver.webhooks, membershipBody(clerkevents.MembershipDeleted, "org_1", "org:member", demotedAt, removedAt))
	waitFor(t, within, func() bool { return refused(member) })
	mustRefuse(member)
	mustAccept(orgToken(srv, "", "", sec(-20*time.Second)))
	mustAccept(orgToken(srv, "org_2", "admin", sec(-20*time.Second)))

	// The organization deleted: every token naming it is refused, whatever
	// its iat.
	deliver(t, receiver.webhooks, clerktest.EventBody(clerkevents.OrganizationDeleted,
		map[string]any{"object": "organization", "id": "org_2", "deleted": true}, now.Add(-10*time.Second)))
	waitFor(t, within, func() bool { return refused(elsewhere) })
	mustRefuse(orgToken(srv, "org_2", "admin", sec(0)))
	mustAccept(noOrg)
	// The receiver enforces them too.
	if _, err := receiver.authenticate(admin); err == nil {
		t.Fatal("the receiving instance accepted a demoted admin's token")
	}
	srv.WantCalls(t, clerktest.Users, 1) // the first lookup; refusals need none
}

// A starting instance loads the deleted organizations and the membership
// changes that can still refuse a token, and forgets them past the
// retention; a newer version of a deleted organization lifts its deletion.
func TestTailLoadsOrgRevocations(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	at := time.Unix(1_754_000_000, 0)
	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.MembershipChanged, OrgID: "org_1", UserID: userID, Role: "org:admin", UpdatedAt: at, Created: true})
	apply(t, store, "msg_2", clerkmirror.Change{Kind: clerkmirror.MembershipChanged, OrgID: "org_1", UserID: userID, Role: "org:member", UpdatedAt: at.Add(time.Second)})
	apply(t, store, "msg_3", clerkmirror.Change{Kind: clerkmirror.OrgDeleted, OrgID: "org_2", UpdatedAt: at})
	clock := clerktest.NewClock()
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.Now = clock.Now })
	in.sync(t)
	r := in.revocations
	if !r.MembershipChanged(userID, "org_1", at.Unix()) || r.MembershipChanged(userID, "org_1", at.Unix()+1) {
		t.Fatal("the demotion not loaded as logged")
	}
	if !r.MembershipChanged("user_other", "org_2", at.Unix()+3600) || r.MembershipChanged(userID, "org_3", 0) {
		t.Fatal("the organization's deletion not loaded as stored")
	}
	if !r.OrgDeleted("org_2") || r.OrgDeleted("org_1") {
		t.Fatal("OrgDeleted does not say which organization was deleted")
	}

	apply(t, store, "msg_4", clerkmirror.Change{Kind: clerkmirror.OrgChanged, OrgID: "org_2", Slug: "back", UpdatedAt: at.Add(time.Hour)})
	in.sync(t)
	if r.MembershipChanged(userID, "org_2", 0) || r.OrgDeleted("org_2") {
		t.Fatal("a version newer than the deletion did not lift it")
	}
	clock.Advance(clerkusers.RevocationRetention(5*time.Second) + time.Second)
	in.sync(t)
	if r.Len() != 0 {
		t.Fatalf("%d revocations kept past the retention", r.Len())
	}
}

// A token's iat is in whole seconds: one of the second of the change is
// refused unless the change is at that second's start. The latest change
// of a membership counts; an organization's deletion refuses any iat; a
// token without an organization is never refused.
func TestMembershipChangedComparesIssuedAt(t *testing.T) {
	r := clerkusers.NewRevocations(nil)
	clerkusers.ChangeMembership(r, "user_1", "org_exact", time.Unix(10, 0))
	clerkusers.ChangeMembership(r, "user_1", "org_within", time.Unix(10, int64(time.Millisecond)))
	clerkusers.ChangeMembership(r, "user_1", "org_twice", time.Unix(20, 0))
	clerkusers.ChangeMembership(r, "user_1", "org_twice", time.Unix(15, 0))
	for _, c := range []struct {
		user, org string
		iat       int64
		want      bool
	}{
		{"user_1", "org_exact", 9, true},
		{"user_1", "org_exact", 10, false},
		{"user_1", "org_within", 10, true},
		{"user_1", "org_within", 11, false},
		{"user_1", "org_twice", 19, true},
		{"user_1", "org_twice", 20, false},
		{"user_2", "org_exact", 9, false},
		{"user_1", "org_other", 9, false},
		{"user_1", "", 9, false},
	} {
		if got := r.MembershipChanged(c.user, c.org, c.iat); got != c.want {
			t.Errorf("MembershipChanged(%s, %s, %d) = %v, want %v", c.user, c.org, c.iat, got, c.want)
		}
	}
	// Checked on every request: no allocation.
	if n := testing.AllocsPerRun(100, func() { r.MembershipChanged("user_1", "org_within", 10) }); n != 0 {
		t.Fatalf("MembershipChanged allocates %v times", n)
	}
}
