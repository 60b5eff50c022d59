package clerktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"encore.app/auth/clerktest"
)

func verifier(t *testing.T, secret string) *svix.Webhook {
	t.Helper()
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

// Svix's own library accepts what the Webhook signs, so a handler that
// verifies with it accepts clerktest's deliveries.
func TestWebhookSignsAsSvixVerifies(t *testing.T) {
	body := clerktest.UserEventBody("user.created", clerktest.User{ID: "user_1", Emails: []string{"a@example.com"}}, time.Now())
	h, err := clerktest.Webhook{}.Headers(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier(t, clerktest.WebhookSecret).Verify(body, h); err != nil {
		t.Fatalf("svix refused clerktest's signature: %v", err)
	}
	if !strings.HasPrefix(h.Get("svix-id"), "msg_") || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", h)
	}
	if err := verifier(t, clerktest.NextWebhookSecret).Verify(body, h); err == nil {
		t.Error("another secret's verifier accepted the signature")
	}
	if err := verifier(t, clerktest.WebhookSecret).Verify(append(body, ' '), h); err == nil {
		t.Error("a changed body verified")
	}
}

// The signature is byte for byte the one svix's Sign computes.
func TestSignatureMatchesSvixSign(t *testing.T) {
	at := time.Unix(1700000000, 0)
	body := []byte(`{"type":"user.updated"}`)
	want, err := verifier(t, clerktest.WebhookSecret).Sign("msg_1", at, body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := clerktest.Signature(clerktest.WebhookSecret, "msg_1", at, body)
	if err != nil || got != want {
		t.Fatalf("Signature = %q, %v; svix signs %q", got, err, want)
	}
	if _, err := clerktest.Signature("whsec_not base64!", "msg_1", at, body); err == nil {
		t.Error("a malformed secret signed")
	}
}

// During a rotation Svix sends one signature per secret; a verifier holding
// either secret accepts the delivery.
func TestWebhookRotationSignsWithEverySecret(t *testing.T) {
	body := clerktest.SessionEventBody("session.revoked", "sess_1", "user_1")
	h, err := clerktest.Webhook{Secrets: []string{clerktest.WebhookSecret, clerktest.NextWebhookSecret}}.Headers(body)
	if err != nil {
		t.Fatal(err)
	}
	sigs := strings.Split(h.Get("svix-signature"), " ")
	if len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1,") || !strings.HasPrefix(sigs[1], "v1,") {
		t.Fatalf("svix-signature %q", h.Get("svix-signature"))
	}
	for _, s := range []string{clerktest.WebhookSecret, clerktest.NextWebhookSecret} {
		if err := verifier(t, s).Verify(body, h); err != nil {
			t.Errorf("verifier with %s: %v", s, err)
		}
	}
}

// A chosen svix-id and timestamp are sent as set; an old timestamp is refused
// by svix's tolerance but carries a valid signature.
func TestWebhookChosenIDAndTimestamp(t *testing.T) {
	at := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	body := clerktest.UserDeletedBody("user_1", at)
	h, err := clerktest.Webhook{ID: "msg_chosen", Timestamp: at}.Headers(body)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("svix-id") != "msg_chosen" || h.Get("svix-timestamp") != strconv.FormatInt(at.Unix(), 10) {
		t.Fatalf("headers %v", h)
	}
	wh := verifier(t, clerktest.WebhookSecret)
	if err := wh.Verify(body, h); err == nil {
		t.Error("svix accepted a 10-minute-old timestamp")
	}
	if err := wh.VerifyIgnoringTimestamp(body, h); err != nil {
		t.Errorf("the old delivery's signature: %v", err)
	}
	if _, err := (clerktest.Webhook{Secrets: []string{"whsec_%%%"}}).Headers(body); err == nil {
		t.Error("a malformed secret signed")
	}
}

// recorder is a webhook endpoint that verifies with svix and remembers what
// it received.
type recorder struct {
	t    *testing.T
	wh   *svix.Webhook
	got  []byte
	path string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Error(err)
	}
	rc.got, rc.path = body, r.URL.Path
	if r.Method != http.MethodPost || rc.wh.Verify(body, r.Header) != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookServeAndPost(t *testing.T) {
	rc := &recorder{t: t, wh: verifier(t, clerktest.WebhookSecret)}
	body := clerktest.SessionEventBody("session.ended", "sess_1", "user_1")

	res, err := clerktest.Webhook{}.Serve(rc, body)
	if err != nil || res.StatusCode != http.StatusNoContent || string(rc.got) != string(body) || rc.path != clerktest.WebhookPath {
		t.Fatalf("Serve: %v, %v; received %q at %q", res, err, rc.got, rc.path)
	}
	res, err = clerktest.Webhook{Secrets: []string{clerktest.NextWebhookSecret}}.Serve(rc, body)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("Serve with the wrong secret: %v, %v", res, err)
	}

	srv := httptest.NewServer(rc)
	defer srv.Close()
	res, err = clerktest.Webhook{}.Post(srv.URL+"/hooks", body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent || string(rc.got) != string(body) || rc.path != "/hooks" {
		t.Fatalf("Post: %d; received %q at %q", res.StatusCode, rc.got, rc.path)
	}

	req, err := clerktest.Webhook{}.Request(srv.URL, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Del("svix-signature")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned request: %d", res.StatusCode)
	}
}

// The bodies have the shape of Clerk's events: the envelope, and in data the
// User or Session object fields a receiver reads.
func TestEventBodiesHaveClerksShape(t *testing.T) {
	at := time.UnixMilli(1654012591835)
	var user struct {
		Data struct {
			ID                    string  `json:"id"`
			Object                string  `json:"object"`
			PrimaryEmailAddressID *string `json:"primary_email_address_id"`
			EmailAddresses        []struct {
				ID           string `json:"id"`
				EmailAddress string `json:"email_address"`
			} `json:"email_addresses"`
			UpdatedAt int64 `json:"updated_at"`
		} `json:"data"`
		Object     string `json:"object"`
		Type       string `json:"type"`
		Timestamp  int64  `json:"timestamp"`
		InstanceID string `json:"instance_id"`
	}
	body := clerktest.UserEventBody("user.updated", clerktest.User{ID: "user_1", Emails: []string{"a@example.com", "b@example.com"}, Primary: 1}, at)
	if err := json.Unmarshal(body, &user); err != nil {
		t.Fatal(err)
	}
	d := user.Data
	if user.Object != "event" || user.Type != "user.updated" || user.Timestamp != at.UnixMilli() || user.InstanceID == "" ||
		d.ID != "user_1" || d.Object != "user" || d.UpdatedAt != at.UnixMilli() || len(d.EmailAddresses) != 2 ||
		d.PrimaryEmailAddressID == nil || *d.PrimaryEmailAddressID != d.EmailAddresses[1].ID || d.EmailAddresses[1].EmailAddress != "b@example.com" {
		t.Fatalf("user event: %s", body)
	}

	body = clerktest.UserEventBody("user.created", clerktest.User{ID: "user_2", Primary: -1}, at)
	if err := json.Unmarshal(body, &user); err != nil || user.Data.PrimaryEmailAddressID != nil {
		t.Fatalf("user without email: %s, %v", body, err)
	}

	var deleted struct {
		Data      map[string]any `json:"data"`
		Type      string         `json:"type"`
		Timestamp int64          `json:"timestamp"`
	}
	body = clerktest.UserDeletedBody("user_1", at)
	if err := json.Unmarshal(body, &deleted); err != nil || deleted.Type != "user.deleted" || deleted.Timestamp != at.UnixMilli() ||
		deleted.Data["id"] != "user_1" || deleted.Data["object"] != "user" || deleted.Data["deleted"] != true {
		t.Fatalf("user.deleted: %s, %v", body, err)
	}

	var session struct {
		Data struct {
			ID     string `json:"id"`
			Object string `json:"object"`
			UserID string `json:"user_id"`
			Status string `json:"status"`
		} `json:"data"`
		Type string `json:"type"`
	}
	for typ, status := range map[string]string{"session.ended": "ended", "session.removed": "removed", "session.revoked": "revoked", "session.created": "active"} {
		body = clerktest.SessionEventBody(typ, "sess_1", "user_1")
		if err := json.Unmarshal(body, &session); err != nil || session.Type != typ || session.Data.ID != "sess_1" ||
			session.Data.Object != "session" || session.Data.UserID != "user_1" || session.Data.Status != status {
			t.Fatalf("%s: %s, %v", typ, body, err)
		}
	}
}
