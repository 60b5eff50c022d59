package clerkauth_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/internal/testutil"
)

// fixedRevocations is an in-memory revocation set the test fills directly.
// memberships refuse, by user and organization, the tokens issued before
// their value.
type fixedRevocations struct {
	sessions, users, orgs map[string]bool
	memberships           map[[2]string]int64
}

func (r fixedRevocations) SessionRevoked(id string) bool { return r.sessions[id] }
func (r fixedRevocations) UserDeleted(id string) bool    { return r.users[id] }
func (r fixedRevocations) OrgDeleted(id string) bool     { return r.orgs[id] }
func (r fixedRevocations) MembershipChanged(userID, orgID string, iat int64) bool {
	return iat < r.memberships[[2]string{userID, orgID}]
}

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

// A membership changed after a token was issued refuses it, also from the
// verified-token cache, and only for the organization it names; the
// client's next token, issued after the change, is accepted.
func TestMembershipChangeAppliesToCachedTokens(t *testing.T) {
	srv := startWithUser(t)
	revoked := fixedRevocations{memberships: map[[2]string]int64{}}
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Revocations = revoked })
	orgToken := func(orgID string, iat int64) string {
		claims := srv.Claims(userID)
		claims["iat"], claims["sid"] = iat, fmt.Sprintf("sess_%s_%d", orgID, iat)
		claims["o"] = map[string]any{"id": orgID, "rol": "admin", "slg": "acme"}
		return srv.Sign(claims)
	}
	now := time.Now().Unix()
	old, other := orgToken("org_1", now-10), orgToken("org_2", now-10)
	mustAccept(t, a, old, userID)

	revoked.memberships[[2]string{userID, "org_1"}] = now - 5
	_, err := authenticate(a, old)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	if !strings.Contains(err.Error(), "membership changed") {
		t.Errorf("reason %q does not say the membership changed", err)
	}
	mustAccept(t, a, other, userID)
	mustAccept(t, a, orgToken("org_1", now-5), userID)
	mustAccept(t, a, srv.Token(userID), userID) // no active organization
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
