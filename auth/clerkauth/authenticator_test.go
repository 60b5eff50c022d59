package clerkauth_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/internal/testutil"
)

// cookieRequest is a same-origin browser request carrying the token in
// Clerk's cookies, signed in at the token's iat.
func cookieRequest(srv *clerktest.Server, token string, iat int64) clerkauth.Request {
	return clerkauth.Request{
		SessionCookie: token,
		ClientUAT:     strconv.FormatInt(iat, 10),
		Origin:        srv.AuthorizedParty,
		SecFetchSite:  "same-origin",
	}
}

// Cookie tokens are checked as Clerk's authenticateRequest checks them;
// the same token in the Authorization header is not subject to those
// checks.
func TestCookieTokenChecks(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	claims := srv.Claims(userID)
	iat := claims["iat"].(int64)
	token := srv.Sign(claims)
	ok := cookieRequest(srv, token, iat)
	if data, err := a.Authenticate(context.Background(), ok); err != nil || data.UserID != userID {
		t.Fatalf("same-origin cookie request: %+v, %v", data, err)
	}
	noOrigin := ok
	noOrigin.Origin, noOrigin.SecFetchSite = "", ""
	if _, err := a.Authenticate(context.Background(), noOrigin); err != nil {
		t.Fatalf("cookie request without Origin (a same-origin GET): %v", err)
	}
	sameSite := ok
	sameSite.SecFetchSite = "same-site"
	if _, err := a.Authenticate(context.Background(), sameSite); err != nil {
		t.Fatalf("same-site cookie request: %v", err)
	}

	for name, edit := range map[string]func(*clerkauth.Request){
		"foreign origin":              func(r *clerkauth.Request) { r.Origin = "https://evil.example" },
		"origin with a path":          func(r *clerkauth.Request) { r.Origin = srv.AuthorizedParty + "/" },
		"origin null":                 func(r *clerkauth.Request) { r.Origin = "null" },
		"cross-site fetch":            func(r *clerkauth.Request) { r.SecFetchSite = "cross-site" },
		"no __client_uat":             func(r *clerkauth.Request) { r.ClientUAT = "" },
		"signed out (__client_uat 0)": func(r *clerkauth.Request) { r.ClientUAT = "0" },
		"__client_uat not a number":   func(r *clerkauth.Request) { r.ClientUAT = "yesterday" },
		"__client_uat negative":       func(r *clerkauth.Request) { r.ClientUAT = "-1" },
		"token older than the last sign-in": func(r *clerkauth.Request) {
			r.ClientUAT = strconv.FormatInt(iat+1, 10)
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := ok
			edit(&r)
			data, err := a.Authenticate(context.Background(), r)
			if err == nil {
				t.Fatalf("accepted as %+v", data)
			}
			testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
			// The same token and headers with the token in the header pass.
			r.Authorization, r.SessionCookie = "Bearer "+token, ""
			if _, err := a.Authenticate(context.Background(), r); err != nil {
				t.Fatalf("header token refused by a cookie check: %v", err)
			}
		})
	}
}

// With an empty AuthorizedParties any Origin is foreign: a cookie request
// that states an origin is refused.
func TestCookieOriginWithoutAuthorizedParties(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.AuthorizedParties = nil })
	claims := srv.Claims(userID)
	r := cookieRequest(srv, srv.Sign(claims), claims["iat"].(int64))
	_, err := a.Authenticate(context.Background(), r)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// fixedRevocations is an in-memory revocation set the test fills directly.
type fixedRevocations struct {
	sessions, users map[string]bool
}

func (r fixedRevocations) SessionRevoked(id string) bool { return r.sessions[id] }
func (r fixedRevocations) UserDeleted(id string) bool    { return r.users[id] }

