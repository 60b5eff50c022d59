package devclerk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/auth/opaquetoken"
)

// claims decodes a token's payload.
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// A minted token authenticates through the real Authenticator configured
// as auth/config.cue configures it, fetching the JWKS and the user from the
// local Clerk's loopback Backend API; its organization is the user's first
// unless the request names one, or none.
func TestTokensAuthenticate(t *testing.T) {
	a := startApp(t)
	if !strings.HasPrefix(a.local.APIURL, "http://127.0.0.1:") || !strings.HasPrefix(a.local.SecretKey, "sk_test_") || !strings.HasPrefix(a.local.WebhookSecret, "whsec_") {
		t.Fatalf("local Clerk %q %q %q", a.local.APIURL, a.local.SecretKey, a.local.WebhookSecret)
	}

	tok, sid := token(t, a.dev, `{"userId": "user_alice"}`)
	data, err := a.authenticate(tok)
	if err != nil {
		t.Fatal(err)
	}
	if data.UserID != "user_alice" || data.Email != "alice@example.com" || data.SessionID != sid || data.OrgID != "org_acme" || data.OrgSlug != "acme" ||
		!data.HasRole("org:admin") || !data.HasPermission("org:reports:manage") || claims(t, tok)["azp"] != parties[0] {
		t.Fatalf("alice: %+v, claims %v", data, claims(t, tok))
	}

	for body, want := range map[string]func(*clerkauth.AuthData) bool{
		`{"userId": "user_bob"}`: func(d *clerkauth.AuthData) bool {
			return d.HasRole("org:member") && slices.Equal(d.OrgPermissions, []string{"org:reports:read"})
		},
		`{"userId": "user_bob", "orgRole": "admin"}`:     func(d *clerkauth.AuthData) bool { return d.OrgRole == "org:admin" },
		`{"userId": "user_bob", "orgRole": "org:admin"}`: func(d *clerkauth.AuthData) bool { return d.OrgRole == "org:admin" },
		`{"userId": "user_alice", "orgId": ""}`:          func(d *clerkauth.AuthData) bool { return d.OrgID == "" && d.OrgRole == "" },
		`{"userId": "user_carol"}`:                       func(d *clerkauth.AuthData) bool { return d.OrgID == "" && d.Email == "carol@example.com" },
		`{"userId": "user_carol", "features": ["u:beta"], "plans": ["u:pro"], "fva": [2, 5]}`: func(d *clerkauth.AuthData) bool {
			return d.HasFeature("beta") && d.HasPlan("pro") && slices.Equal(d.FactorVerificationAge, []int{2, 5})
		},
		`{"userId": "user_carol", "azp": "http://127.0.0.1:5173"}`: func(d *clerkauth.AuthData) bool { return d.UserID == "user_carol" },
	} {
		tok, _ := token(t, a.dev, body)
		if data, err := a.authenticate(tok); err != nil || !want(data) {
			t.Errorf("%s: %+v, %v", body, data, err)
		}
	}

	// A token continues its session when asked to.
	if _, again := token(t, a.dev, `{"userId": "user_alice", "sessionId": "`+sid+`"}`); again != sid {
		t.Errorf("session %s continued as %s", sid, again)
	}
	// A browser at one of the app's origins gets a token for that origin.
	status, out := call(t, a.dev, http.MethodPost, "/dev/clerk/token", parties[1], `{"userId": "user_carol"}`)
	tok, _ = out["token"].(string)
	if status != http.StatusOK || claims(t, tok)["azp"] != parties[1] {
		t.Fatalf("from %s: %d %v", parties[1], status, out)
	}
	if _, err := a.authenticate(tok); err != nil {
		t.Fatal(err)
	}
}

