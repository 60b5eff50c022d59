package clerkwebhook_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/clerkevents"
	"encore.app/internal/pgtest"
)

var (
	ada = clerktest.User{ID: "user_2ada", Emails: []string{"ada@example.com"}}
	t0  = time.UnixMilli(1754000000123).UTC()
)

// A user's life, created, updated and deleted, is mirrored in the store and
// published, each event exactly once.
func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)

	send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)).expect(t, 200, "applied")
	u, found := e.user(t, ada.ID)
	if !found || u.Email != "ada@example.com" || !u.UpdatedAt.Equal(t0) || u.Deleted {
		t.Fatalf("after user.created: %+v, %v", u, found)
	}

	renamed := clerktest.User{ID: ada.ID, Emails: []string{"old@example.com", "ada@lovelace.example"}, Primary: 1}
	t1 := t0.Add(time.Minute)
	send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserUpdated, renamed, t1)).expect(t, 200, "applied")
	if u, _ := e.user(t, ada.ID); u.Email != "ada@lovelace.example" || !u.UpdatedAt.Equal(t1) {
		t.Fatalf("after user.updated: %+v", u)
	}

	t2 := t1.Add(time.Minute)
	send(t, e.h, clerktest.Webhook{}, clerktest.UserDeletedBody(ada.ID, t2)).expect(t, 200, "applied")
	if u, _ := e.user(t, ada.ID); !u.Deleted {
		t.Fatalf("after user.deleted: %+v", u)
	}

	want := []clerkevents.UserEvent{
		{Type: clerkevents.UserCreated, UserID: ada.ID, Email: "ada@example.com", UpdatedAt: t0},
		{Type: clerkevents.UserUpdated, UserID: ada.ID, Email: "ada@lovelace.example", UpdatedAt: t1},
		{Type: clerkevents.UserDeleted, UserID: ada.ID, UpdatedAt: t2},
	}
	expectPublished(t, e, want...)
	if n := e.count(t, "changes"); n != 3 {
		t.Errorf("%d change-log entries, want 3", n)
	}

	// A user.updated after the deletion changes nothing: deletion is final.
	send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserUpdated, ada, t2.Add(time.Minute))).expect(t, 200, "outdated")
	expectPublished(t, e, want...)
}

func expectPublished(t *testing.T, e *env, want ...clerkevents.UserEvent) {
	t.Helper()
	got := e.pub.published()
	if len(got) != len(want) {
		t.Fatalf("published %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Type != w.Type || g.UserID != w.UserID || g.Email != w.Email || !g.UpdatedAt.Equal(w.UpdatedAt) {
			t.Errorf("published[%d] = %+v, want %+v", i, g, w)
		}
	}
}

// The primary email is the address primary_email_address_id names; a user
// without one is stored with "".
func TestPrimaryEmail(t *testing.T) {
	e := newEnv(t)
	send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserCreated,
		clerktest.User{ID: "user_two", Emails: []string{"a@example.com", "b@example.com"}, Primary: 1}, t0)).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserCreated,
		clerktest.User{ID: "user_none", Emails: []string{"a@example.com"}, Primary: -1}, t0)).expect(t, 200, "applied")
	dangling := clerktest.EventBody(clerkevents.UserCreated, map[string]any{
		"id": "user_dangling", "primary_email_address_id": "idn_gone", "updated_at": t0.UnixMilli(),
		"email_addresses": []map[string]any{{"id": "idn_other", "email_address": "other@example.com"}},
	}, t0)
	send(t, e.h, clerktest.Webhook{}, dangling).expect(t, 200, "applied")

	for id, want := range map[string]string{"user_two": "b@example.com", "user_none": "", "user_dangling": ""} {
		if u, found := e.user(t, id); !found || u.Email != want {
			t.Errorf("%s: %+v, %v; want email %q", id, u, found, want)
		}
	}
}

// user.deleted is dated by the event's timestamp, or by Now without one.
func TestUserDeletedWithoutTimestampUsesNow(t *testing.T) {
	db := pgtest.Open(t, migrations)
	pub := &publisher{}
	now := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	h := clerkwebhook.NewHandler(clerkwebhook.Config{
		Secret: clerktest.WebhookSecret, Store: clerkmirror.NewStore(db), Publisher: pub, OrgPublisher: &orgPublisher{},
		Now: func() time.Time { return now },
	})
	body := []byte(`{"data":{"id":"user_gone","object":"user","deleted":true},"object":"event","type":"user.deleted"}`)
	send(t, h, clerktest.Webhook{}, body).expect(t, 200, "applied")
	// A timestamp no time can hold is treated as absent, not kept to fail
	// the publish on every retry.
	body = []byte(`{"data":{"id":"user_gone_too","object":"user","deleted":true},"object":"event","type":"user.deleted","timestamp":9223372036854775807}`)
	send(t, h, clerktest.Webhook{}, body).expect(t, 200, "applied")
	got := pub.published()
	if len(got) != 2 {
		t.Fatalf("published %+v", got)
	}
	for i, id := range []string{"user_gone", "user_gone_too"} {
		if got[i].Type != clerkevents.UserDeleted || got[i].UserID != id || !got[i].UpdatedAt.Equal(now) {
			t.Fatalf("published %+v", got)
		}
	}
}

