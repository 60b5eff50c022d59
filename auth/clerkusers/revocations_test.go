package clerkusers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/testutil"
)

// A revocation is remembered exactly as long as a token issued before it
// can be accepted: the token's iat as far ahead of our clock as the
// verifier allows, its exp as far after its iat as allowed, and accepted
// until the leeway past its exp. Both packages run on their default leeway,
// so this also checks that the defaults agree.
func TestRevocationOutlivesEveryTokenIssuedBeforeIt(t *testing.T) {
	const leeway = 5 * time.Second // clerkauth's and clerkusers' default
	srv := startWithUser(t)
	store := newStore(t)
	clock := clerktest.NewClock()
	// Claims are whole seconds: revoke on one, so the bound is exact.
	clock.Advance(clock.Now().Truncate(time.Second).Add(time.Second).Sub(clock.Now()))
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.Now = clock.Now })
	authenticator := func(revocations clerkauth.Revocations) *clerkauth.Authenticator {
		a, err := clerkauth.New(clerkauth.Config{
			SecretKey: srv.SecretKey, APIURL: srv.URL, Issuer: srv.Issuer,
			AuthorizedParties: []string{srv.AuthorizedParty},
			Users:             in.users, Revocations: revocations, Now: clock.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	enforcing, ignorant := authenticator(in.revocations), authenticator(nil)

	revokedAt := clock.Now()
	apply(t, store, "msg_1", clerkmirror.Change{Kind: clerkmirror.SessionRevoked, UserID: userID, SessionID: "sess_1"})
	in.sync(t)
	claims := srv.Claims(userID)
	iat := revokedAt.Add(leeway).Unix()
	claims["sid"], claims["iat"], claims["exp"] = "sess_1", iat, iat+int64(clerkauth.MaxTokenLifetime/time.Second)
	delete(claims, "nbf")
	token := "Bearer " + srv.Sign(claims)
	authenticate := func(a *clerkauth.Authenticator) error {
		_, err := a.Authenticate(context.Background(), clerkauth.Request{Authorization: token})
		return err
	}

	// Clerk's verifier accepts the token until the leeway past its exp
	// (before it, or up to it, depending on the rounding), so up to one
	// instant before the retention ends, and the revocation is held until
	// it has ended.
	end := revokedAt.Add(clerkusers.RevocationRetention(leeway))
	clock.Advance(end.Add(-time.Nanosecond).Sub(clock.Now()))
	if err := authenticate(ignorant); err != nil {
		t.Fatalf("just before the retention ends the token is refused anyway (%v): the bound is not tight", err)
	}
	testutil.MustFailWith(t, authenticate(enforcing), clerkauth.ErrInvalidToken)
	clock.Advance(time.Nanosecond)
	in.sync(t)
	if !in.revocations.SessionRevoked("sess_1") {
		t.Fatal("the revocation was forgotten while a token issued before it may still be accepted")
	}

	clock.Advance(time.Nanosecond)
	testutil.MustFailWith(t, authenticate(ignorant), clerkauth.ErrInvalidToken)
	in.sync(t)
	if in.revocations.SessionRevoked("sess_1") {
		t.Fatal("the revocation is kept after every token it could refuse has expired")
	}
}

func TestNegativeLeewayIsRefused(t *testing.T) {
	cfg := testConfig(clerktest.Start(t))
	cfg.Leeway = -time.Second
	if _, err := clerkusers.NewTail(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), "Leeway") {
		t.Fatalf("NewTail with a negative leeway: %v", err)
	}
}
