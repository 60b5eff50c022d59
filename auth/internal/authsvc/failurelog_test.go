package authsvc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/auth/internal/authsvc"
	"encore.app/internal/loglimit"
)

// recorder is a Logger keeping "LEVEL msg kv" lines.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Info(msg string, kv ...any)  { r.add("INFO", msg, kv) }
func (r *recorder) Warn(msg string, kv ...any)  { r.add("WARN", msg, kv) }
func (r *recorder) Error(msg string, kv ...any) { r.add("ERROR", msg, kv) }

func (r *recorder) add(level, msg string, kv []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprint(level, " ", msg, " ", kv))
}

// take returns the lines logged since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}

func count(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// Each reason class writes a few lines a minute, whatever the requests
// send, then one line counting the rest; one class's flood leaves the
// others' lines alone.
func TestFailureLogBoundsEachReason(t *testing.T) {
	log, clock := &recorder{}, clerktest.NewClock()
	f := authsvc.NewFailureLog(log, clock.Now)
	for i := range 1000 {
		// Each error different, as an attacker's would be.
		f.Log(fmt.Errorf("%w: kid %q is not held", clerkauth.ErrInvalidToken, fmt.Sprint("evil", i)))
	}
	for range 50 {
		f.Log(fmt.Errorf("%w: fetching the JWKS: HTTP 500", clerkauth.ErrClerkUnavailable))
	}
	for range 3 {
		f.Log(clerkauth.ErrNoCredentials)
		f.Log(fmt.Errorf("looking up: %w", clerkusers.ErrUserNotFound))
		f.Log(fmt.Errorf("%w: waiting", clerkauth.ErrCanceled))
		f.Log(errors.New("something else"))
	}
	lines := log.take()
	for prefix, want := range map[string]int{
		"INFO request not authenticated [class invalid_token":  10,
		"ERROR cannot authenticate: Clerk unavailable":         1,
		"INFO request not authenticated [class no_credentials": 3,
		"INFO request not authenticated [class deleted_user":   3,
		"INFO request not authenticated [class canceled":       3,
		"INFO request not authenticated [class other":          3,
	} {
		if got := count(lines, prefix); got != want {
			t.Errorf("%d lines %q, want %d", got, prefix, want)
		}
	}
	if len(lines) != 23 {
		t.Fatalf("%d lines in the first minute, want 23: %q", len(lines), lines)
	}

	clock.Advance(time.Minute)
	f.Log(fmt.Errorf("%w: again", clerkauth.ErrInvalidToken))
	f.Log(fmt.Errorf("%w: again", clerkauth.ErrClerkUnavailable))
	f.Log(clerkauth.ErrNoCredentials)
	lines = log.take()
	want := []string{
		"INFO " + loglimit.SummaryMessage + " [message request not authenticated (invalid_token) suppressed 990 ",
		"INFO request not authenticated [class invalid_token reason invalid session token: again]",
		"WARN " + loglimit.SummaryMessage + " [message cannot authenticate: Clerk unavailable suppressed 49 ",
		"ERROR cannot authenticate: Clerk unavailable [reason clerk unavailable: again]",
		"INFO request not authenticated [class no_credentials reason no session token]",
	}
	if len(lines) != len(want) {
		t.Fatalf("after a minute: %q, want %q", lines, want)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d: %q, want %q", i, lines[i], want[i])
		}
	}
}

// Tokens with ever new kids while Clerk's keys cannot be fetched cost one
// error line a minute and a count, not one per request.
func TestUnknownKidsWhileKeysCannotBeFetched(t *testing.T) {
	srv := clerktest.Start(t)
	srv.AddUser("user_1", "ada@example.com")
	srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 500})
	clock := clerktest.NewClock()
	users, err := clerkusers.NewUserCache(clerkusers.Config{SecretKey: srv.SecretKey, APIURL: srv.URL, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	a, err := clerkauth.New(clerkauth.Config{
		SecretKey: srv.SecretKey, APIURL: srv.URL, Issuer: srv.Issuer,
		AuthorizedParties: []string{srv.AuthorizedParty}, Users: users, Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	log := &recorder{}
	f := authsvc.NewFailureLog(log, clock.Now)
	key := srv.SigningKey()
	attack := func(n int) {
		for range n {
			header := key.Header()
			header["kid"] = clerktest.NewKeyID()
			token := key.SignWithHeader(header, srv.Claims("user_1"))
			_, err := a.Authenticate(context.Background(), clerkauth.Request{Authorization: "Bearer " + token})
			if !authsvc.IsOutage(err) {
				t.Fatalf("an unknown kid while the JWKS fails: %v, want an outage", err)
			}
			f.Log(err)
		}
	}
	attack(600)
	if lines := log.take(); len(lines) != 1 || count(lines, "ERROR cannot authenticate: Clerk unavailable") != 1 {
		t.Fatalf("a minute of unknown kids logged %q, want one error", lines)
	}
	clock.Advance(time.Minute)
	attack(1)
	if lines := log.take(); len(lines) != 2 || !strings.HasPrefix(lines[0], "WARN "+loglimit.SummaryMessage) || !strings.Contains(lines[0], "suppressed 599 ") {
		t.Fatalf("the next minute logged %q, want a count of 599 and one error", lines)
	}
}
