package clerkauth_test

import (
	"fmt"
	"strings"
	"testing"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

func TestAPIErrorCodes(t *testing.T) {
	for err, want := range map[error]errs.ErrCode{
		clerkauth.ErrNoCredentials:                                errs.Unauthenticated,
		fmt.Errorf("%w: expired", clerkauth.ErrInvalidToken):      errs.Unauthenticated,
		clerkauth.ErrUserNotFound:                                 errs.Unauthenticated,
		fmt.Errorf("%w: HTTP 500", clerkauth.ErrClerkUnavailable): errs.Unavailable,
	} {
		if got := clerkauth.APIError(err).Code; got != want {
			t.Errorf("APIError(%v).Code = %v, want %v", err, got, want)
		}
	}
}

// The client sees one short message per code, never the reason, the token
// or the secret key, whatever failed.
func TestAPIErrorRevealsNothing(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	token := srv.Token(userID)
	claims := srv.Claims(userID)
	claims["azp"] = "https://evil.example"
	foreign := srv.Sign(claims)

	messages := map[string]bool{}
	for _, tok := range []string{token + "x", foreign, srv.Token("user_gone")} {
		_, err := authenticate(a, tok)
		if err == nil {
			t.Fatal("accepted")
		}
		msg := clerkauth.APIError(err).Message
		messages[msg] = true
		for _, secret := range []string{tok, srv.SecretKey, "evil", "user_gone", "azp"} {
			if strings.Contains(msg, secret) {
				t.Fatalf("message %q reveals %q", msg, secret)
			}
		}
		if strings.Contains(err.Error(), tok) {
			t.Fatalf("error text for the logs contains the token: %v", err)
		}
	}
	if len(messages) != 1 {
		t.Fatalf("messages differ by cause: %v", messages)
	}
}
