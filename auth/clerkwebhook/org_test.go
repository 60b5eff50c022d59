package clerkwebhook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/internal/clerkevents"
)

// orgBody is an organization.created or .updated of Clerk's Organization
// object, updated at at.
func orgBody(eventType, orgID, slug, name string, at time.Time) []byte {
	return clerktest.EventBody(eventType, map[string]any{
		"object": "organization", "id": orgID, "slug": slug, "name": name, "has_image": false,
		"max_allowed_memberships": 5, "admin_delete_enabled": true, "public_metadata": map[string]any{},
		"created_at": at.UnixMilli(), "updated_at": at.UnixMilli(),
	}, at)
}

// orgDeletedBody is Clerk's organization.deleted, emitted at at.
func orgDeletedBody(orgID string, at time.Time) []byte {
	return clerktest.EventBody(clerkevents.OrganizationDeleted, map[string]any{"object": "organization", "id": orgID, "deleted": true}, at)
}

// membershipBody is an organizationMembership.* event of Clerk's
// OrganizationMembership object, updated at updatedAt and emitted at at.
func membershipBody(eventType, orgID, userID, role string, updatedAt, at time.Time) []byte {
	return clerktest.EventBody(eventType, map[string]any{
		"object": "organization_membership", "id": "orgmem_" + userID, "role": role,
		"permissions": []string{"org:sys_profile:read"}, "public_metadata": map[string]any{},
		"created_at": updatedAt.UnixMilli(), "updated_at": updatedAt.UnixMilli(),
		"organization": map[string]any{"object": "organization", "id": orgID, "slug": "acme", "name": "Acme",
			"created_at": updatedAt.UnixMilli(), "updated_at": updatedAt.UnixMilli()},
		"public_user_data": map[string]any{"user_id": userID, "identifier": "ada@example.com",
			"first_name": nil, "last_name": nil, "image_url": "", "has_image": false},
	}, at)
}

