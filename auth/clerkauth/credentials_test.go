package clerkauth_test

import (
	"errors"
	"strings"
	"testing"

	"encore.app/auth/clerkauth"
)

const shapedToken = "aGVhZGVy.cGF5bG9hZA.c2ln"

func TestTokenFromHeader(t *testing.T) {
	tests := []struct {
		header string
		want   string
		err    error
	}{
		{"Bearer " + shapedToken, shapedToken, nil},
		{"bearer " + shapedToken, shapedToken, nil},
		{"BEARER " + shapedToken, shapedToken, nil},
		{"  Bearer    " + shapedToken + "  ", shapedToken, nil},
		{"", "", clerkauth.ErrNoCredentials},
		{" \t ", "", clerkauth.ErrNoCredentials},
		{"Bearer", "", clerkauth.ErrInvalidToken},
		{"Bearer   ", "", clerkauth.ErrInvalidToken},
		{"Basic dXNlcjpwYXNz", "", clerkauth.ErrInvalidToken},
		{"Token " + shapedToken, "", clerkauth.ErrInvalidToken},
		{"Bearer" + shapedToken, "", clerkauth.ErrInvalidToken},
		{shapedToken, "", clerkauth.ErrInvalidToken},
		{"Bearer not-a-jwt", "", clerkauth.ErrInvalidToken},
		{"Bearer a.b", "", clerkauth.ErrInvalidToken},
		{"Bearer a.b.c.d", "", clerkauth.ErrInvalidToken},
		{"Bearer a..c", "", clerkauth.ErrInvalidToken},
		{"Bearer .b.c", "", clerkauth.ErrInvalidToken},
		{"Bearer a.b.", "", clerkauth.ErrInvalidToken},
		{"Bearer a.b.c d", "", clerkauth.ErrInvalidToken},
		{"Bearer a.b+/.c=", "", clerkauth.ErrInvalidToken},
		{`Bearer {"payload":"x","signatures":[]}`, "", clerkauth.ErrInvalidToken},
		{"Bearer a.b." + strings.Repeat("c", clerkauth.MaxTokenBytes), "", clerkauth.ErrInvalidToken},
	}
	for _, tt := range tests {
		got, err := clerkauth.TokenFromHeader(tt.header)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("TokenFromHeader(%.40q) = %q, %v; want %q, %v", tt.header, got, err, tt.want, tt.err)
		}
	}
}

func TestTokenFromRequest(t *testing.T) {
	const other = "b3RoZXI.b3RoZXI.b3RoZXI"
	tests := []struct {
		name, header, cookie, want string
		err                        error
	}{
		{"header only", "Bearer " + shapedToken, "", shapedToken, nil},
		{"cookie only", "", shapedToken, shapedToken, nil},
		{"cookie with spaces", "", "  " + shapedToken + " ", shapedToken, nil},
		{"header wins over cookie", "Bearer " + shapedToken, other, shapedToken, nil},
		{"blank header falls back to cookie", "   ", shapedToken, shapedToken, nil},
		{"bad header is not rescued by cookie", "Basic abc", shapedToken, "", clerkauth.ErrInvalidToken},
		{"nothing", "", "", "", clerkauth.ErrNoCredentials},
		{"blank cookie", "", "  ", "", clerkauth.ErrNoCredentials},
		{"cookie with scheme", "", "Bearer " + shapedToken, "", clerkauth.ErrInvalidToken},
		{"malformed cookie", "", "a.b", "", clerkauth.ErrInvalidToken},
	}
	for _, tt := range tests {
		got, err := clerkauth.TokenFromRequest(tt.header, tt.cookie)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}
