package clerkwebhook_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerktest"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/authmetrics"
	"encore.app/internal/clerkevents"
)

// Every delivery is counted once, by its event type (unknown until read,
// other for a type not handled) and its answer.
func TestDeliveriesAreCountedByEventAndOutcome(t *testing.T) {
	e := newEnv(t)
	counts := &authmetrics.Counts{}
	counted := func(secret string) *clerkwebhook.Handler {
		return clerkwebhook.NewHandler(clerkwebhook.Config{
			Secret: secret, Store: e.store, Publisher: e.pub, OrgPublisher: e.orgPub, Log: e.log, Metrics: counts,
		})
	}
	h := counted(clerktest.WebhookSecret)
	now := time.Now()
	unsigned := httptest.NewRequest(http.MethodPost, "/webhooks/clerk", strings.NewReader("{}"))
	for _, c := range []struct {
		name    string
		deliver func()
		want    string
	}{
		{"applied", func() {
			send(t, h, clerktest.Webhook{ID: "msg_1"}, clerktest.UserEventBody(clerkevents.UserCreated, ada, now)).expect(t, 200, "applied")
		}, "event=user_created,outcome=applied"},
		{"duplicate", func() {
			send(t, h, clerktest.Webhook{ID: "msg_1"}, clerktest.UserEventBody(clerkevents.UserCreated, ada, now)).expect(t, 200, "duplicate")
		}, "event=user_created,outcome=duplicate"},
		{"outdated", func() {
			send(t, h, clerktest.Webhook{}, clerktest.UserEventBody(clerkevents.UserUpdated, ada, now.Add(-time.Hour))).expect(t, 200, "outdated")
		}, "event=user_updated,outcome=outdated"},
		{"ignored", func() {
			send(t, h, clerktest.Webhook{}, clerktest.EventBody("email.created", map[string]any{"id": "ema_1"}, now)).expect(t, 200, "ignored")
		}, "event=other,outcome=ignored"},
		{"unappliable", func() {
			send(t, h, clerktest.Webhook{}, userUpdated("ada\x00@example.com", now.UnixMilli())).expect(t, 200, "unappliable")
		}, "event=user_updated,outcome=unappliable"},
		{"unsigned", func() { serve(t, h, unsigned).expect(t, 401, "unauthenticated") }, "event=unknown,outcome=refused"},
		{"bad signature", func() {
			send(t, h, clerktest.Webhook{Secrets: []string{"whsec_" + "b3RoZXI="}}, clerktest.SessionEventBody(clerkwebhook.SessionRevoked, "sess_1", ada.ID)).
				expect(t, 401, "unauthenticated")
		}, "event=unknown,outcome=refused"},
		{"publish failing", func() {
			e.pub.setFail(errPublish)
			defer e.pub.setFail(nil)
			send(t, h, clerktest.Webhook{}, clerktest.UserDeletedBody(ada.ID, now)).expect(t, 503, "unavailable")
		}, "event=user_deleted,outcome=unavailable"},
		{"session revoked", func() {
			send(t, h, clerktest.Webhook{}, clerktest.SessionEventBody(clerkwebhook.SessionRevoked, "sess_1", ada.ID)).expect(t, 200, "applied")
		}, "event=session_revoked,outcome=applied"},
		{"not configured", func() {
			send(t, counted(""), clerktest.Webhook{}, clerktest.UserDeletedBody(ada.ID, now)).expect(t, 503, "unavailable")
		}, "event=unknown,outcome=unavailable"},
	} {
		c.deliver()
		want := map[string]uint64{"auth_webhook_deliveries{" + c.want + "}": 1}
		if got := counts.Take(); !maps.Equal(got, want) {
			t.Fatalf("%s: counted %v, want %v", c.name, got, want)
		}
	}
}