func expectOrgPublished(t *testing.T, e *env, want ...clerkevents.OrgEvent) {
	t.Helper()
	got := e.orgPub.published()
	if len(got) != len(want) {
		t.Fatalf("published %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Type != w.Type || g.OrgID != w.OrgID || g.Slug != w.Slug || g.Name != w.Name ||
			g.UserID != w.UserID || g.Role != w.Role || !g.UpdatedAt.Equal(w.UpdatedAt) {
			t.Errorf("published[%d] = %+v, want %+v", i, g, w)
		}
	}
}

func (e *env) org(t *testing.T, id string) clerkmirror.StoredOrg {
	t.Helper()
	o, found, err := e.store.Organization(context.Background(), id)
	if err != nil || !found {
		t.Fatalf("organization %s: found %v, %v", id, found, err)
	}
	return o
}

func (e *env) membership(t *testing.T, orgID, userID string) clerkmirror.StoredMembership {
	t.Helper()
	m, found, err := e.store.Membership(context.Background(), orgID, userID)
	if err != nil || !found {
		t.Fatalf("membership of %s in %s: found %v, %v", userID, orgID, found, err)
	}
	return m
}

// changes is the change log.
func (e *env) changes(t *testing.T) []clerkmirror.LoggedChange {
	t.Helper()
	c, err := e.store.ChangesAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An organization's life is mirrored, logged and published, each event
// once; a version older than the deletion changes nothing, a newer one
// (Clerk reporting the organization again) is applied.
func TestOrganizationLifecycle(t *testing.T) {
	e := newEnv(t)
	t1, t2, t3 := t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(3*time.Minute)
	send(t, e.h, clerktest.Webhook{}, orgBody(clerkevents.OrganizationCreated, "org_1", "acme", "Acme", t0)).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{}, orgBody(clerkevents.OrganizationUpdated, "org_1", "acme-inc", "Acme Inc.", t1)).expect(t, 200, "applied")
	if o := e.org(t, "org_1"); o.Slug != "acme-inc" || o.Name != "Acme Inc." || o.Deleted || !o.UpdatedAt.Equal(t1) {
		t.Fatalf("after organization.updated: %+v", o)
	}
	send(t, e.h, clerktest.Webhook{}, orgDeletedBody("org_1", t2)).expect(t, 200, "applied")
	if o := e.org(t, "org_1"); o.Slug != "acme-inc" || !o.Deleted || !o.UpdatedAt.Equal(t2) {
		t.Fatalf("after organization.deleted: %+v", o)
	}
	send(t, e.h, clerktest.Webhook{}, orgBody(clerkevents.OrganizationUpdated, "org_1", "late", "Late", t1.Add(time.Second))).expect(t, 200, "outdated")
	if o := e.org(t, "org_1"); !o.Deleted {
		t.Fatalf("an update older than the deletion revived it: %+v", o)
	}
	send(t, e.h, clerktest.Webhook{}, orgBody(clerkevents.OrganizationUpdated, "org_1", "back", "Back", t3)).expect(t, 200, "applied")
	if o := e.org(t, "org_1"); o.Deleted || o.Slug != "back" {
		t.Fatalf("a version newer than the deletion was not applied: %+v", o)
	}
	expectOrgPublished(t, e,
		clerkevents.OrgEvent{Type: clerkevents.OrganizationCreated, OrgID: "org_1", Slug: "acme", Name: "Acme", UpdatedAt: t0},
		clerkevents.OrgEvent{Type: clerkevents.OrganizationUpdated, OrgID: "org_1", Slug: "acme-inc", Name: "Acme Inc.", UpdatedAt: t1},
		clerkevents.OrgEvent{Type: clerkevents.OrganizationDeleted, OrgID: "org_1", UpdatedAt: t2},
		clerkevents.OrgEvent{Type: clerkevents.OrganizationUpdated, OrgID: "org_1", Slug: "back", Name: "Back", UpdatedAt: t3},
	)
	expectPublished(t, e)
	var kinds []string
	for _, c := range e.changes(t) {
		if c.OrgID != "org_1" || !c.TokensBefore.IsZero() {
			t.Errorf("change %+v", c)
		}
		kinds = append(kinds, string(c.Kind))
	}
	if got := strings.Join(kinds, " "); got != "org_changed org_changed org_deleted org_changed" {
		t.Errorf("change log %s", got)
	}
}

// A membership's versions are mirrored and published; the change log
// refuses earlier tokens (tokens_before) for a role change and a deletion,
// and for a member added again, never for the first version or a change
// that keeps the role.
func TestMembershipChangesRefuseEarlierTokens(t *testing.T) {
	e := newEnv(t)
	ts := make([]time.Time, 6)
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * time.Minute)
	}
	const created, updated, deleted = clerkevents.MembershipCreated, clerkevents.MembershipUpdated, clerkevents.MembershipDeleted
	steps := []struct {
		body   []byte
		role   string
		refuse bool
	}{
		{membershipBody(created, "org_1", ada.ID, "org:admin", ts[0], ts[0]), "org:admin", false},
		{membershipBody(updated, "org_1", ada.ID, "org:admin", ts[1], ts[1]), "org:admin", false}, // metadata
		{membershipBody(updated, "org_1", ada.ID, "org:member", ts[2], ts[2]), "org:member", true},
		{membershipBody(deleted, "org_1", ada.ID, "org:member", ts[2], ts[3]), "org:member", true},
		{membershipBody(created, "org_1", ada.ID, "org:member", ts[4], ts[4]), "org:member", true},
		{membershipBody(updated, "org_2", ada.ID, "org:admin", ts[5], ts[5]), "org:admin", true}, // never seen
	}
	for i, step := range steps {
		send(t, e.h, clerktest.Webhook{}, step.body).expect(t, 200, "applied")
		c := e.changes(t)[i]
		at := ts[i]
		if i == 5 {
			if m := e.membership(t, "org_2", ada.ID); m.Role != "org:admin" || m.Deleted {
				t.Fatalf("step %d: %+v", i, m)
			}
		} else if m := e.membership(t, "org_1", ada.ID); m.Role != step.role || m.Deleted != (i == 3) || !m.UpdatedAt.Equal(at) {
			t.Fatalf("step %d: %+v", i, m)
		}
		if c.UserID != ada.ID || (c.Kind == clerkmirror.MembershipDeleted) != (i == 3) {
			t.Errorf("step %d: logged %+v", i, c)
		}
		if step.refuse != c.TokensBefore.Equal(at) || !step.refuse && !c.TokensBefore.IsZero() {
			t.Errorf("step %d: tokens_before %v, want refusing %v (at %v)", i, c.TokensBefore, step.refuse, at)
		}
	}
	got := e.orgPub.published()
	if len(got) != len(steps) || got[3].Type != deleted || got[3].Role != "" || !got[3].UpdatedAt.Equal(ts[3]) || got[2].Role != "org:member" {
		t.Fatalf("published %+v", got)
	}
}

