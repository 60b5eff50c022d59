package clerktest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Signing secrets for tests, in the whsec_ form of the Signing Secret Clerk's
// dashboard shows for a webhook endpoint. Configure the handler with
// WebhookSecret; NextWebhookSecret is the other side of a rotation.
const (
	WebhookSecret     = "whsec_Y2xlcmt0ZXN0IHdlYmhvb2sga2V5IHYx"
	NextWebhookSecret = "whsec_Y2xlcmt0ZXN0IHdlYmhvb2sga2V5IHYy"
)

// WebhookPath is where Serve delivers; a handler tested on its own ignores it.
const WebhookPath = "/webhooks/clerk"

// Webhook signs and sends deliveries as Svix does for Clerk, so that a
// webhook endpoint can be tested without Clerk. The zero value signs with
// WebhookSecret, a new svix-id per delivery and the current time.
type Webhook struct {
	// Secrets each add a v1 signature to svix-signature, as Svix does while
	// an endpoint's secret is being rotated. Empty means WebhookSecret.
	Secrets []string
	// ID is the svix-id. Svix keeps it across the retries of a delivery, so
	// set it to replay one; empty means a new random msg_ ID each time.
	ID string
	// Timestamp is the svix-timestamp; zero means now, as on a retry.
	Timestamp time.Time
}

// Signature is Svix's "v1,<base64>" signature of a delivery: HMAC-SHA256,
// keyed with the base64 after whsec_, of "<svix-id>.<unix seconds>.<body>".
func Signature(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("clerktest: webhook secret is not whsec_ followed by base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp.Unix())
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Headers are the svix-id, svix-timestamp and svix-signature of body.
func (w Webhook) Headers(body []byte) (http.Header, error) {
	id, ts, secrets := w.ID, w.Timestamp, w.Secrets
	if id == "" {
		id = newMessageID()
	}
	if ts.IsZero() {
		ts = time.Now()
	}
	if len(secrets) == 0 {
		secrets = []string{WebhookSecret}
	}
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sig, err := Signature(s, id, ts, body)
		if err != nil {
			return nil, err
		}
		sigs[i] = sig
	}
	h := http.Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("svix-signature", strings.Join(sigs, " "))
	h.Set("Content-Type", "application/json")
	return h, nil
}

// Request is a signed POST of body to url, for tests that change it before
// sending (dropping a header, say).
func (w Webhook) Request(url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return req, w.sign(req, body)
}

// Post delivers body to url with http.DefaultClient, like http.Post.
func (w Webhook) Post(url string, body []byte) (*http.Response, error) {
	req, err := w.Request(url, body)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// Serve delivers body to h in-process, at WebhookPath, and returns its answer.
func (w Webhook) Serve(h http.Handler, body []byte) (*http.Response, error) {
	req := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
	if err := w.sign(req, body); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

func (w Webhook) sign(req *http.Request, body []byte) error {
	h, err := w.Headers(body)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return nil
}

// newMessageID is a fresh svix-id in Svix's msg_ form.
func newMessageID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "msg_" + hex.EncodeToString(b)
}

// EventBody is Clerk's event envelope around data (a user or session object,
// or anything for an event type the endpoint does not handle), emitted at at.
// It panics if data cannot be encoded as JSON.
func EventBody(eventType string, data any, at time.Time) []byte {
	b, err := json.Marshal(map[string]any{
		"data":        data,
		"object":      "event",
		"type":        eventType,
		"timestamp":   at.UnixMilli(),
		"instance_id": "ins_clerktest",
	})
	if err != nil {
		panic("clerktest: event data is not JSON: " + err.Error())
	}
	return b
}

// UserEventBody is a user.created or user.updated event: u as the Server
// serves it (so Primary picks primary_email_address_id), with Clerk's
// created_at and updated_at in ms. Clerk emits it when the user changes, so
// the event's timestamp is updatedAt too.
func UserEventBody(eventType string, u User, updatedAt time.Time) []byte {
	data := u.resource()
	data["created_at"] = updatedAt.UnixMilli()
	data["updated_at"] = updatedAt.UnixMilli()
	return EventBody(eventType, data, updatedAt)
}

// UserDeletedBody is Clerk's user.deleted event, emitted at at: its data is
// only the user's id.
func UserDeletedBody(userID string, at time.Time) []byte {
	return EventBody("user.deleted", map[string]any{"id": userID, "object": "user", "deleted": true}, at)
}

// SessionEventBody is a session.* event (such as session.revoked) for the
// session sessionID of userID, emitted now, with the status Clerk gives the
// session after that event.
func SessionEventBody(eventType, sessionID, userID string) []byte {
	now := time.Now()
	status := "active"
	switch eventType {
	case "session.ended":
		status = "ended"
	case "session.removed":
		status = "removed"
	case "session.revoked":
		status = "revoked"
	}
	return EventBody(eventType, map[string]any{
		"id":             sessionID,
		"object":         "session",
		"user_id":        userID,
		"client_id":      "client_clerktest",
		"status":         status,
		"last_active_at": now.UnixMilli(),
		"expire_at":      now.Add(7 * 24 * time.Hour).UnixMilli(),
		"abandon_at":     now.Add(30 * 24 * time.Hour).UnixMilli(),
		"created_at":     now.UnixMilli(),
		"updated_at":     now.UnixMilli(),
	}, now)
}