// A page the developer visits must not reach the local Clerk through the
// browser: a request whose Origin is not one of the app's frontends is
// refused, mints nothing, and sends nothing. Nor is a token minted for an
// azp the app would refuse.
func TestOtherOriginsAreRefused(t *testing.T) {
	a := startApp(t)
	for _, tt := range []struct{ method, path, body string }{
		{http.MethodPost, "/dev/clerk/token", `{"userId": "user_alice"}`},
		{http.MethodGet, "/dev/clerk/users", ""},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.deleted", "userId": "user_bob"}`},
		{http.MethodPost, "/dev/clerk/api-keys", `{"subject": "user_alice"}`},
	} {
		status, out := call(t, a.dev, tt.method, tt.path, "https://evil.example", tt.body)
		if status != http.StatusForbidden || out["token"] != nil || out["users"] != nil || out["secret"] != nil {
			t.Errorf("%s %s from another origin: %d %v", tt.method, tt.path, status, out)
		}
	}
	if len(a.events.types()) != 0 {
		t.Fatalf("a refused request sent %v", a.events.types())
	}
	if _, out := call(t, a.dev, http.MethodGet, "/dev/clerk/users", "", ""); !strings.Contains(mustJSON(t, out), "user_bob") {
		t.Fatalf("a refused request deleted user_bob: %v", out)
	}

	status, out := call(t, a.dev, http.MethodPost, "/dev/clerk/token", "", `{"userId": "user_alice", "azp": "https://evil.example"}`)
	if status != http.StatusBadRequest || out["token"] != nil || !strings.Contains(out["message"].(string), "AuthorizedParties") {
		t.Fatalf("azp not a party: %d %v", status, out)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Bad requests get a 4xx that says what is wrong.
func TestBadRequests(t *testing.T) {
	a := startApp(t)
	for _, tt := range []struct {
		method, path, body string
		status             int
		says               string
	}{
		{http.MethodPost, "/dev/clerk/token", `{}`, 400, "userId is required"},
		{http.MethodPost, "/dev/clerk/token", `{"userID": "user_alice", "org": "x"}`, 400, "unknown field"},
		{http.MethodPost, "/dev/clerk/token", `{"userId": "user_alice"} {}`, 400, "more than one"},
		{http.MethodPost, "/dev/clerk/token", `not json`, 400, "JSON"},
		{http.MethodPost, "/dev/clerk/token", `{"userId": "user_nobody"}`, 404, `user "user_nobody" does not exist`},
		{http.MethodPost, "/dev/clerk/token", `{"userId": "user_carol", "orgId": "org_acme"}`, 400, "not a member"},
		{http.MethodPost, "/dev/clerk/token", `{"userId": "user_bob", "orgRole": "owner"}`, 400, "org:admin, org:member"},
		{http.MethodPost, "/dev/clerk/token", `{"userId": "user_bob", "features": ["beta"]}`, 400, "scope"},
		{http.MethodPost, "/dev/clerk/token", `{"userId": "user_bob", "sessionId": "sess_nope"}`, 404, "sess_nope"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.exploded", "userId": "user_bob"}`, 400, "user.updated"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.created", "userId": "user_bob", "email": "b@example.com"}`, 400, "send user.updated"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.created", "userId": "dave", "email": "d@example.com"}`, 400, "user_"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.created", "userId": "user_dave"}`, 400, "email"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.updated", "userId": "user_nobody"}`, 400, "send user.created"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.deleted", "userId": "user_nobody"}`, 400, "does not exist"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "session.revoked", "sessionId": "sess_nope"}`, 404, "sess_nope"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "organizationMembership.updated", "orgId": "org_acme", "userId": "user_carol", "role": "org:admin"}`, 400, "send organizationMembership.created"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "organizationMembership.created", "orgId": "org_acme", "userId": "user_bob", "role": "org:admin"}`, 400, "send organizationMembership.updated"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "organizationMembership.created", "orgId": "org_acme", "userId": "user_carol", "role": "org:owner"}`, 400, "not defined"},
		{http.MethodPost, "/dev/clerk/webhook", `{"type": "organizationMembership.deleted", "orgId": "org_acme", "userId": "user_carol"}`, 404, "does not exist"},
		{http.MethodPost, "/dev/clerk/api-keys", `{"subject": "user_nobody"}`, 404, "neither a user nor an organization"},
		{http.MethodPost, "/dev/clerk/m2m-tokens", `{"machineId": "worker"}`, 400, "mch_"},
		{http.MethodPost, "/dev/clerk/m2m-tokens", `{"machineId": "mch_"}`, 400, "mch_"},
		{http.MethodPost, "/dev/clerk/m2m-tokens", `{"machineId": "mch_a", "mayCall": ["mch_b c"]}`, 400, "mch_"},
	} {
		status, out := call(t, a.dev, tt.method, tt.path, "", tt.body)
		message, _ := out["message"].(string)
		if status != tt.status || !strings.Contains(message, tt.says) || out["token"] != nil {
			t.Errorf("%s %s %s: %d %v, want %d saying %q", tt.method, tt.path, tt.body, status, out, tt.status, tt.says)
		}
	}
	if status, _ := call(t, a.dev, http.MethodGet, "/dev/clerk/token", "", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("GET /dev/clerk/token: %d", status)
	}
	if status, _ := call(t, a.dev, http.MethodGet, "/dev/clerk/nothing", "", ""); status != http.StatusNotFound {
		t.Errorf("GET /dev/clerk/nothing: %d", status)
	}
	if len(a.events.types()) != 0 {
		t.Fatalf("refused requests sent %v", a.events.types())
	}
}