// Svix delivers at least once and in no order: a version older than the
// stored one, a duplicate svix-id and the same version under another
// svix-id change nothing, publish nothing and log nothing; a deletion wins
// a tie with the version it ends.
func TestOutOfOrderAndReplayedOrgDeliveries(t *testing.T) {
	e := newEnv(t)
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	demoted := membershipBody(clerkevents.MembershipUpdated, "org_1", ada.ID, "org:member", t1, t1)
	send(t, e.h, clerktest.Webhook{ID: "msg_demote"}, demoted).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{}, membershipBody(clerkevents.MembershipCreated, "org_1", ada.ID, "org:admin", t0, t0)).expect(t, 200, "outdated")
	send(t, e.h, clerktest.Webhook{ID: "msg_demote"}, demoted).expect(t, 200, "duplicate")
	send(t, e.h, clerktest.Webhook{}, demoted).expect(t, 200, "outdated")
	if m := e.membership(t, "org_1", ada.ID); m.Role != "org:member" || !m.UpdatedAt.Equal(t1) {
		t.Fatalf("an older or replayed version was applied: %+v", m)
	}
	// Deleted at the instant of the stored version (event timestamp no later).
	send(t, e.h, clerktest.Webhook{}, membershipBody(clerkevents.MembershipDeleted, "org_1", ada.ID, "org:member", t1, t0)).expect(t, 200, "applied")
	if m := e.membership(t, "org_1", ada.ID); !m.Deleted || !m.UpdatedAt.Equal(t1) {
		t.Fatalf("a deletion dated by the version it ends was not applied: %+v", m)
	}
	send(t, e.h, clerktest.Webhook{}, demoted).expect(t, 200, "outdated")

	send(t, e.h, clerktest.Webhook{}, orgDeletedBody("org_2", t2)).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{}, orgBody(clerkevents.OrganizationCreated, "org_2", "late", "Late", t1)).expect(t, 200, "outdated")
	send(t, e.h, clerktest.Webhook{}, orgDeletedBody("org_2", t2)).expect(t, 200, "outdated")
	if o := e.org(t, "org_2"); !o.Deleted || o.Slug != "" {
		t.Fatalf("after a late organization.created: %+v", o)
	}
	if n := len(e.changes(t)); n != 3 {
		t.Errorf("%d change-log entries, want 3", n)
	}
	if n := len(e.orgPub.published()); n != 3 {
		t.Errorf("published %d events, want 3", n)
	}
}

