package authsvc

import (
	"encoding/json"
	"fmt"
	"testing"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkusers"
)

func TestNewWhoAmI(t *testing.T) {
	data := &clerkauth.AuthData{
		TokenType: clerkauth.TokenTypeAPIKey, Subject: "org_1", OrgID: "org_1",
		Scopes: []string{"a", "b"}, TokenID: "ak_id", Name: "ci", Email: "never@example.com",
	}
	b, err := json.Marshal(NewWhoAmI(data))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"tokenType":"api_key","subject":"org_1","orgId":"org_1","scopes":["a","b"],"name":"ci"}`; string(b) != want {
		t.Fatalf("body = %s, want %s", b, want)
	}
}

func TestCheckUserID(t *testing.T) {
	for _, id := range []string{"user_2abc", "user_A-b_9"} {
		if err := CheckUserID(id); err != nil {
			t.Errorf("%q refused: %v", id, err)
		}
	}
	for _, id := range []string{"", "user_", "org_1", "user_a/b", "user_a%2F", "user_a b", "USER_x", "user_" + string(make([]byte, 64))} {
		if err := CheckUserID(id); err == nil || err.Code != errs.InvalidArgument {
			t.Errorf("%q: %v, want invalid_argument", id, err)
		}
	}
}

func TestUserLookupError(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want errs.ErrCode
	}{
		{fmt.Errorf("x: %w", clerkusers.ErrUserNotFound), errs.NotFound},
		{fmt.Errorf("x: %w", clerkauth.ErrCanceled), errs.Canceled},
		{fmt.Errorf("x: %w", clerkauth.ErrClerkUnavailable), errs.Unavailable},
	} {
		if got := UserLookupError(tt.err); got.Code != tt.want {
			t.Errorf("%v: %s, want %s", tt.err, got.Code, tt.want)
		}
	}
}
