package profile_test

import (
	"encoding/json"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/user/profile"
)

func body(t *testing.T, data *clerkauth.AuthData) string {
	t.Helper()
	b, err := json.Marshal(profile.NewResponse(data))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWithoutOrganization(t *testing.T) {
	got := body(t, &clerkauth.AuthData{UserID: "user_1", Email: "ada@example.com", SessionID: "sess_1"})
	if want := `{"userId":"user_1","email":"ada@example.com","sessionId":"sess_1"}`; got != want {
		t.Fatalf("body = %s, want %s", got, want)
	}
}

func TestEmailAlwaysPresent(t *testing.T) {
	got := body(t, &clerkauth.AuthData{UserID: "user_1", SessionID: "sess_1"})
	if want := `{"userId":"user_1","email":"","sessionId":"sess_1"}`; got != want {
		t.Fatalf("body = %s, want %s", got, want)
	}
}

func TestWithOrganization(t *testing.T) {
	got := body(t, &clerkauth.AuthData{
		UserID: "user_1", Email: "ada@example.com", SessionID: "sess_1",
		OrgID: "org_1", OrgSlug: "acme", OrgRole: "org:admin",
		OrgPermissions: []string{"org:reports:read", "org:settings:manage"},
	})
	want := `{"userId":"user_1","email":"ada@example.com","sessionId":"sess_1","orgId":"org_1","orgSlug":"acme","orgRole":"org:admin","orgPermissions":["org:reports:read","org:settings:manage"]}`
	if got != want {
		t.Fatalf("body = %s, want %s", got, want)
	}
}

func TestWithOrganizationWithoutPermissions(t *testing.T) {
	got := body(t, &clerkauth.AuthData{
		UserID: "user_1", SessionID: "sess_1", OrgID: "org_1", OrgSlug: "acme", OrgRole: "org:member",
	})
	if want := `{"userId":"user_1","email":"","sessionId":"sess_1","orgId":"org_1","orgSlug":"acme","orgRole":"org:member"}`; got != want {
		t.Fatalf("body = %s, want %s", got, want)
	}
}

// Organization claims without an active organization are not shown.
func TestRoleWithoutOrganizationOmitted(t *testing.T) {
	got := body(t, &clerkauth.AuthData{
		UserID: "user_1", SessionID: "sess_1", OrgRole: "org:admin", OrgPermissions: []string{"org:x:y"},
	})
	if want := `{"userId":"user_1","email":"","sessionId":"sess_1"}`; got != want {
		t.Fatalf("body = %s, want %s", got, want)
	}
}

// The response does not share the auth data's slice.
func TestPermissionsCopied(t *testing.T) {
	data := &clerkauth.AuthData{UserID: "user_1", OrgID: "org_1", OrgPermissions: []string{"org:a:b"}}
	r := profile.NewResponse(data)
	r.OrgPermissions[0] = "changed"
	if data.OrgPermissions[0] != "org:a:b" {
		t.Fatal("NewResponse shares the auth data's permissions")
	}
}

// An OAuth token sees the email only with the email scope.
func TestOAuthEmailNeedsScope(t *testing.T) {
	oauth := func(scopes ...string) *clerkauth.AuthData {
		return &clerkauth.AuthData{
			TokenType: clerkauth.TokenTypeOAuth, Subject: "user_1", UserID: "user_1",
			Email: "ada@example.com", Scopes: scopes, ClientID: "client_1",
		}
	}
	if got, want := body(t, oauth(profile.ScopeProfile)), `{"userId":"user_1","email":"","sessionId":""}`; got != want {
		t.Fatalf("profile scope only: body = %s, want %s", got, want)
	}
	if got, want := body(t, oauth(profile.ScopeProfile, profile.ScopeEmail)), `{"userId":"user_1","email":"ada@example.com","sessionId":""}`; got != want {
		t.Fatalf("profile and email scopes: body = %s, want %s", got, want)
	}
	session := &clerkauth.AuthData{TokenType: clerkauth.TokenTypeSession, UserID: "user_1", Email: "ada@example.com", SessionID: "sess_1"}
	if got, want := body(t, session), `{"userId":"user_1","email":"ada@example.com","sessionId":"sess_1"}`; got != want {
		t.Fatalf("session: body = %s, want %s", got, want)
	}
}