// An organization's deletion ends the memberships known until then.
func TestOrganizationDeletionEndsItsMemberships(t *testing.T) {
	e := newEnv(t)
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	send(t, e.h, clerktest.Webhook{}, membershipBody(clerkevents.MembershipCreated, "org_1", ada.ID, "org:admin", t0, t0)).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{}, membershipBody(clerkevents.MembershipCreated, "org_2", ada.ID, "org:admin", t0, t0)).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{}, orgDeletedBody("org_1", t1)).expect(t, 200, "applied")
	if m := e.membership(t, "org_1", ada.ID); !m.Deleted || !m.UpdatedAt.Equal(t1) || m.Role != "org:admin" {
		t.Fatalf("membership of the deleted organization: %+v", m)
	}
	if m := e.membership(t, "org_2", ada.ID); m.Deleted {
		t.Fatalf("membership of another organization: %+v", m)
	}
	// Clerk's own membership deletion, coming after, is dated later: applied.
	send(t, e.h, clerktest.Webhook{}, membershipBody(clerkevents.MembershipDeleted, "org_1", ada.ID, "org:admin", t0, t2)).expect(t, 200, "applied")
}

// organization.deleted and organizationMembership.deleted are dated by the
// event's timestamp, or Now without a usable one; a membership deletion by
// its updated_at when that is later. A deletion is never refused over its
// date.
func TestOrgDeletionsDatedByTheEvent(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, body := range []string{
		`{"data":{"id":"org_a","object":"organization","deleted":true},"object":"event","type":"organization.deleted"}`,
		`{"data":{"id":"org_b","object":"organization","deleted":true},"object":"event","type":"organization.deleted","timestamp":9223372036854775807}`,
		`{"data":{"organization":{"id":"org_c"},"public_user_data":{"user_id":"user_1"},"updated_at":"soon"},"type":"organizationMembership.deleted","timestamp":"x"}`,
		`{"data":{"organization":{"id":"org_d"},"public_user_data":{"user_id":"user_1"},"updated_at":1,"Updated_At":2},"type":"organizationMembership.deleted","Timestamp":1}`,
	} {
		send(t, e.h, clerktest.Webhook{}, []byte(body)).expect(t, 200, "applied")
	}
	later := t0.Add(time.Hour)
	send(t, e.h, clerktest.Webhook{}, membershipBody(clerkevents.MembershipDeleted, "org_e", ada.ID, "org:admin", later, t0)).expect(t, 200, "applied")
	for i, ev := range e.orgPub.published() {
		want := later
		if i < 4 {
			if ev.UpdatedAt.Before(now) || ev.UpdatedAt.After(time.Now()) {
				t.Errorf("%+v not dated now", ev)
			}
			continue
		}
		if !ev.UpdatedAt.Equal(want) {
			t.Errorf("%+v not dated by its updated_at %v", ev, want)
		}
	}
}

