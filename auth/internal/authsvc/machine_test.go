package authsvc

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkusers"
	"encore.app/auth/opaquetoken"
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

func TestMachineTokenNotes(t *testing.T) {
	warns, info := MachineTokenNotes([]string{clerkauth.TokenTypeSession}, false, "")
	if len(warns) != 0 || info != "auth service: AcceptedTokenTypes does not include api_key, m2m_token, oauth_token: such tokens are refused everywhere, on endpoints tagged to accept them too" {
		t.Fatalf("sessions only: %q, %q", warns, info)
	}
	warns, _ = MachineTokenNotes([]string{clerkauth.TokenTypeM2M}, false, "")
	if len(warns) != 2 || !strings.Contains(warns[0], "ClerkMachineSecretKey") || !strings.Contains(warns[1], "MachineID") {
		t.Fatalf("M2M without key or machine ID: %q", warns)
	}
	all := []string{clerkauth.TokenTypeSession, clerkauth.TokenTypeAPIKey, clerkauth.TokenTypeM2M, clerkauth.TokenTypeOAuth}
	if warns, info := MachineTokenNotes(all, true, "mch_1"); len(warns) != 0 || info != "" {
		t.Fatalf("all configured: %q, %q", warns, info)
	}
}

// A never-seen machine token refused because the verification budget is
// spent answers 503 with when to retry, in the body: the auth handler
// cannot set a Retry-After header.
func TestAPIErrorCarriesRetryAfter(t *testing.T) {
	v, err := opaquetoken.New(opaquetoken.Config{SecretKey: "sk_test_x", APIURL: "http://127.0.0.1:1/v1", VerifyPerSecond: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The first spends the budget (and finds no Clerk); the second has none.
	_, err = v.Verify(ctx, "ak_"+strings.Repeat("a", 30))
	if e := APIError(err); e.Code != errs.Unavailable || e.Details != nil {
		t.Fatalf("Clerk unreachable: %+v", e)
	}
	_, err = v.Verify(ctx, "ak_"+strings.Repeat("b", 30))
	e := APIError(err)
	if e.Code != errs.Unavailable || e.Details != (RetryAfter{Seconds: 1}) {
		t.Fatalf("budget spent: %+v (%v)", e, err)
	}
	b, _ := json.Marshal(e.Details)
	if string(b) != `{"retryAfterSeconds":1}` {
		t.Fatalf("details = %s", b)
	}
}

func TestCheckMachineTokenTTL(t *testing.T) {
	if err := CheckMachineTokenTTL(time.Minute, 5*time.Second); err != nil {
		t.Fatalf("the default: %v", err)
	}
	if err := CheckMachineTokenTTL(clerkusers.RevocationRetention(5*time.Second), 5*time.Second); err != nil {
		t.Fatalf("at the bound: %v", err)
	}
	err := CheckMachineTokenTTL(clerkusers.RevocationRetention(5*time.Second)+time.Second, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "MachineTokenCacheTTLSeconds") {
		t.Fatalf("past the bound: %v", err)
	}
}

func TestOptionalSecret(t *testing.T) {
	for in, want := range map[string]string{"": "", NotConfigured: "", " not-configured\n": "", "whsec_abc": "whsec_abc", " ak_x ": "ak_x"} {
		if got := OptionalSecret(in); got != want {
			t.Errorf("OptionalSecret(%q) = %q, want %q", in, got, want)
		}
	}
}