// session.ended, session.removed and session.revoked revoke the session;
// nothing is published for them.
func TestSessionEventsRevoke(t *testing.T) {
	e := newEnv(t)
	for i, typ := range []string{clerkwebhook.SessionEnded, clerkwebhook.SessionRemoved, clerkwebhook.SessionRevoked} {
		sid := "sess_" + strconv.Itoa(i)
		send(t, e.h, clerktest.Webhook{}, clerktest.SessionEventBody(typ, sid, ada.ID)).expect(t, 200, "applied")
		var userID string
		if err := e.db.QueryRow(`SELECT user_id FROM revoked_sessions WHERE session_id = $1`, sid).Scan(&userID); err != nil || userID != ada.ID {
			t.Fatalf("%s: revoked_sessions row %q, %v", typ, userID, err)
		}
	}
	// Another event for a revoked session changes nothing.
	send(t, e.h, clerktest.Webhook{}, clerktest.SessionEventBody(clerkwebhook.SessionRevoked, "sess_0", ada.ID)).expect(t, 200, "outdated")
	expectPublished(t, e)
	if n := e.count(t, "changes"); n != 3 {
		t.Errorf("%d change-log entries, want 3", n)
	}
}

// Svix does not deliver in order: an older user.updated arriving after a
// newer one neither overwrites it nor is published.
func TestOutOfOrderUpdates(t *testing.T) {
	e := newEnv(t)
	newer := clerktest.User{ID: ada.ID, Emails: []string{"new@example.com"}}
	older := clerktest.User{ID: ada.ID, Emails: []string{"old@example.com"}}
	send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserUpdated, newer, t0.Add(time.Second))).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserUpdated, older, t0)).expect(t, 200, "outdated")

	if u, _ := e.user(t, ada.ID); u.Email != "new@example.com" || !u.UpdatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("stored %+v", u)
	}
	expectPublished(t, e, clerkevents.UserEvent{Type: clerkevents.UserUpdated, UserID: ada.ID, Email: "new@example.com", UpdatedAt: t0.Add(time.Second)})
}

// A retried delivery (same svix-id, new timestamp and signature) is
// acknowledged without being applied or published again.
func TestDuplicateDelivery(t *testing.T) {
	e := newEnv(t)
	body := clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)
	send(t, e.h, clerktest.Webhook{ID: "msg_1"}, body).expect(t, 200, "applied")
	send(t, e.h, clerktest.Webhook{ID: "msg_1", Timestamp: time.Now().Add(time.Second)}, body).expect(t, 200, "duplicate")
	// Even a different body under a svix-id already processed is not applied.
	send(t, e.h, clerktest.Webhook{ID: "msg_1"}, clerktest.UserEventBody(clerkevents.UserUpdated, ada, t0.Add(time.Hour))).expect(t, 200, "duplicate")

	if u, _ := e.user(t, ada.ID); !u.UpdatedAt.Equal(t0) {
		t.Fatalf("stored %+v", u)
	}
	if n := e.count(t, "webhook_deliveries"); n != 1 {
		t.Errorf("%d deliveries recorded, want 1", n)
	}
	if n := len(e.pub.published()); n != 1 {
		t.Errorf("published %d times, want 1", n)
	}
}

// The same delivery arriving at several instances at once is applied and
// published exactly once; the others are told it is a duplicate.
func TestConcurrentDuplicateDeliveries(t *testing.T) {
	e := newEnv(t)
	body := clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)
	const n = 8
	codes := make(chan string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := clerktest.Webhook{ID: "msg_race"}.Serve(e.h, body)
			if err != nil {
				t.Error(err)
				return
			}
			a := decodeAnswer(t, res)
			if a.Status != 200 {
				t.Errorf("answer %d %s", a.Status, a.Message)
			}
			codes <- a.Code
		}()
	}
	close(start)
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	if count["applied"] != 1 || count["duplicate"] != n-1 {
		t.Fatalf("outcomes %v, want 1 applied and %d duplicate", count, n-1)
	}
	if p := e.pub.published(); len(p) != 1 {
		t.Fatalf("published %d times, want 1", len(p))
	}
	if c := e.count(t, "changes"); c != 1 {
		t.Errorf("%d change-log entries, want 1", c)
	}
}

