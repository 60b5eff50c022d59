// Package clerktest runs a local, Clerk-compatible Backend API for tests: the
// Clerk instance of package localclerk (JWKS, users, organizations, session
// and machine tokens, Svix-signed webhooks) on an httptest server, which can
// also slow down, fail and count calls. Point the app's ClerkAPIURL (or
// clerkauth.Config.APIURL) at Server.URL and no test ever needs a Clerk
// account or the network.
package clerktest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"encore.app/auth/localclerk"
)

// Defaults a new Server uses; tests configure the verifier with the same.
const (
	SecretKey       = "sk_test_clerktest_secret"
	Issuer          = "https://clerk.clerktest.example"
	AuthorizedParty = "http://localhost:3000"
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

// Server is a running fake of Clerk's Backend API.
type Server struct {
	// Clerk is the instance the Server serves; its fields and methods
	// (SecretKey, AddUser, Token, CreateAPIKey…) are the Server's.
	*localclerk.Clerk
	// URL is the API base including the version, like https://api.clerk.com/v1.
	URL string

	http *httptest.Server

	mu       sync.Mutex
	latency  time.Duration
	failures map[Endpoint]*Failure
	calls    map[Endpoint]int
}

// NewServer starts a Server with one signing key and no users.
func NewServer() *Server {
	s := &Server{
		Clerk:    localclerk.New(),
		failures: map[Endpoint]*Failure{},
		calls:    map[Endpoint]int{},
	}
	s.SecretKey, s.Issuer, s.AuthorizedParty = SecretKey, Issuer, AuthorizedParty
	s.http = httptest.NewServer(s.Handler(s.serve))
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

// WantCalls fails the test unless exactly want requests reached the
// endpoint: how a test proves what a cache saved.
func (s *Server) WantCalls(t testing.TB, e Endpoint, want int) {
	t.Helper()
	if n := s.Calls(e); n != want {
		t.Fatalf("%s calls = %d, want %d", e, n, want)
	}
}

// serve is the Clerk's Middleware: counting, latency and failures, in the
// order a real request meets them, before the secret key check.
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
			localclerk.WriteError(w, failure.Status, code, "injected failure")
			return
		}
		next(w, r)
	}
}
