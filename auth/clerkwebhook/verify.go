package clerkwebhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	svix "github.com/svix/svix-webhooks/go"
)

// MaxBodyBytes caps a delivery's body. Clerk's user and session objects are a
// few KiB; the cap keeps an unauthenticated sender from making us buffer and
// hash an arbitrarily large body before the signature can be checked.
const MaxBodyBytes = 1 << 20

// The headers Svix signs a delivery with.
const (
	headerID        = "svix-id"
	headerTimestamp = "svix-timestamp"
	headerSignature = "svix-signature"
)

// secretPrefix starts every Svix signing secret Clerk shows. Requiring it
// catches the common mistake of pasting another secret (such as the Clerk
// secret key) into ClerkWebhookSecret.
const secretPrefix = "whsec_"

// errTooLarge is the body exceeding MaxBodyBytes.
var errTooLarge = errors.New("body larger than 1 MiB")

// newVerifier builds the Svix verifier once, so the secret is decoded at
// start-up rather than on every delivery.
func newVerifier(secret string) (*svix.Webhook, error) {
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, secretPrefix) || len(secret) == len(secretPrefix) {
		return nil, fmt.Errorf("it does not look like a Clerk signing secret (%s…)", secretPrefix)
	}
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("it is not a valid Clerk signing secret: %w", err)
	}
	return wh, nil
}

// signedID is the svix-id of a request that carries all three svix-*
// headers. Requiring all three is what makes the svix-id we record the one
// that was signed: when one is missing, svix's Verify falls back to the
// webhook-* headers of Standard Webhooks, which sign another id.
func signedID(r *http.Request) (id string, ok bool) {
	id = r.Header.Get(headerID)
	return id, id != "" && r.Header.Get(headerTimestamp) != "" && r.Header.Get(headerSignature) != ""
}

// readBody reads the whole body once, refusing more than MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errTooLarge
	}
	return body, err
}