// Organization and membership events Clerk could not have sent are
// refused (400) and store nothing; those readable but never applicable are
// recorded as unappliable.
func TestMalformedOrgEvents(t *testing.T) {
	now := time.Now().UnixMilli()
	member := func(members string) []byte {
		return []byte(`{"type":"organizationMembership.updated","data":{` + members + `}}`)
	}
	const ids = `"organization":{"id":"org_1"},"public_user_data":{"user_id":"user_1"}`
	refused := map[string][]byte{
		"organization without id":      []byte(`{"type":"organization.created","data":{"slug":"a","updated_at":1754000000000}}`),
		"organization id not plain":    []byte(`{"type":"organization.updated","data":{"id":"org 1","updated_at":1754000000000}}`),
		"organization without date":    []byte(`{"type":"organization.updated","data":{"id":"org_1","slug":"a"}}`),
		"organization name not string": []byte(`{"type":"organization.updated","data":{"id":"org_1","name":7,"updated_at":1754000000000}}`),
		"organization Slug":            []byte(`{"type":"organization.updated","data":{"id":"org_1","slug":"a","Slug":"b","updated_at":1754000000000}}`),
		"deleted without id":           []byte(`{"type":"organization.deleted","data":{"deleted":true}}`),
		"membership without org":       member(`"public_user_data":{"user_id":"user_1"},"role":"org:admin","updated_at":1754000000000`),
		"membership without user":      member(`"organization":{"id":"org_1"},"role":"org:admin","updated_at":1754000000000`),
		"membership org not object":    member(`"organization":"org_1","public_user_data":{"user_id":"user_1"},"role":"org:admin","updated_at":1754000000000`),
		"membership Organization":      member(ids + `,"Organization":{"id":"org_2"},"role":"org:admin","updated_at":1754000000000`),
		"membership org ID":            member(`"organization":{"id":"org_1","ID":"org_2"},"public_user_data":{"user_id":"user_1"},"role":"org:admin","updated_at":1754000000000`),
		"membership org id not plain":  member(`"organization":{"id":"org_1;"},"public_user_data":{"user_id":"user_1"},"role":"org:admin","updated_at":1754000000000`),
		"membership user id empty":     member(`"organization":{"id":"org_1"},"public_user_data":{"user_id":""},"role":"org:admin","updated_at":1754000000000`),
		"membership user_id twice":     member(`"organization":{"id":"org_1"},"public_user_data":{"user_id":"user_1","user_id":"user_2"},"role":"org:admin","updated_at":1754000000000`),
		"membership without role":      member(ids + `,"updated_at":1754000000000`),
		"membership role not plain":    member(ids + `,"role":"org:admin\n","updated_at":1754000000000`),
		"membership Role":              member(ids + `,"role":"org:member","Role":"org:admin","updated_at":1754000000000`),
		"membership without date":      member(ids + `,"role":"org:admin"`),
		"membership deletion no ids":   []byte(`{"type":"organizationMembership.deleted","data":{"role":"org:admin"}}`),
	}
	e := newEnv(t)
	for name, body := range refused {
		t.Run(name, func(t *testing.T) {
			e.isolate(t)
			send(t, e.h, clerktest.Webhook{}, body).expect(t, 400, "invalid_argument")
			e.expectNothingApplied(t)
		})
	}
	unappliable := map[string][]byte{
		"organization dated ahead": orgBody(clerkevents.OrganizationUpdated, "org_1", "a", "A", time.UnixMilli(now+25*time.Hour.Milliseconds())),
		"name too long":            orgBody(clerkevents.OrganizationUpdated, "org_1", "a", strings.Repeat("é", 513), time.UnixMilli(now)),
		"name with NUL":            orgBody(clerkevents.OrganizationUpdated, "org_1", "a", "A\x00", time.UnixMilli(now)),
		"membership dated ahead":   membershipBody(clerkevents.MembershipUpdated, "org_1", "user_1", "org:admin", time.UnixMilli(now+25*time.Hour.Milliseconds()), time.UnixMilli(now)),
	}
	for name, body := range unappliable {
		t.Run(name, func(t *testing.T) {
			e.isolate(t)
			send(t, e.h, clerktest.Webhook{}, body).expect(t, 200, "unappliable")
			for _, table := range tables[1:] {
				if n := e.count(t, table); n != 0 {
					t.Errorf("%s has %d rows", table, n)
				}
			}
			expectOrgPublished(t, e)
		})
	}
}

// A failed publish of an organization event rolls the delivery back and
// answers 503; the retry applies and publishes it once.
func TestOrgPublisherFailing(t *testing.T) {
	e := newEnv(t)
	e.orgPub.setFail(errPublish)
	body := membershipBody(clerkevents.MembershipDeleted, "org_1", ada.ID, "org:admin", t0, t0)
	send(t, e.h, clerktest.Webhook{ID: "msg_pub"}, body).expect(t, 503, "unavailable")
	e.expectNothingApplied(t)
	e.orgPub.setFail(nil)
	send(t, e.h, clerktest.Webhook{ID: "msg_pub"}, body).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{ID: "msg_pub"}, body).expect(t, 200, "duplicate")
	expectOrgPublished(t, e, clerkevents.OrgEvent{Type: clerkevents.MembershipDeleted, OrgID: "org_1", UserID: ada.ID, UpdatedAt: t0})
	if m := e.membership(t, "org_1", ada.ID); !m.Deleted {
		t.Fatalf("after the retry: %+v", m)
	}
	if !strings.Contains(e.log.text(), `"org_id" "org_1"`) {
		t.Errorf("organization not logged:\n%s", e.log.text())
	}
}
