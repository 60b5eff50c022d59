package clerkwebhook_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/clerkevents"
	"encore.app/internal/pgtest"
)

// The body is read up to 1 MiB: a larger one is refused before anything is
// applied, one of exactly 1 MiB is processed.
func TestBodySizeLimit(t *testing.T) {
	e := newEnv(t)
	body := clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)
	padded := func(size int) []byte { // JSON allows trailing whitespace
		return append(append([]byte(nil), body...), bytes.Repeat([]byte(" "), size-len(body))...)
	}
	send(t, e.h, clerktest.Webhook{}, padded(clerkwebhook.MaxBodyBytes+1)).expect(t, 413, "payload_too_large")
	e.expectNothingApplied(t)
	send(t, e.h, clerktest.Webhook{}, padded(clerkwebhook.MaxBodyBytes)).expect(t, 200, "applied")
}

// A signed body that is not a Clerk event we can apply is a 400 (Svix shows
// it as failed); nothing is stored or published.
func TestNotAnEvent(t *testing.T) {
	user := func(data string) []byte {
		return []byte(`{"object":"event","type":"user.created","timestamp":1,"data":` + data + `}`)
	}
	session := func(data string) []byte {
		return []byte(`{"object":"event","type":"session.revoked","data":` + data + `}`)
	}
	cases := map[string][]byte{
		"not JSON":                       []byte("user.created user_1"),
		"empty":                          nil,
		"truncated JSON":                 user(`{"id":"user_1"`),
		"JSON array":                     []byte(`[{"type":"user.created"}]`),
		"JSON null":                      []byte(`null`),
		"without type":                   []byte(`{"object":"event","data":{"id":"user_1","updated_at":1}}`),
		"type not a string":              []byte(`{"type":1,"data":{}}`),
		"type not a plain name":          []byte(`{"type":"user.created\n","data":{}}`),
		"without data":                   []byte(`{"type":"user.created"}`),
		"unknown type without data":      []byte(`{"type":"organization.created","data":null}`),
		"data not an object":             user(`"user_1"`),
		"user without id":                user(`{"updated_at":1754000000000}`),
		"user id with a slash":           user(`{"id":"user/1","updated_at":1754000000000}`),
		"user id with a space":           user(`{"id":"user 1","updated_at":1754000000000}`),
		"user id not ASCII":              user(`{"id":"user_é","updated_at":1754000000000}`),
		"user id too long":               user(`{"id":"user_` + strings.Repeat("a", 200) + `","updated_at":1754000000000}`),
		"user id not a string":           user(`{"id":12,"updated_at":1754000000000}`),
		"user without updated_at":        user(`{"id":"user_1"}`),
		"user with null updated_at":      user(`{"id":"user_1","updated_at":null}`),
		"user with updated_at a string":  user(`{"id":"user_1","updated_at":"2025-01-01"}`),
		"user.deleted without id":        []byte(`{"type":"user.deleted","data":{"object":"user","deleted":true}}`),
		"user.deleted with a bad id":     []byte(`{"type":"user.deleted","data":{"id":"user_1'--","deleted":true}}`),
		"session without id":             session(`{"user_id":"user_1","status":"revoked"}`),
		"session without user_id":        session(`{"id":"sess_1","status":"revoked"}`),
		"session with a bad id":          session(`{"id":"sess_1\u0000","user_id":"user_1"}`),
		"session.ended with bad user_id": []byte(`{"type":"session.ended","data":{"id":"sess_1","user_id":"user 1"}}`),
	}
	e := newEnv(t) // shared: every case must leave it empty
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			e.isolate(t)
			send(t, e.h, clerktest.Webhook{}, body).expect(t, 400, "invalid_argument")
			e.expectNothingApplied(t)
		})
	}

	t.Run("svix-id not a plain ID", func(t *testing.T) {
		send(t, e.h, clerktest.Webhook{ID: "msg/1"}, user(`{"id":"user_1","updated_at":1754000000000}`)).expect(t, 400, "invalid_argument")
		e.expectNothingApplied(t)
	})
}

// Event types the endpoint does not handle are acknowledged and recorded, so
// Svix stops sending them, and change nothing.
func TestUnknownEventTypesAreIgnored(t *testing.T) {
	e := newEnv(t)
	domain := clerktest.EventBody("organizationDomain.created", map[string]any{"id": "orgdmn_1"}, t0)
	send(t, e.h, clerktest.Webhook{ID: "msg_dom"}, domain).expect(t, 200, "ignored")
	send(t, e.h, clerktest.Webhook{}, clerktest.SessionEventBody("session.created", "sess_1", ada.ID)).expect(t, 200, "ignored")
	send(t, e.h, clerktest.Webhook{ID: "msg_dom"}, domain).expect(t, 200, "duplicate")

	var typ string
	if err := e.db.QueryRow(`SELECT event_type FROM webhook_deliveries WHERE svix_id = 'msg_dom'`).Scan(&typ); err != nil || typ != "organizationDomain.created" {
		t.Fatalf("delivery recorded as %q, %v", typ, err)
	}
	for _, table := range tables[1:] {
		if n := e.count(t, table); n != 0 {
			t.Errorf("%s has %d rows", table, n)
		}
	}
	expectPublished(t, e)
	expectOrgPublished(t, e)
}

