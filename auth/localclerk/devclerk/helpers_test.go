package devclerk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkusers"
	"encore.app/auth/clerkwebhook"
	"encore.app/auth/localclerk"
	"encore.app/auth/localclerk/devclerk"
	"encore.app/internal/clerkevents"
	"encore.app/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// parties are the AuthorizedParties of auth/config.cue.
var parties = []string{"http://localhost:3000", "http://localhost:5173", "http://127.0.0.1:3000", "http://127.0.0.1:5173"}

// app is the auth service as initService wires it to a local Clerk, with
// auth/config.cue's defaults (Issuer empty), its webhook endpoint on a
// test server and its database from pgtest.
type app struct {
	local  *devclerk.Server
	dev    http.Handler
	auth   *clerkauth.Authenticator
	tail   *clerkusers.Tail
	store  *clerkmirror.Store
	events *events
}

// events records what the webhook handler publishes, as "<type> <user>".
type events struct {
	mu   sync.Mutex
	sent []string
}

func (e *events) add(typ, userID string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sent = append(e.sent, typ+" "+userID)
	return "id", nil
}

func (e *events) types() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.sent)
}

// userEvents and orgEvents are the webhook handler's publishers.
type (
	userEvents struct{ *events }
	orgEvents  struct{ *events }
)

func (e userEvents) Publish(_ context.Context, ev *clerkevents.UserEvent) (string, error) {
	return e.add(ev.Type, ev.UserID)
}

func (e orgEvents) Publish(_ context.Context, ev *clerkevents.OrgEvent) (string, error) {
	return e.add(ev.Type, ev.UserID)
}

func startApp(t *testing.T) *app {
	t.Helper()
	a := &app{store: clerkmirror.NewStore(pgtest.Open(t, filepath.Join("..", "..", "migrations"))), events: &events{}}
	var webhooks http.Handler // set once the local Clerk has its secret
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+localclerk.WebhookPath, func(w http.ResponseWriter, r *http.Request) { webhooks.ServeHTTP(w, r) })
	appServer := httptest.NewServer(mux)
	t.Cleanup(appServer.Close)

	a.local = startLocal(t, appServer.URL+localclerk.WebhookPath)
	a.dev = a.local.Handler()
	webhooks = clerkwebhook.NewHandler(clerkwebhook.Config{Secret: a.local.WebhookSecret, Store: a.store, Publisher: userEvents{a.events}, OrgPublisher: orgEvents{a.events}})
	cfg := clerkusers.Config{SecretKey: a.local.SecretKey, APIURL: a.local.APIURL, Store: a.store, SyncMaxAge: time.Hour}
	users, err := clerkusers.NewUserCache(cfg)
	if err != nil {
		t.Fatal(err)
	}
	revocations := clerkusers.NewRevocations(nil)
	if a.tail, err = clerkusers.NewTail(cfg, users, revocations); err != nil {
		t.Fatal(err)
	}
	a.auth, err = clerkauth.New(clerkauth.Config{
		SecretKey: a.local.SecretKey, APIURL: a.local.APIURL, AuthorizedParties: parties,
		Users: users, Revocations: revocations,
	})
	if err != nil {
		t.Fatal(err)
	}
	a.sync(t) // as initService does before the first request
	return a
}

func startLocal(t *testing.T, webhookURL string) *devclerk.Server {
	t.Helper()
	local, err := devclerk.Start(devclerk.Config{AuthorizedParties: parties, WebhookURL: webhookURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = local.Close() })
	return local
}

func (a *app) authenticate(token string) (*clerkauth.AuthData, error) {
	return a.auth.Authenticate(context.Background(), clerkauth.Request{Authorization: "Bearer " + token})
}

// sync makes the app enforce what its webhook endpoint received, as its
// change-log tail does every second.
func (a *app) sync(t *testing.T) {
	t.Helper()
	if err := a.tail.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// call is one request to a development endpoint: its status and JSON body.
func call(t *testing.T, h http.Handler, method, path, origin, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewBufferString(body))
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out) // a 404 or 405 of the mux is text
	return rec.Code, out
}

// token is a session token from POST /dev/clerk/token, with its session.
func token(t *testing.T, h http.Handler, body string) (string, string) {
	t.Helper()
	status, out := call(t, h, http.MethodPost, "/dev/clerk/token", "", body)
	tok, _ := out["token"].(string)
	sid, _ := out["sessionId"].(string)
	if status != http.StatusOK || tok == "" || sid == "" {
		t.Fatalf("POST /dev/clerk/token %s: %d %v", body, status, out)
	}
	return tok, sid
}

// send is POST /dev/clerk/webhook, which must be delivered and applied.
func send(t *testing.T, h http.Handler, body string) map[string]any {
	t.Helper()
	status, out := call(t, h, http.MethodPost, "/dev/clerk/webhook", "", body)
	if status != http.StatusOK || out["status"] != 200.0 {
		t.Fatalf("POST /dev/clerk/webhook %s: %d %v", body, status, out)
	}
	return out
}
