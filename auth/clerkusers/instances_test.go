package clerkusers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/clerkevents"
	"encore.app/internal/testutil"
)

// app is one instance of the auth service as initService wires it, on a
// shared database.
type app struct {
	*instance
	auth     *clerkauth.Authenticator
	webhooks *clerkwebhook.Handler
}

func startApp(t *testing.T, srv *clerktest.Server, store *clerkmirror.Store, interval time.Duration) *app {
	t.Helper()
	in := newInstance(t, srv, store, func(c *clerkusers.Config) { c.SyncInterval, c.SyncMaxAge = interval, time.Hour })
	a, err := clerkauth.New(clerkauth.Config{
		SecretKey: srv.SecretKey, APIURL: srv.URL, Issuer: srv.Issuer,
		AuthorizedParties: []string{srv.AuthorizedParty},
		Users:             in.users,
		Revocations:       in.revocations,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go in.tail.Run(ctx)
	return &app{
		instance: in,
		auth:     a,
		webhooks: clerkwebhook.NewHandler(clerkwebhook.Config{
			Secret: clerktest.WebhookSecret, Store: store, Publisher: &testutil.Publisher[clerkevents.UserEvent]{}, OrgPublisher: &testutil.Publisher[clerkevents.OrgEvent]{},
		}),
	}
}

func (a *app) authenticate(token string) (*clerkauth.AuthData, error) {
	return a.auth.Authenticate(context.Background(), clerkauth.Request{Authorization: "Bearer " + token})
}

func deliver(t *testing.T, h http.Handler, body []byte) {
	t.Helper()
	resp, err := clerktest.Webhook{}.Serve(h, body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
}

// One instance receives Clerk's webhooks; the other enforces them within
// about one sync interval, with no per-request database or Clerk call:
// a sign-out (the token already in its verified-token cache), an email
// change, and a deletion (also of a token carrying the email claim).
func TestWebhookToOneInstanceIsEnforcedByAll(t *testing.T) {
	srv := startWithUser(t)
	store := newStore(t)
	const interval = 100 * time.Millisecond
	receiver, other := startApp(t, srv, store, interval), startApp(t, srv, store, interval)
	within := 30 * interval // generous: the machine is shared and noisy

	token := srv.Token(userID)
	claims := srv.Claims(userID)
	claims["sid"], claims["email"] = "sess_claim", "ada@example.com"
	claimToken := srv.Sign(claims)
	for _, tok := range []string{token, claimToken} {
		if _, err := other.authenticate(tok); err != nil {
			t.Fatal(err)
		}
	}
	srv.WantCalls(t, clerktest.Users, 1)

	deliver(t, receiver.webhooks, clerktest.SessionEventBody("session.revoked", "sess_"+userID, userID))
	waitFor(t, within, func() bool {
		_, err := other.authenticate(token)
		return err != nil
	})
	_, err := other.authenticate(token)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	if _, err := other.authenticate(claimToken); err != nil {
		t.Fatalf("another session of the user was refused: %v", err)
	}

	srv.AddUser(userID, "ada@new.example") // Clerk's state, which only the webhook carries here
	deliver(t, receiver.webhooks, clerktest.UserEventBody("user.updated",
		clerktest.User{ID: userID, Emails: []string{"ada@new.example"}}, time.Now().Add(time.Second)))
	claims = srv.Claims(userID)
	claims["sid"] = "sess_fresh"
	fresh := srv.Sign(claims)
	waitFor(t, within, func() bool {
		data, err := other.authenticate(fresh)
		return err == nil && data.Email == "ada@new.example"
	})
	srv.WantCalls(t, clerktest.Users, 1)

	deliver(t, receiver.webhooks, clerktest.UserDeletedBody(userID, time.Now()))
	waitFor(t, within, func() bool {
		_, err1 := other.authenticate(fresh)
		_, err2 := other.authenticate(claimToken)
		return err1 != nil && err2 != nil
	})
	srv.WantCalls(t, clerktest.Users, 1)
}