// Webhooks are POSTed; anything else is a 405 that reads nothing.
func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete} {
		req, err := clerktest.Webhook{}.Request("http://api.example/", clerktest.UserEventBody(clerkevents.UserCreated, ada, t0))
		if err != nil {
			t.Fatal(err)
		}
		req.Method = m
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: %d, Allow %q", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	e.expectNothingApplied(t)
}

// Without a usable secret nothing can be verified: 503, so that Svix keeps
// the deliveries until the secret is set, with a message saying how.
func TestSecretNotConfigured(t *testing.T) {
	db := pgtest.Open(t, migrations) // shared: every case must leave it empty
	for name, c := range map[string]struct{ secret, says string }{
		"empty":            {"", "is not set"},
		"Clerk secret key": {"sk_test_abc", "is unusable"},
		"not base64":       {"whsec_%%%", "is unusable"},
		"prefix only":      {"whsec_", "is unusable"},
		// A working key, but not what Clerk shows: likely a copying mistake.
		"without whsec_": {strings.TrimPrefix(clerktest.WebhookSecret, "whsec_"), "is unusable"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnvOn(t, db, c.secret)
			e.isolate(t)
			a := send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserCreated, ada, t0))
			a.expect(t, 503, "unavailable")
			if !strings.Contains(a.Message, "ClerkWebhookSecret "+c.says) || !strings.Contains(a.Message, "encore secret set --type dev,local ClerkWebhookSecret") {
				t.Errorf("message %q does not say how to set ClerkWebhookSecret", a.Message)
			}
			if !strings.Contains(e.log.text(), "ERROR") {
				t.Errorf("not logged as an error: %s", e.log.text())
			}
			e.expectNothingApplied(t)
		})
	}
	t.Run("with surrounding whitespace", func(t *testing.T) {
		e := newEnvOn(t, db, " "+clerktest.WebhookSecret+"\n")
		send(t, e.h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)).expect(t, 200, "applied")
	})
}

// With the database down a delivery is a 503, which Svix retries; once it
// is back the retry is applied and published once.
func TestStoreDown(t *testing.T) {
	srv := pgtest.NewServer(t)
	e := newEnvOn(t, srv.Open(t, migrations), clerktest.WebhookSecret)
	body := clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)
	// Warm the pool, so the outage breaks live connections as in production.
	send(t, e.h, clerktest.Webhook{}, clerktest.SessionEventBody(clerkwebhook.SessionRevoked, "sess_warm", ada.ID)).expect(t, 200, "applied")

	srv.Stop(t)
	send(t, e.h, clerktest.Webhook{ID: "msg_outage"}, body).expect(t, 503, "unavailable")
	if p := e.pub.published(); len(p) != 0 {
		t.Fatalf("published during the outage: %+v", p)
	}
	if !strings.Contains(e.log.text(), "store unavailable") {
		t.Errorf("outage not logged: %s", e.log.text())
	}

	srv.Start(t)
	send(t, e.h, clerktest.Webhook{ID: "msg_outage"}, body).expect(t, 200, "applied")
	if u, found := e.user(t, ada.ID); !found || u.Email != "ada@example.com" {
		t.Fatalf("after the retry: %+v, %v", u, found)
	}
	expectPublished(t, e, clerkevents.UserEvent{Type: clerkevents.UserCreated, UserID: ada.ID, Email: "ada@example.com", UpdatedAt: t0})
}

// A failed publish rolls the delivery back and answers 503; the retry after
// the topic recovers applies and publishes it.
func TestPublisherFailing(t *testing.T) {
	e := newEnv(t)
	e.pub.setFail(errPublish)
	body := clerktest.UserEventBody(clerkevents.UserCreated, ada, t0)
	send(t, e.h, clerktest.Webhook{ID: "msg_pub"}, body).expect(t, 503, "unavailable")
	if _, found := e.user(t, ada.ID); found {
		t.Fatal("the user was stored although publishing failed")
	}
	e.expectNothingApplied(t)

	e.pub.setFail(nil)
	send(t, e.h, clerktest.Webhook{ID: "msg_pub"}, body).expect(t, 200, "applied")
	if u, found := e.user(t, ada.ID); !found || u.Email != "ada@example.com" {
		t.Fatalf("after the retry: %+v, %v", u, found)
	}
	expectPublished(t, e, clerkevents.UserEvent{Type: clerkevents.UserCreated, UserID: ada.ID, Email: "ada@example.com", UpdatedAt: t0})
	send(t, e.h, clerktest.Webhook{ID: "msg_pub"}, body).expect(t, 200, "duplicate")
	if n := len(e.pub.published()); n != 1 {
		t.Errorf("published %d times, want 1", n)
	}
}

