package clerkreconcile_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkreconcile"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/clerkevents"
)

// A pass over 2,500 users in 5 pages and a page of organizations: users
// missing from the mirror are inserted, stale ones updated, newer ones
// (a webhook's) and deleted ones kept, one the listing skipped because a
// user was deleted in Clerk during the pass is fetched and saved rather
// than marked deleted, and those Clerk no longer has are marked deleted,
// unless written during the pass. Organizations the same, a deleted one's
// memberships ended. Every change is in the change log, which an
// instance's tail applies as a webhook's, and the deletions are published.
// The cost is 2 calls a page of users, 1 a page of organizations, 1 per
// record checked, all counted.
func TestPassHealsTheMirror(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addUsers(2500)
	older, newer := clerkTime.Add(-time.Hour), clerkTime.Add(time.Hour)
	for _, i := range []int{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 1000} {
		f.mirror(t, userID(i), "old@example.com", older) // stale
	}
	for i := 200; i < 205; i++ {
		f.mirror(t, userID(i), "newer@example.com", newer) // a webhook's newer version
	}
	f.mirror(t, userID(300), userID(300)+"@example.com", clerkTime) // current, synced long ago
	if _, err := f.db.Exec(`UPDATE users SET synced_at = now() - interval '2 days' WHERE id = $1`, userID(300)); err != nil {
		t.Fatal(err)
	}
	f.mirror(t, userID(400), "", older)
	f.apply(t, clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: userID(400)}) // deleted: stays so
	for _, id := range []string{"user_gone1", "user_gone2", "user_gone3"} {
		f.mirror(t, id, id+"@example.com", older) // Clerk no longer has them
	}
	f.mirror(t, "user_dead", "", older)
	f.apply(t, clerkmirror.Change{Kind: clerkmirror.UserDeleted, UserID: "user_dead"}) // gone and known so

	f.srv.SetOrganization(clerktest.Organization{ID: "org_new", Name: "New", Slug: "new", UpdatedAt: clerkTime})
	f.srv.SetOrganization(clerktest.Organization{ID: "org_stale", Name: "Stale Inc", Slug: "stale", UpdatedAt: clerkTime})
	f.apply(t, clerkmirror.Change{Kind: clerkmirror.OrgChanged, OrgID: "org_stale", Slug: "stale", Name: "Stale", UpdatedAt: older})
	f.apply(t, clerkmirror.Change{Kind: clerkmirror.OrgChanged, OrgID: "org_gone", Slug: "gone", Name: "Gone", UpdatedAt: older})
	f.apply(t, clerkmirror.Change{Kind: clerkmirror.MembershipChanged, OrgID: "org_gone", UserID: userID(1), Role: "org:admin", UpdatedAt: older, Created: true})

	// An instance, synced before the pass: what it learns next comes from
	// the change log alone.
	revocations := clerkusers.NewRevocations(nil)
	instanceCfg := clerkusers.Config{SecretKey: f.srv.SecretKey, APIURL: f.srv.URL, Store: f.store}
	tail, err := clerkusers.NewTail(instanceCfg, newUserCache(t, instanceCfg), revocations)
	if err != nil {
		t.Fatal(err)
	}
	if err := tail.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	logStart, err := f.store.ChangeLogEnd(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// When the third page is asked for, user_0005 (on the first) is
	// deleted in Clerk, so that user_1000 moves to offset 999 and the
	// listing skips it: the mirror has it, so it is checked, and found.
	// And a webhook writes a user Clerk does not have (yet, for the
	// listing), during the pass.
	f.requests.on("offset=1000", func() {
		f.srv.DeleteUser(userID(5))
		f.apply(t, clerkmirror.Change{Kind: clerkmirror.UserChanged, UserID: "user_late", Email: "late@example.com", UpdatedAt: clerkTime})
	})
	counts, err := f.reconciler(t, nil).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}

	want := clerkreconcile.Counts{
		Pages: 6, Calls: 16, Complete: true,
		// 2,499 listed (user_1000 skipped), 2,482 of them missing; 11
		// stale updated (user_1000 once checked); 4 checked: user_1000
		// and the 3 gone, marked deleted.
		Users:         clerkreconcile.Tally{Listed: 2499, Inserted: 2482, Updated: 11, Checked: 4, MarkedDeleted: 3},
		Organizations: clerkreconcile.Tally{Listed: 2, Inserted: 1, Updated: 1, Checked: 1, MarkedDeleted: 1},
	}
	if counts != want {
		t.Fatalf("counts\n%+v, want\n%+v", counts, want)
	}
	if n := f.clerkCalls(); n != counts.Calls {
		t.Fatalf("%d calls reached Clerk, the pass counted %d", n, counts.Calls)
	}

	for id, wantEmail := range map[string]string{
		userID(0): userID(0) + "@example.com", userID(2499): userID(2499) + "@example.com",
		userID(1000): userID(1000) + "@example.com", userID(105): userID(105) + "@example.com",
		userID(202): "newer@example.com", "user_late": "late@example.com",
	} {
		if u := f.user(t, id); u.Deleted || u.Email != wantEmail {
			t.Errorf("%s: %+v, want email %q, not deleted", id, u, wantEmail)
		}
	}
	if u := f.user(t, userID(202)); !u.UpdatedAt.Equal(newer) {
		t.Errorf("the newer version was overwritten: %+v", u)
	}
	if u := f.user(t, userID(300)); time.Since(u.SyncedAt) > time.Hour {
		t.Errorf("the version Clerk confirmed was not refreshed: %+v", u)
	}
	for _, id := range []string{"user_gone1", "user_gone2", "user_gone3", userID(400), "user_dead"} {
		if u := f.user(t, id); !u.Deleted {
			t.Errorf("%s is not deleted", id)
		}
	}
	if u := f.user(t, userID(5)); u.Deleted {
		t.Error("a user the pass listed was marked deleted: that is the webhook's to say")
	}
	for id, wantName := range map[string]string{"org_new": "New", "org_stale": "Stale Inc"} {
		if o, found, err := f.store.Organization(ctx, id); err != nil || !found || o.Deleted || o.Name != wantName {
			t.Errorf("%s: %+v, %v, %v", id, o, found, err)
		}
	}
	if o, _, _ := f.store.Organization(ctx, "org_gone"); !o.Deleted {
		t.Errorf("org_gone: %+v", o)
	}
	if m, _, _ := f.store.Membership(ctx, "org_gone", userID(1)); !m.Deleted {
		t.Errorf("a deleted organization's membership remains: %+v", m)
	}

	// The change log, after the pass's start: one entry per change, none
	// for what did not change.
	log, err := f.store.ChangesAfter(ctx, logStart, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[clerkmirror.ChangeKind][]string{}
	for _, c := range log {
		byKind[c.Kind] = append(byKind[c.Kind], c.UserID+c.OrgID)
	}
	if n := len(byKind[clerkmirror.UserChanged]); n != 2482+11+1 { // +1: user_late, the webhook's
		t.Errorf("%d user_changed entries", n)
	}
	for _, id := range []string{userID(300), userID(202), userID(400)} {
		if slices.Contains(byKind[clerkmirror.UserChanged], id) {
			t.Errorf("%s did not change but is in the change log", id)
		}
	}
	if got := byKind[clerkmirror.UserDeleted]; !slices.Equal(got, []string{"user_gone1", "user_gone2", "user_gone3"}) {
		t.Errorf("user_deleted entries %v", got)
	}
	if got := byKind[clerkmirror.OrgDeleted]; !slices.Equal(got, []string{"org_gone"}) {
		t.Errorf("org_deleted entries %v", got)
	}
	if n := len(byKind[clerkmirror.OrgChanged]); n != 2 {
		t.Errorf("%d org_changed entries", n)
	}

	// The instance applies them as a webhook's.
	if err := tail.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !revocations.UserDeleted("user_gone2") || !revocations.MembershipChanged(userID(1), "org_gone", time.Now().Unix()) {
		t.Error("the instance does not enforce the deletions")
	}
	if users := f.users.Sent(); len(users) != 3 || users[0].Type != clerkevents.UserDeleted || users[0].UserID != "user_gone1" {
		t.Errorf("user events %+v", users)
	}
	if orgs := f.orgs.Sent(); len(orgs) != 1 || orgs[0].Type != clerkevents.OrganizationDeleted || orgs[0].OrgID != "org_gone" {
		t.Errorf("organization events %+v", orgs)
	}
	if n := f.log.Count("clerkreconcile: page saved"); n != 6 {
		t.Errorf("%d page lines", n)
	}

	// The next pass marks deleted the two the first had to leave:
	// user_0005, listed before Clerk deleted it, and user_late, written
	// during the pass. Nothing else changes.
	again, err := f.reconciler(t, nil).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want = clerkreconcile.Counts{
		Pages: 6, Calls: 13, Complete: true,
		Users:         clerkreconcile.Tally{Listed: 2499, Checked: 2, MarkedDeleted: 2},
		Organizations: clerkreconcile.Tally{Listed: 2},
	}
	if again != want {
		t.Errorf("second pass\n%+v, want\n%+v", again, want)
	}
	if !f.user(t, userID(5)).Deleted || !f.user(t, "user_late").Deleted {
		t.Error("the second pass did not mark them deleted")
	}
}

// After a backfill, a new instance (a restart) authenticates every
// existing user with no call to Clerk: the mirror has them all, fresh.
func TestAfterABackfillARestartCallsClerkForNoUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addUsers(1200)
	if _, err := f.reconciler(t, nil).Run(ctx); err != nil {
		t.Fatal(err)
	}
	f.srv.ResetCalls()
	// As initService configures it with ClerkWebhookSecret set.
	users := newUserCache(t, clerkusers.Config{SecretKey: f.srv.SecretKey, APIURL: f.srv.URL, Store: f.store, SyncMaxAge: 24 * time.Hour})
	for i := range 1200 {
		if email, err := users.PrimaryEmail(ctx, userID(i)); err != nil || email != userID(i)+"@example.com" {
			t.Fatalf("%s: %q, %v", userID(i), email, err)
		}
	}
	f.srv.WantCalls(t, clerktest.Users, 0)
}

func newUserCache(t *testing.T, cfg clerkusers.Config) *clerkusers.UserCache {
	t.Helper()
	c, err := clerkusers.NewUserCache(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
