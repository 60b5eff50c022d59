package opaquetoken

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/clerkauth"
)

func ptr[T any](v T) *T { return &v }

// An answer that does not fit the token's kind refuses it: Clerk's answers
// are trusted for what they say, not for being well formed.
func TestDecideRefusesWhatDoesNotFit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	valid := map[*kind]answer{
		apiKey:     {object: "api_key", typ: "api_key", id: "ak_3beecc9c60adb5f9b850e91a8ee1e992", subject: "user_2abc", scopes: []string{"read:x"}, name: "ci"},
		m2mToken:   {object: "machine_to_machine_token", id: "mt_f7f0ba8c3b4843ce7d85fcdd5e71853e", subject: "mch_2abc", scopes: []string{"mch_b"}},
		oauthToken: {object: "clerk_idp_oauth_access_token", id: "oat_0ef5a7a33d87ed87ee7954c845d80450", subject: "user_2abc", clientID: "client_2xyz", scopes: []string{"email"}},
	}
	for k, a := range valid {
		if _, _, err := decide(k, a, now, time.Minute); err != nil {
			t.Fatalf("valid %s refused: %v", k.what, err)
		}
	}
	all := []*kind{apiKey, m2mToken, oauthToken}
	for _, tc := range []struct {
		name  string
		kinds []*kind
		edit  func(*answer)
	}{
		{"another object", all, func(a *answer) { a.object = "user" }},
		{"no object", all, func(a *answer) { a.object = "" }},
		{"no ID", all, func(a *answer) { a.id = "" }},
		{"ID of another kind", all, func(a *answer) { a.id = "sess_" + a.id[3:] }},
		{"ID that is only a prefix", all, func(a *answer) { a.id = strings.SplitAfter(a.id, "_")[0] }},
		{"ID with a newline", all, func(a *answer) { a.id += "\nforged" }},
		{"ID too long", all, func(a *answer) { a.id += strings.Repeat("a", maxIDLen) }},
		{"revoked", all, func(a *answer) { a.revoked = true }},
		{"expired", all, func(a *answer) { a.expired = true }},
		{"expiration now, expired false", all, func(a *answer) { a.expiration = ptr(now.UnixMilli()) }},
		{"expiration passed, expired false", all, func(a *answer) { a.expiration = ptr(now.Add(-time.Hour).UnixMilli()) }},
		{"no subject", all, func(a *answer) { a.subject = "" }},
		{"subject with a space", all, func(a *answer) { a.subject += " x" }},
		{"API key of another type", []*kind{apiKey}, func(a *answer) { a.typ = "m2m" }},
		{"API key of a machine", []*kind{apiKey}, func(a *answer) { a.subject = "mch_2abc" }},
		{"API key of a bare prefix", []*kind{apiKey}, func(a *answer) { a.subject = "org_" }},
		{"name with a newline", []*kind{apiKey}, func(a *answer) { a.name = "ci\nforged log line" }},
		{"name not UTF-8", []*kind{apiKey}, func(a *answer) { a.name = "\xff" }},
		{"name too long", []*kind{apiKey}, func(a *answer) { a.name = strings.Repeat("n", maxNameLen+1) }},
		{"M2M token of a user", []*kind{m2mToken}, func(a *answer) { a.subject = "user_2abc" }},
		{"OAuth token of an organization", []*kind{oauthToken}, func(a *answer) { a.subject = "org_2abc" }},
		{"OAuth token without client", []*kind{oauthToken}, func(a *answer) { a.clientID = "" }},
		{"OAuth client with a quote", []*kind{oauthToken}, func(a *answer) { a.clientID = `client"` }},
		{"empty scope", []*kind{apiKey, oauthToken}, func(a *answer) { a.scopes = []string{""} }},
		{"scope with a space", []*kind{apiKey, oauthToken}, func(a *answer) { a.scopes = []string{"read write"} }},
		{"scope with a backslash", []*kind{apiKey, oauthToken}, func(a *answer) { a.scopes = []string{`read\`} }},
		{"scope not ASCII", []*kind{apiKey, oauthToken}, func(a *answer) { a.scopes = []string{"lire:é"} }},
		{"scope too long", []*kind{apiKey, oauthToken}, func(a *answer) { a.scopes = []string{strings.Repeat("s", maxScopeLen+1)} }},
		{"too many scopes", []*kind{apiKey, oauthToken}, func(a *answer) { a.scopes = slices.Repeat([]string{"s"}, maxScopes+1) }},
	} {
		for _, k := range tc.kinds {
			a := valid[k]
			tc.edit(&a)
			data, _, err := decide(k, a, now, time.Minute)
			if !errors.Is(err, clerkauth.ErrInvalidToken) || data != nil {
				t.Errorf("%s, %s: %+v, %v", tc.name, k.what, data, err)
			}
		}
	}
}

// An accepted answer is reused until the token's expiration or the TTL,
// whichever comes first.
func TestDecideBoundsReuse(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := answer{object: "machine_to_machine_token", id: "mt_1234", subject: "mch_a"}
	for expiration, want := range map[*int64]time.Time{
		nil:                                   now.Add(time.Minute),
		ptr(now.Add(time.Hour).UnixMilli()):   now.Add(time.Minute),
		ptr(now.Add(time.Second).UnixMilli()): now.Add(time.Second),
	} {
		a.expiration = expiration
		if _, until, err := decide(m2mToken, a, now, time.Minute); err != nil || !until.Equal(want) {
			t.Errorf("expiration %v: until %v, %v; want %v", expiration, until, err, want)
		}
	}
}

// Only Clerk's own error answers are verdicts: a 404 without Clerk's error
// body is a proxy's or a wrong APIURL's.
func TestRefusal(t *testing.T) {
	clerkSays := func(status int) error {
		return &clerk.APIErrorResponse{HTTPStatusCode: status, Errors: []clerk.Error{{Code: "resource_not_found"}}}
	}
	for name, tc := range map[string]struct {
		err     error
		refused bool
	}{
		"Clerk's 404":        {clerkSays(404), true},
		"Clerk's 400":        {clerkSays(400), true},
		"Clerk's 401":        {clerkSays(401), false},
		"Clerk's 500":        {clerkSays(500), false},
		"404 without errors": {&clerk.APIErrorResponse{HTTPStatusCode: 404}, false},
		"non-JSON body":      {errors.New("404 page not found"), false},
		"network":            {&url.Error{Op: "Post", Err: errors.New("connection refused")}, false},
	} {
		if got := refusal(apiKey, tc.err); (got != nil) != tc.refused || (got != nil && !errors.Is(got, clerkauth.ErrInvalidToken)) {
			t.Errorf("%s: %v", name, got)
		}
	}
}
