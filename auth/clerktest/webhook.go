package clerktest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"time"

	"encore.app/auth/localclerk"
	"encore.app/auth/localclerk/svixsign"
)

// Signing secrets for tests, in the whsec_ form of the Signing Secret Clerk's
// dashboard shows for a webhook endpoint. Configure the handler with
// WebhookSecret; NextWebhookSecret is the other side of a rotation.
const (
	WebhookSecret     = "whsec_Y2xlcmt0ZXN0IHdlYmhvb2sga2V5IHYx"
	NextWebhookSecret = "whsec_Y2xlcmt0ZXN0IHdlYmhvb2sga2V5IHYy"
)

// WebhookPath is where Serve delivers; a handler tested on its own ignores it.
const WebhookPath = localclerk.WebhookPath

// Webhook signs and sends deliveries as Svix does for Clerk, so that a
// webhook endpoint can be tested without Clerk. Its fields are
// svixsign.Webhook's; the zero value signs with WebhookSecret, a new
// svix-id per delivery and the current time.
type Webhook svixsign.Webhook

// signer is w with WebhookSecret when it names no secret.
func (w Webhook) signer() svixsign.Webhook {
	if len(w.Secrets) == 0 {
		w.Secrets = []string{WebhookSecret}
	}
	return svixsign.Webhook(w)
}

// Signature is svixsign.Signature: Svix's "v1,<base64>" signature.
func Signature(secret, id string, timestamp time.Time, body []byte) (string, error) {
	return svixsign.Signature(secret, id, timestamp, body)
}

// Headers are the svix-id, svix-timestamp and svix-signature of body.
func (w Webhook) Headers(body []byte) (http.Header, error) { return w.signer().Headers(body) }

// Request is a signed POST of body to url, for tests that change it before
// sending (dropping a header, say).
func (w Webhook) Request(url string, body []byte) (*http.Request, error) {
	return w.signer().Request(url, body)
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
	if err := w.signer().Sign(req, body); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// EventBody is localclerk.EventBody: Clerk's event envelope around data.
func EventBody(eventType string, data any, at time.Time) []byte {
	return localclerk.EventBody(eventType, data, at)
}

// UserEventBody is localclerk.UserEventBody: a user.created or user.updated
// event.
func UserEventBody(eventType string, u User, updatedAt time.Time) []byte {
	return localclerk.UserEventBody(eventType, u, updatedAt)
}

// UserDeletedBody is localclerk.UserDeletedBody: Clerk's user.deleted event.
func UserDeletedBody(userID string, at time.Time) []byte {
	return localclerk.UserDeletedBody(userID, at)
}

// SessionEventBody is localclerk.SessionEventBody: a session.* event.
func SessionEventBody(eventType, sessionID, userID string) []byte {
	return localclerk.SessionEventBody(eventType, sessionID, userID)
}
