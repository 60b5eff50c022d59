// Package svixsign signs webhook deliveries as Svix does for Clerk, so that
// Svix's own verification (as in package clerkwebhook) accepts them.
package svixsign

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook signs deliveries as Svix does for Clerk.
type Webhook struct {
	// Secrets are the endpoint's signing secrets (whsec_…), each adding a v1
	// signature to svix-signature, as Svix does while an endpoint's secret
	// is being rotated. At least one is required.
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
		return "", fmt.Errorf("svixsign: webhook secret is not whsec_ followed by base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp.Unix())
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// NewSecret is a random signing secret in the whsec_ form of the Signing
// Secret Clerk's dashboard shows for a webhook endpoint.
func NewSecret() string {
	return "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(24))
}

// Headers are the svix-id, svix-timestamp and svix-signature of body.
func (w Webhook) Headers(body []byte) (http.Header, error) {
	if len(w.Secrets) == 0 {
		return nil, errors.New("svixsign: a webhook needs a signing secret")
	}
	id, ts := w.ID, w.Timestamp
	if id == "" {
		id = "msg_" + hex.EncodeToString(randomBytes(12))
	}
	if ts.IsZero() {
		ts = time.Now()
	}
	sigs := make([]string, len(w.Secrets))
	for i, s := range w.Secrets {
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

// Request is a signed POST of body to url.
func (w Webhook) Request(url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return req, w.Sign(req, body)
}

// Sign sets the Svix headers of body on req.
func (w Webhook) Sign(req *http.Request, body []byte) error {
	h, err := w.Headers(body)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}
