// Package clerktest runs a local, Clerk-compatible Backend API for tests: it
// publishes a JWKS, serves users, mints RS256 session tokens with any claims,
// and can rotate keys, slow down, fail and count calls. Point the app's
// ClerkAPIURL (or clerkauth.Config.APIURL) at Server.URL and no test ever
// needs a Clerk account or the network.
package clerktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults a new Server uses; tests configure the verifier with the same.
const (
	SecretKey       = "sk_test_clerktest_secret"
	Issuer          = "https://clerk.clerktest.example"
	AuthorizedParty = "http://localhost:3000"
)

// Endpoint names one of the Backend API endpoints the Server serves.
type Endpoint string

// The endpoints the Server serves, for Fail and Calls.
const (
	JWKS  Endpoint = "jwks"
	Users Endpoint = "users"
)

// Failure makes an endpoint answer with an error instead of its resource.
type Failure struct {
	// Status is the HTTP status to answer with, such as 500 or 429.
	Status int
	// Code is the Clerk error code in the body; default "injected_failure".
	Code string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Times is how many calls fail; 0 means every call until ClearFailures.
	Times int
}

// User is a Clerk user as the Server serves it.
type User struct {
	ID string
	// Emails are the user's addresses; Primary indexes the primary one,
	// and a negative Primary means the user has no primary address.
	Emails  []string
	Primary int
}

// Server is a running fake of Clerk's Backend API.
type Server struct {
	// URL is the API base including the version, like https://api.clerk.com/v1.
	URL string
	// SecretKey is the only key the Server accepts as a Bearer credential.
	SecretKey string
	// Issuer and AuthorizedParty are the iss and azp of minted tokens.
	Issuer          string
	AuthorizedParty string

	http *httptest.Server

	mu       sync.Mutex
	keys     []*Key // published keys; the last one signs
	users    map[string]User
	latency  time.Duration
	failures map[Endpoint]*Failure
	calls    map[Endpoint]int
	machine  machineTokens
}

// NewServer starts a Server with one signing key and no users.
func NewServer() *Server {
	s := &Server{
		SecretKey:       SecretKey,
		Issuer:          Issuer,
		AuthorizedParty: AuthorizedParty,
		users:           map[string]User{},
		failures:        map[Endpoint]*Failure{},
		calls:           map[Endpoint]int{},
	}
	s.keys = []*Key{NewKey()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/jwks", s.serve(JWKS, s.jwks))
	mux.HandleFunc("GET /v1/users/{id}", s.serve(Users, s.user))
	s.serveMachineTokens(mux)
	s.http = httptest.NewServer(mux)
	s.URL = s.http.URL + "/v1"
	return s
}

// Start is NewServer for a test: the Server closes when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// Close shuts the Server down.
func (s *Server) Close() { s.http.Close() }

// SigningKey is the key that signs new tokens: the most recently published.
func (s *Server) SigningKey() *Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
}

// RotateKey publishes a new key, which signs from now on; earlier keys stay
// published until RetireKey, as in Clerk's own rotations.
func (s *Server) RotateKey() *Key {
	k := NewKey()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	return k
}

// RetireKey stops publishing the key with this kid.
func (s *Server) RetireKey(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.keys[:0]
	for _, k := range s.keys {
		if k.ID != kid {
			kept = append(kept, k)
		}
	}
	s.keys = kept
}

// AddUser creates or replaces a user whose only, primary address is email.
func (s *Server) AddUser(id, email string) {
	s.SetUser(User{ID: id, Emails: []string{email}})
}

// SetUser creates or replaces a user.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// DeleteUser removes a user; fetching it then answers 404 as Clerk does.
func (s *Server) DeleteUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, id)
}

// SetLatency delays every answer by d, as a round trip to Clerk would.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Fail makes calls to the endpoint fail as f says.
func (s *Server) Fail(e Endpoint, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[e] = &f
}

// ClearFailures makes every endpoint answer normally again.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.failures)
}

// Calls reports how many requests reached the endpoint, failed ones included.
func (s *Server) Calls(e Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[e]
}

// ResetCalls sets every call count back to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
}

// serve wraps an endpoint with counting, latency, failures and the secret
// key check, in the order a real request meets them.
func (s *Server) serve(e Endpoint, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[e]++
		latency := s.latency
		var failure Failure
		if f := s.failures[e]; f != nil {
			failure = *f
			if f.Times > 0 {
				if f.Times--; f.Times == 0 {
					delete(s.failures, e)
				}
			}
		}
		s.mu.Unlock()

		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		if failure.Status != 0 {
			if failure.RetryAfter != "" {
				w.Header().Set("Retry-After", failure.RetryAfter)
			}
			code := failure.Code
			if code == "" {
				code = "injected_failure"
			}
			writeError(w, failure.Status, code, "injected failure")
			return
		}
		if !s.authorized(e, r.Header.Get("Authorization")) {
			writeError(w, http.StatusUnauthorized, "authentication_invalid", "the secret key is not valid")
			return
		}
		next(w, r)
	}
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	keys := make([]map[string]string, len(s.keys))
	for i, k := range s.keys {
		keys[i] = k.jwk()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u, ok := s.users[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "resource_not_found", "not found")
		return
	}
	writeJSON(w, http.StatusOK, u.resource())
}

// resource is the user in the JSON shape of Clerk's GET /users/{id}.
func (u User) resource() map[string]any {
	emails := make([]map[string]any, len(u.Emails))
	var primary any
	for i, e := range u.Emails {
		id := fmt.Sprintf("idn_%s_%d", strings.TrimPrefix(u.ID, "user_"), i)
		emails[i] = map[string]any{"id": id, "object": "email_address", "email_address": e}
		if i == u.Primary {
			primary = id
		}
	}
	return map[string]any{
		"object":                   "user",
		"id":                       u.ID,
		"primary_email_address_id": primary,
		"email_addresses":          emails,
	}
}

// writeError answers in Clerk's error shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{
		"code": code, "message": message, "long_message": message,
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WantCalls fails the test unless exactly want requests reached the
// endpoint: how a test proves what a cache saved.
func (s *Server) WantCalls(t testing.TB, e Endpoint, want int) {
	t.Helper()
	if n := s.Calls(e); n != want {
		t.Fatalf("%s calls = %d, want %d", e, n, want)
	}
}