// Only deliveries signed with the secret, within Svix's five minutes, are
// applied; anything else is a 401 that changes nothing.
func TestUnauthenticatedDeliveriesAreRefused(t *testing.T) {
	body := clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)
	signed := func(t *testing.T, id string) *http.Request {
		req, err := clerktest.Webhook{ID: id}.Request("http://api.example"+clerktest.WebhookPath, body)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	cases := map[string]func(t *testing.T) *http.Request{
		"forged with another secret": func(t *testing.T) *http.Request {
			req, _ := clerktest.Webhook{Secrets: []string{clerktest.NextWebhookSecret}}.Request("http://api.example/", body)
			return req
		},
		"unsigned": func(t *testing.T) *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return req
		},
		"without svix-signature": func(t *testing.T) *http.Request {
			req := signed(t, "msg_1")
			req.Header.Del("svix-signature")
			return req
		},
		"without svix-id": func(t *testing.T) *http.Request {
			req := signed(t, "msg_1")
			req.Header.Del("svix-id")
			return req
		},
		"without svix-timestamp": func(t *testing.T) *http.Request {
			req := signed(t, "msg_1")
			req.Header.Del("svix-timestamp")
			return req
		},
		"expired timestamp": func(t *testing.T) *http.Request {
			req, _ := clerktest.Webhook{Timestamp: time.Now().Add(-6 * time.Minute)}.Request("http://api.example/", body)
			return req
		},
		"future timestamp": func(t *testing.T) *http.Request {
			req, _ := clerktest.Webhook{Timestamp: time.Now().Add(6 * time.Minute)}.Request("http://api.example/", body)
			return req
		},
		"timestamp changed after signing": func(t *testing.T) *http.Request {
			req := signed(t, "msg_1")
			req.Header.Set("svix-timestamp", strconv.FormatInt(time.Now().Unix()-1, 10))
			return req
		},
		"svix-id changed after signing": func(t *testing.T) *http.Request {
			req := signed(t, "msg_1")
			req.Header.Set("svix-id", "msg_2")
			return req
		},
		"body changed after signing": func(t *testing.T) *http.Request {
			changed := clerktest.UserEventBody(clerkevents.UserCreated, clerktest.User{ID: "user_evil", Emails: []string{"evil@example.com"}}, t0)
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(changed))
			req.Header = signed(t, "msg_1").Header
			return req
		},
		"signature of another version": func(t *testing.T) *http.Request {
			req := signed(t, "msg_1")
			req.Header.Set("svix-signature", strings.Replace(req.Header.Get("svix-signature"), "v1,", "v2,", 1))
			return req
		},
		// svix's Verify falls back to Standard Webhooks' webhook-* headers;
		// the handler must not, or the svix-id it records would be unsigned.
		"webhook-* headers with a different svix-id": func(t *testing.T) *http.Request {
			req := signed(t, "msg_signed")
			for _, h := range []string{"id", "timestamp", "signature"} {
				req.Header.Set("webhook-"+h, req.Header.Get("svix-"+h))
			}
			req.Header.Del("svix-signature")
			req.Header.Set("svix-id", "msg_unsigned")
			return req
		},
	}
	e := newEnv(t) // shared: every case must leave it empty
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			e.isolate(t)
			serve(t, e.h, build(t)).expect(t, 401, "unauthenticated")
			e.expectNothingApplied(t)
		})
	}
}

// While Clerk rotates the secret Svix signs with both, and either secret
// configured on our side accepts the delivery.
func TestRotatedSecret(t *testing.T) {
	db := pgtest.Open(t, migrations)
	body := clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)
	for i, secret := range []string{clerktest.WebhookSecret, clerktest.NextWebhookSecret} {
		e := newEnvOn(t, db, secret)
		for j, order := range [][]string{
			{clerktest.WebhookSecret, clerktest.NextWebhookSecret},
			{clerktest.NextWebhookSecret, clerktest.WebhookSecret},
		} {
			id := "msg_rot_" + strconv.Itoa(i) + "_" + strconv.Itoa(j)
			a := send(t, e.h, clerktest.Webhook{ID: id, Secrets: order}, body)
			if a.Status != 200 {
				t.Fatalf("handler with secret %d, signatures %d: %d %s", i, j, a.Status, a.Message)
			}
		}
	}
	if n := (&env{db: db}).count(t, "webhook_deliveries"); n != 4 {
		t.Fatalf("%d deliveries recorded, want 4", n)
	}
}
