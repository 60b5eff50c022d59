package user

import (
	"encoding/json"
	"testing"

	"encore.app/auth/clerkauth"
)

func TestProfileResponseShape(t *testing.T) {
	body, err := json.Marshal(NewProfileResponse(&clerkauth.AuthData{
		UserID: "user_1", Email: "ada@example.com", SessionID: "sess_1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"userId":"user_1","email":"ada@example.com","sessionId":"sess_1"}`; string(body) != want {
		t.Fatalf("body = %s, want %s", body, want)
	}

	body, _ = json.Marshal(NewProfileResponse(&clerkauth.AuthData{
		UserID: "user_1", SessionID: "sess_1", OrgID: "org_1", OrgSlug: "acme", OrgRole: "org:admin",
	}))
	if want := `{"userId":"user_1","email":"","sessionId":"sess_1","orgId":"org_1","orgSlug":"acme","orgRole":"org:admin"}`; string(body) != want {
		t.Fatalf("body = %s, want %s", body, want)
	}
}
