package devclerk_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/auth/localclerk/svixsign"
	"encore.app/internal/testutil"
)

// Each change sent with POST /dev/clerk/webhook is delivered to the app's
// /webhooks/clerk, signed with the secret the app verifies with, and
// applied by the real clerkwebhook handler on the real database: the
// mirror takes the new email, user events are published, and once the
// change log is read a sign-out or a deletion is enforced on a token that
// was accepted before.
func TestWebhooksAreAppliedByTheApp(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()

	alice, aliceSession := token(t, a.dev, `{"userId": "user_alice"}`)
	bob, _ := token(t, a.dev, `{"userId": "user_bob"}`)
	for _, tok := range []string{alice, bob} {
		if _, err := a.authenticate(tok); err != nil {
			t.Fatal(err)
		}
	}

	out := send(t, a.dev, `{"type": "user.updated", "userId": "user_alice", "email": "alice@new.example"}`)
	answer, _ := out["answer"].(map[string]any)
	if out["type"] != "user.updated" || !strings.HasPrefix(out["svixId"].(string), "msg_") || answer["code"] != "applied" {
		t.Fatalf("user.updated: %v", out)
	}
	if u, found, err := a.store.User(ctx, "user_alice"); err != nil || !found || u.Email != "alice@new.example" {
		t.Fatalf("the mirror holds %+v, %v, %v", u, found, err)
	}

	send(t, a.dev, `{"type": "session.revoked", "sessionId": "`+aliceSession+`"}`)
	send(t, a.dev, `{"type": "user.deleted", "userId": "user_bob"}`)
	send(t, a.dev, `{"type": "user.created", "userId": "user_dave", "email": "dave@example.com"}`)
	a.sync(t)
	for name, tok := range map[string]string{"signed-out": alice, "deleted user's": bob} {
		_, err := a.authenticate(tok)
		testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		if !strings.Contains(err.Error(), "Clerk") {
			t.Errorf("%s token refused for another reason: %v", name, err)
		}
	}
	// The local Clerk changed too: Bob gets no token, Alice a new session
	// with her new email, Dave exists.
	if status, _ := call(t, a.dev, http.MethodPost, "/dev/clerk/token", "", `{"userId": "user_bob"}`); status != http.StatusNotFound {
		t.Fatalf("a token for a deleted user: %d", status)
	}
	for user, email := range map[string]string{"user_alice": "alice@new.example", "user_dave": "dave@example.com"} {
		tok, _ := token(t, a.dev, `{"userId": "`+user+`"}`)
		if data, err := a.authenticate(tok); err != nil || data.Email != email {
			t.Fatalf("%s: %+v, %v", user, data, err)
		}
	}
	want := []string{"user.updated user_alice", "user.deleted user_bob", "user.created user_dave"}
	if got := a.events.types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
}

// Membership changes are applied by the app and published: the member's
// token minted before is refused, the tokens minted after them (as soon as
// the endpoint has answered) carry the new roles.
func TestMembershipChanges(t *testing.T) {
	a := startApp(t)
	before, _ := token(t, a.dev, `{"userId": "user_bob"}`)
	for _, body := range []string{
		`{"type": "organizationMembership.created", "orgId": "org_acme", "userId": "user_carol", "role": "org:member"}`,
		`{"type": "organizationMembership.updated", "orgId": "org_acme", "userId": "user_bob", "role": "org:admin"}`,
		`{"type": "organizationMembership.deleted", "orgId": "org_acme", "userId": "user_alice"}`,
	} {
		if answer, _ := send(t, a.dev, body)["answer"].(map[string]any); answer["code"] != "applied" {
			t.Fatalf("%s: answered %v", body, answer)
		}
	}
	want := []string{"organizationMembership.created user_carol", "organizationMembership.updated user_bob", "organizationMembership.deleted user_alice"}
	if got := a.events.types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	a.sync(t)
	_, err := a.authenticate(before)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	for user, role := range map[string]string{"user_carol": "org:member", "user_bob": "org:admin", "user_alice": ""} {
		tok, _ := token(t, a.dev, `{"userId": "`+user+`"}`)
		if data, err := a.authenticate(tok); err != nil || data.OrgRole != role {
			t.Errorf("%s: %+v, %v; want role %q", user, data, err, role)
		}
	}
}

// When the app does not accept a delivery the endpoint answers 502 with
// the app's answer; the change stays made in the local Clerk, as in Clerk.
func TestUndeliveredWebhook(t *testing.T) {
	refusing := startLocal(t, "http://127.0.0.1:1/webhooks/clerk") // nothing listens on port 1
	status, out := call(t, refusing.Handler(), http.MethodPost, "/dev/clerk/webhook", "", `{"type": "user.updated", "userId": "user_carol", "email": "carol@new.example"}`)
	if status != http.StatusBadGateway || !strings.Contains(out["message"].(string), "made the change") {
		t.Fatalf("undelivered: %d %v", status, out)
	}
	if _, users := call(t, refusing.Handler(), http.MethodGet, "/dev/clerk/users", "", ""); !strings.Contains(mustJSON(t, users), "carol@new.example") {
		t.Fatalf("the change was not made: %v", users)
	}

	a := startApp(t)
	a.local.WebhookSecret = svixsign.NewSecret() // one the app does not know
	status, out = call(t, a.dev, http.MethodPost, "/dev/clerk/webhook", "", `{"type": "user.updated", "userId": "user_carol"}`)
	if answer, _ := out["answer"].(map[string]any); status != http.StatusBadGateway || out["status"] != 401.0 || answer["code"] != "unauthenticated" {
		t.Fatalf("refused delivery: %d %v", status, out)
	}
}
