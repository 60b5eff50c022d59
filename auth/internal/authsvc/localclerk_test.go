package authsvc_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"encore.app/auth/internal/authsvc"
)

// parties are the AuthorizedParties of auth/config.cue.
var parties = []string{"http://localhost:3000", "http://localhost:5173", "http://127.0.0.1:3000", "http://127.0.0.1:5173"}

func TestUseLocalClerk(t *testing.T) {
	for _, tt := range []struct {
		local     bool
		secretKey string
		want      bool
		err       bool
	}{
		{local: true, secretKey: "", want: true},
		{local: true, secretKey: "sk_test_x", want: false},
		{local: false, secretKey: "sk_live_x", want: false},
		{local: false, secretKey: "", err: true},
	} {
		got, err := authsvc.UseLocalClerk(tt.local, tt.secretKey)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("UseLocalClerk(%v, %q) = %v, %v", tt.local, tt.secretKey, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "ClerkSecretKey is not set") {
			t.Errorf("the error does not name the secret: %v", err)
		}
	}
}

// devRequests are a request to each development endpoint.
var devRequests = []struct{ method, path, body string }{
	{http.MethodPost, "/dev/clerk/token", `{"userId": "user_alice"}`},
	{http.MethodGet, "/dev/clerk/users", ""},
	{http.MethodPost, "/dev/clerk/webhook", `{"type": "user.deleted", "userId": "user_bob"}`},
	{http.MethodPost, "/dev/clerk/api-keys", `{"subject": "user_alice"}`},
	{http.MethodPost, "/dev/clerk/m2m-tokens", `{"machineId": "mch_worker"}`},
}

func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec
}

// With the secret set, or in any cloud, no local Clerk starts: the
// service uses the settings as they are, logs nothing, and every
// development endpoint answers 404 and mints nothing. In a cloud without
// the secret the service does not start.
func TestNoLocalClerkOutsideLocalDevelopmentWithoutSecret(t *testing.T) {
	for _, s := range []authsvc.ClerkSettings{
		{Local: false, SecretKey: "sk_live_x", WebhookSecret: "whsec_x", APIURL: "https://api.clerk.com/v1", AuthorizedParties: parties},
		{Local: true, SecretKey: "sk_test_x", APIURL: "https://api.clerk.com/v1", AuthorizedParties: parties, AppURL: "http://localhost:4000"},
	} {
		log := &recorder{}
		clerk, err := authsvc.StartClerk(s, log)
		if err != nil {
			t.Fatal(err)
		}
		if clerk.SecretKey != s.SecretKey || clerk.APIURL != s.APIURL || clerk.WebhookSecret != s.WebhookSecret || clerk.Local != nil || len(log.take()) != 0 {
			t.Fatalf("local %v: %+v", s.Local, clerk)
		}
		for _, r := range devRequests {
			rec := serve(clerk.Dev, r.method, r.path, r.body)
			if body := rec.Body.String(); rec.Code != http.StatusNotFound || strings.Contains(body, "token") || strings.Contains(body, "eyJ") || strings.Contains(body, "user_") {
				t.Errorf("local %v: %s %s: %d %s", s.Local, r.method, r.path, rec.Code, body)
			}
		}
	}

	clerk, err := authsvc.StartClerk(authsvc.ClerkSettings{Local: false, AuthorizedParties: parties, AppURL: "http://localhost:4000"}, &recorder{})
	if err == nil || clerk != nil {
		t.Fatalf("a cloud without ClerkSecretKey started: %+v, %v", clerk, err)
	}
}

// In local development without the secret the local Clerk starts: its
// secret key, loopback API and webhook secret replace the settings (a
// webhook secret of another Clerk included), one Warn line says so and how
// to use a real Clerk, and the development endpoints answer.
func TestLocalClerkStartsWithoutSecret(t *testing.T) {
	log := &recorder{}
	clerk, err := authsvc.StartClerk(authsvc.ClerkSettings{
		Local: true, WebhookSecret: "whsec_b3RoZXI=", APIURL: "https://api.clerk.com/v1",
		AuthorizedParties: parties, AppURL: "http://localhost:4000/",
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = clerk.Local.Close() })
	if clerk.Local == nil || clerk.SecretKey == "" || !strings.HasPrefix(clerk.APIURL, "http://127.0.0.1:") || clerk.WebhookSecret == "" || clerk.WebhookSecret == "whsec_b3RoZXI=" {
		t.Fatalf("%+v", clerk)
	}
	lines := log.take()
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "WARN ") || !strings.Contains(lines[0], "local Clerk") ||
		!strings.Contains(lines[0], "encore secret set --type dev,local ClerkSecretKey") {
		t.Fatalf("logged %q", lines)
	}
	if rec := serve(clerk.Dev, http.MethodPost, "/dev/clerk/token", `{"userId": "user_alice"}`); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"token":"eyJ`) {
		t.Fatalf("POST /dev/clerk/token: %d %s", rec.Code, rec.Body)
	}
}

// A JWTKey verifies the tokens of the instance it is from, never the local
// Clerk's: set without the secret, it stops the service with the fix.
func TestLocalClerkRefusesJWTKey(t *testing.T) {
	_, err := authsvc.StartClerk(authsvc.ClerkSettings{Local: true, JWTKey: "-----BEGIN PUBLIC KEY-----", AuthorizedParties: parties, AppURL: "http://localhost:4000"}, &recorder{})
	if err == nil || !strings.Contains(err.Error(), "JWTKey") {
		t.Fatalf("started with a JWTKey: %v", err)
	}
}

// The production binary holds the local Clerk but no test helper:
// clerktest and the packages it imports for tests stay out of it.
func TestServiceImportsNoTestHelpers(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "encore.app/auth").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, forbidden := range []string{"testing", "net/http/httptest", "encore.app/auth/clerktest"} {
		for _, d := range deps {
			if d == forbidden {
				t.Errorf("encore.app/auth imports %s", forbidden)
			}
		}
	}
	if !bytes.Contains(out, []byte("encore.app/auth/localclerk/devclerk\n")) {
		t.Errorf("go list does not list the local Clerk; is this the auth service?\n%s", out)
	}
}
