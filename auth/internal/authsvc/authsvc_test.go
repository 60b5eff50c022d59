package authsvc_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/auth/internal/authsvc"
)

func TestAPIError(t *testing.T) {
	for _, tt := range []struct {
		err     error
		status  int
		outage  bool
		message string
	}{
		{clerkauth.ErrNoCredentials, 401, false, "invalid or missing session token"},
		{fmt.Errorf("%w: alg", clerkauth.ErrInvalidToken), 401, false, "invalid or missing session token"},
		{fmt.Errorf("looking up: %w", clerkusers.ErrUserNotFound), 401, false, "invalid or missing session token"},
		{fmt.Errorf("%w: HTTP 500", clerkauth.ErrClerkUnavailable), 503, true, "authentication is temporarily unavailable, please retry"},
		{fmt.Errorf("%w: waiting: %w", clerkauth.ErrCanceled, context.Canceled), 499, false, "request canceled"},
	} {
		e := authsvc.APIError(tt.err)
		if e.Code.HTTPStatus() != tt.status || e.Message != tt.message {
			t.Errorf("%v: %d %q, want %d %q", tt.err, e.Code.HTTPStatus(), e.Message, tt.status, tt.message)
		}
		if strings.Contains(e.Message, "alg") || strings.Contains(e.Message, "HTTP") {
			t.Errorf("%v: detail reached the client: %q", tt.err, e.Message)
		}
		if got := authsvc.IsOutage(tt.err); got != tt.outage {
			t.Errorf("%v: IsOutage = %v, want %v", tt.err, got, tt.outage)
		}
	}
}

func TestCheckCloudSettings(t *testing.T) {
	local := []string{"http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:3000"}
	for _, tt := range []struct {
		name    string
		issuer  string
		parties []string
		wantErr string
	}{
		{"production settings", "https://clerk.example.com", []string{"https://app.example.com"}, ""},
		{"a real origin beside local ones", "https://clerk.example.com", append(local, "https://app.example.com"), ""},
		{"no issuer", "", []string{"https://app.example.com"}, "set Issuer"},
		{"only local origins", "https://clerk.example.com", local, "add your frontend's origin"},
		{"no origins", "https://clerk.example.com", nil, "add your frontend's origin"},
	} {
		err := authsvc.CheckCloudSettings(tt.issuer, tt.parties)
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "auth/config.cue") {
			t.Errorf("%s: %v does not say where to set it", tt.name, err)
		}
	}
}

// The client sees one short message per code, never the reason, the token
// or the secret key, whatever failed; the logs never get the token.
func TestAPIErrorRevealsNothing(t *testing.T) {
	srv := clerktest.Start(t)
	srv.AddUser("user_1", "ada@example.com")
	users, err := clerkusers.NewUserCache(clerkusers.Config{SecretKey: srv.SecretKey, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	a, err := clerkauth.New(clerkauth.Config{
		SecretKey: srv.SecretKey, APIURL: srv.URL, Issuer: srv.Issuer,
		AuthorizedParties: []string{srv.AuthorizedParty}, Users: users,
	})
	if err != nil {
		t.Fatal(err)
	}
	claims := srv.Claims("user_1")
	claims["azp"] = "https://evil.example"
	foreign := srv.Sign(claims)

	messages := map[string]bool{}
	for _, tok := range []string{srv.Token("user_1") + "x", foreign, srv.Token("user_gone")} {
		_, err := a.Authenticate(context.Background(), clerkauth.Request{Authorization: "Bearer " + tok})
		if err == nil {
			t.Fatal("accepted")
		}
		msg := authsvc.APIError(err).Message
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