// The log tells what happened to each delivery, by type, svix-id, outcome
// and IDs, and never holds the body (personal data) or a signature.
func TestLogsHoldNeitherBodyNorSignature(t *testing.T) {
	e := newEnv(t)
	secretEmail := "private.person@example.com"
	u := clerktest.User{ID: "user_private", Emails: []string{secretEmail}}
	var sigs []string
	deliver := func(wh clerktest.Webhook, body []byte) {
		h, err := wh.Headers(body)
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, strings.Split(h.Get("svix-signature"), " ")...)
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header = h
		e.h.ServeHTTP(httptest.NewRecorder(), req)
	}
	created := clerktest.UserEventBody(clerkevents.UserCreated, u, t0)
	deliver(clerktest.Webhook{ID: "msg_log"}, created)                                                     // applied
	deliver(clerktest.Webhook{ID: "msg_log"}, created)                                                     // duplicate
	deliver(clerktest.Webhook{Secrets: []string{clerktest.NextWebhookSecret}}, created)                    // forged
	deliver(clerktest.Webhook{Timestamp: time.Now().Add(-time.Hour)}, created)                             // expired
	deliver(clerktest.Webhook{}, []byte(`{"type":"user.created","data":{"id":"`+secretEmail+`"}}`))        // 400
	deliver(clerktest.Webhook{}, []byte(`{"type":"user.created","data":{"email":"`+secretEmail+`"`))       // not JSON
	deliver(clerktest.Webhook{}, append(created, bytes.Repeat([]byte(" "), clerkwebhook.MaxBodyBytes)...)) // 413
	nul := clerktest.User{ID: u.ID, Emails: []string{secretEmail + "\x00"}}
	deliver(clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserUpdated, nul, time.Now())) // unappliable
	e.pub.setFail(errPublish)
	deliver(clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserUpdated, u, t0.Add(time.Second))) // 503

	logs := e.log.text()
	for _, secret := range append([]string{secretEmail, "private.person"}, sigs...) {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs)
		}
		if b64 := strings.TrimPrefix(secret, "v1,"); b64 != secret && strings.Contains(logs, b64) {
			t.Errorf("the log holds a signature:\n%s", logs)
		}
	}
	for _, want := range []string{`"type" "user.created"`, `"svix_id" "msg_log"`, `"outcome" "applied"`, `"outcome" "duplicate"`, `"user_id" "user_private"`, "bad signature", "publish failed", "SQLSTATE 22021"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

// A svix-id the sender chose is logged cut to 64 bytes and without control
// characters, so it cannot forge log lines: unsigned (anyone), or signed but
// not a plain ID.
func TestLoggedSenderTextIsCleaned(t *testing.T) {
	id := "msg_\x1b[31mred\r\nINFO forged line\u202e" + strings.Repeat("x", 200)
	want := `"msg_[31mredINFO forged line` + strings.Repeat("x", 37) + `"`
	unsigned := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	unsigned.Header.Set("svix-id", id)
	signed, err := clerktest.Webhook{ID: id}.Request("http://api.example/", clerktest.UserEventBody(clerkevents.UserCreated, ada, t0))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		req    *http.Request
		status int
	}{"unsigned": {unsigned, 401}, "signed": {signed, 400}} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			if a := serve(t, e.h, c.req); a.Status != c.status {
				t.Fatalf("answer %d %s", a.Status, a.Message)
			}
			logs := e.log.text()
			if strings.ContainsAny(logs, "\x1b\r\n\u202e") || strings.Contains(logs, `\n`) || strings.Contains(logs, `\x1b`) || strings.Contains(logs, `\u202e`) {
				t.Errorf("control characters reached the log: %q", logs)
			}
			if !strings.Contains(logs, want) {
				t.Errorf("svix-id not logged cut to 64 bytes: %q", logs)
			}
		})
	}
}

// The handler works against the Store's interface; *clerkmirror.Store and
// topic-like publishers satisfy it.
var (
	_ clerkwebhook.Store        = (*clerkmirror.Store)(nil)
	_ clerkwebhook.Publisher    = (*publisher)(nil)
	_ clerkwebhook.OrgPublisher = (*orgPublisher)(nil)
)