// A revoked session or a deleted user is refused on every request, also
// when the token is already in the verified-token cache.
func TestRevocationsApplyToCachedTokens(t *testing.T) {
	srv := startWithUser(t)
	revoked := fixedRevocations{sessions: map[string]bool{}, users: map[string]bool{}}
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Revocations = revoked })
	token := srv.Token(userID)
	mustAccept(t, a, token, userID)

	revoked.sessions["sess_"+userID] = true
	_, err := authenticate(a, token)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	delete(revoked.sessions, "sess_"+userID)
	mustAccept(t, a, token, userID)

	revoked.users[userID] = true
	_, err = authenticate(a, token)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// emailToken is a token carrying the email claim.
func emailToken(srv *clerktest.Server, userID, email string) string {
	claims := srv.Claims(userID)
	claims["email"] = email
	return srv.Sign(claims)
}

// A token with the email claim needs no user lookup: zero Clerk calls, even
// for a never-seen user, and even while Clerk is down.
func TestEmailClaimCostsNoUserLookup(t *testing.T) {
	srv := clerktest.Start(t)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.JWTKey = srv.SigningKey().PublicKeyPEM() })
	data := mustAccept(t, a, emailToken(srv, "user_never_seen", "new@example.com"), "user_never_seen")
	if data.Email != "new@example.com" {
		t.Fatalf("Email = %q", data.Email)
	}
	srv.Fail(clerktest.Users, clerktest.Failure{Status: 503})
	mustAccept(t, a, emailToken(srv, "user_other", "other@example.com"), "user_other")
	srv.WantCalls(t, clerktest.Users, 0)

	// Without the claim the user is looked up, as before.
	_, err := authenticate(a, srv.Token("user_other"))
	testutil.MustFailWith(t, err, clerkauth.ErrClerkUnavailable)
	srv.WantCalls(t, clerktest.Users, 1)
}

// The email claim is only taken as a string; any other type is treated as
// absent (the user is looked up) and logged once.
func TestEmailClaimOfWrongTypeIsIgnored(t *testing.T) {
	srv := startWithUser(t)
	log := &warnings{}
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Log = log })
	for i, value := range []any{42, map[string]any{"a": "b"}, nil, true, []string{"x"}} {
		claims := srv.Claims(userID)
		claims["email"] = value
		claims["sid"] = fmt.Sprintf("sess_%d", i)
		if data := mustAccept(t, a, srv.Sign(claims), userID); data.Email != "ada@example.com" {
			t.Fatalf("email claim %v: Email = %q, want the looked-up address", value, data.Email)
		}
	}
	srv.WantCalls(t, clerktest.Users, 1)
	if log.n != 1 {
		t.Fatalf("%d warnings, want 1", log.n)
	}
}

// An empty EmailClaim turns the claim off; another name is honoured.
func TestEmailClaimName(t *testing.T) {
	srv := startWithUser(t)
	off := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.EmailClaim = "" })
	if data := mustAccept(t, off, emailToken(srv, userID, "claimed@example.com"), userID); data.Email != "ada@example.com" {
		t.Fatalf("EmailClaim off: Email = %q", data.Email)
	}
	named := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.EmailClaim = "primary_email" })
	claims := srv.Claims(userID)
	claims["primary_email"] = "named@example.com"
	claims["sid"] = "sess_named"
	if data := mustAccept(t, named, srv.Sign(claims), userID); data.Email != "named@example.com" {
		t.Fatalf("EmailClaim primary_email: Email = %q", data.Email)
	}
}

// A user deleted in Clerk is refused even with the email claim: the
// revocations are asked without a user lookup.
func TestEmailClaimOfDeletedUserIsRefused(t *testing.T) {
	srv := clerktest.Start(t)
	revoked := fixedRevocations{users: map[string]bool{}}
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Revocations = revoked })
	token := emailToken(srv, "user_gone", "gone@example.com")
	mustAccept(t, a, token, "user_gone")
	revoked.users["user_gone"] = true
	_, err := authenticate(a, token)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	srv.WantCalls(t, clerktest.Users, 0)
}

type warnings struct{ n int }

func (w *warnings) Warn(string, ...any) { w.n++ }