func TestUsersAreListed(t *testing.T) {
	a := startApp(t)
	status, out := call(t, a.dev, http.MethodGet, "/dev/clerk/users", "", "")
	want := `{"users":[` +
		`{"email":"alice@example.com","id":"user_alice","organizations":[{"id":"org_acme","name":"Acme","role":"org:admin","slug":"acme"}]},` +
		`{"email":"bob@example.com","id":"user_bob","organizations":[{"id":"org_acme","name":"Acme","role":"org:member","slug":"acme"}]},` +
		`{"email":"carol@example.com","id":"user_carol","organizations":[]}]}`
	if got := mustJSON(t, out); status != http.StatusOK || got != want {
		t.Fatalf("%d %s\nwant %s", status, got, want)
	}
}

// API keys and M2M tokens from the development endpoints verify through
// the real opaquetoken.Verifier against the local Clerk.
func TestMachineTokens(t *testing.T) {
	a := startApp(t)
	v, err := opaquetoken.New(opaquetoken.Config{SecretKey: a.local.SecretKey, APIURL: a.local.APIURL})
	if err != nil {
		t.Fatal(err)
	}
	status, out := call(t, a.dev, http.MethodPost, "/dev/clerk/api-keys", "", `{"subject": "org_acme", "name": "ci", "scopes": ["reports:read"]}`)
	secret, _ := out["secret"].(string)
	if status != http.StatusOK || !strings.HasPrefix(secret, "ak_") {
		t.Fatalf("api key: %d %v", status, out)
	}
	data, err := v.Verify(context.Background(), secret)
	if err != nil || data.TokenType != clerkauth.TokenTypeAPIKey || data.OrgID != "org_acme" || data.Name != "ci" || data.TokenID != out["id"] || !slices.Equal(data.Scopes, []string{"reports:read"}) {
		t.Fatalf("api key verified as %+v, %v", data, err)
	}

	status, out = call(t, a.dev, http.MethodPost, "/dev/clerk/m2m-tokens", "", `{"machineId": "mch_worker", "mayCall": ["mch_api"]}`)
	tok, _ := out["token"].(string)
	if status != http.StatusOK || !strings.HasPrefix(tok, "mt_") {
		t.Fatalf("m2m token: %d %v", status, out)
	}
	if data, err = v.Verify(context.Background(), tok); err != nil || data.TokenType != clerkauth.TokenTypeM2M || data.MachineID != "mch_worker" {
		t.Fatalf("m2m token verified as %+v, %v", data, err)
	}
}
