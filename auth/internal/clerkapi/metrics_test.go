package clerkapi

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/clerktest"
	"encore.app/internal/authmetrics"
)

func TestEndpointOf(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         authmetrics.Endpoint
	}{
		{"GET", "/users/user_2abc", authmetrics.EndpointUsers},
		{"GET", "/jwks", authmetrics.EndpointJWKS},
		{"POST", "/api_keys/verify", authmetrics.EndpointAPIKeyVerify},
		{"POST", "/m2m_tokens/verify", authmetrics.EndpointM2MVerify},
		{"POST", "/oauth_applications/access_tokens/verify", authmetrics.EndpointOAuthVerify},
		{"GET", "/users", authmetrics.EndpointList},
		{"GET", "/users/count", authmetrics.EndpointList},
		{"GET", "/organizations", authmetrics.EndpointList},
		{"GET", "/organizations/org_1/memberships", authmetrics.EndpointList},
		{"GET", "/organizations/org_1", authmetrics.EndpointOther},
		{"POST", "/users", authmetrics.EndpointOther},
		{"DELETE", "/users/user_2abc", authmetrics.EndpointOther},
		{"GET", "/users/user_2abc/", authmetrics.EndpointOther},
		{"GET", "//users", authmetrics.EndpointOther},
		{"GET", "", authmetrics.EndpointOther},
	} {
		if got := endpointOf(c.method, c.path); got != c.want {
			t.Errorf("endpointOf(%s %q) = %s, want %s", c.method, c.path, got, c.want)
		}
	}
}

// Every call through a backend NewBackend made is counted once, by its
// endpoint class and how it ended, against a local Clerk failing as told.
func TestCallsAreCountedByEndpointAndOutcome(t *testing.T) {
	srv := clerktest.Start(t)
	srv.AddUser("user_1", "ada@example.com")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	counts := &authmetrics.Counts{}
	backend := func(apiURL, key string) clerk.Backend {
		return NewBackend(Config{SecretKey: key, APIURL: apiURL, HTTPClient: &http.Client{}, Now: time.Now, Metrics: counts})
	}
	// One backend per endpoint, as the app has: a 429 silences only its own.
	users, jwks, apiKeys := backend(srv.URL, srv.SecretKey), backend(srv.URL, srv.SecretKey), backend(srv.URL, srv.SecretKey)
	m2m, oauth, lists := backend(srv.URL, srv.SecretKey), backend(srv.URL, srv.SecretKey), backend(srv.URL, srv.SecretKey)
	get := func(b clerk.Backend, path string) func(context.Context) {
		return func(ctx context.Context) {
			_ = b.Call(ctx, clerk.NewAPIRequest(http.MethodGet, path), &clerk.APIResource{})
		}
	}
	verify := func(b clerk.Backend, path string) func(context.Context) {
		return func(ctx context.Context) {
			req := clerk.NewAPIRequest(http.MethodPost, path)
			req.SetParams(&struct {
				clerk.APIParams
				Secret string `json:"secret"`
				Token  string `json:"token"`
				Access string `json:"access_token"`
			}{Secret: "ak_nope", Token: "mt_nope", Access: "oat_nope"})
			_ = b.Call(ctx, req, &clerk.APIResource{})
		}
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name  string
		setup func()
		ctx   context.Context
		call  func(context.Context)
		want  string
	}{
		{"user", nil, nil, get(users, "/users/user_1"), "endpoint=users,outcome=ok"},
		{"user not found", nil, nil, get(users, "/users/user_gone"), "endpoint=users,outcome=not_found"},
		{"jwks", nil, nil, get(jwks, "/jwks"), "endpoint=jwks,outcome=ok"},
		{"jwks 5xx", func() { srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 502, Times: 1}) }, nil, get(jwks, "/jwks"), "endpoint=jwks,outcome=server_error"},
		{"api key refused", nil, nil, verify(apiKeys, "/api_keys/verify"), "endpoint=api_key_verify,outcome=not_found"},
		{"m2m 429", func() { srv.Fail(clerktest.M2MTokens, clerktest.Failure{Status: 429, RetryAfter: "30", Times: 1}) }, nil,
			verify(m2m, "/m2m_tokens/verify"), "endpoint=m2m_verify,outcome=rate_limited"},
		{"m2m throttled", nil, nil, verify(m2m, "/m2m_tokens/verify"), "endpoint=m2m_verify,outcome=throttled"},
		{"oauth timeout", func() { srv.SetLatency(time.Second) }, nil, verify(oauth, "/oauth_applications/access_tokens/verify"), "endpoint=oauth_verify,outcome=timeout"},
		{"oauth canceled", func() { srv.SetLatency(0) }, canceled, verify(oauth, "/oauth_applications/access_tokens/verify"), "endpoint=oauth_verify,outcome=canceled"},
		{"list", nil, nil, get(lists, "/organizations/org_none/memberships"), "endpoint=list,outcome=not_found"},
		{"wrong secret key", nil, nil, get(backend(srv.URL, "sk_test_wrong"), "/users/user_1"), "endpoint=users,outcome=client_error"},
		{"no server", nil, nil, get(backend(closed.URL+"/v1", srv.SecretKey), "/jwks"), "endpoint=jwks,outcome=network_error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup()
			}
			ctx := c.ctx
			if ctx == nil {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
			}
			before := srv.Calls(clerktest.M2MTokens)
			c.call(ctx)
			want := map[string]uint64{"auth_clerk_calls{" + c.want + "}": 1}
			if got := counts.Take(); !maps.Equal(got, want) {
				t.Fatalf("counted %v, want %v", got, want)
			}
			if c.name == "m2m throttled" && srv.Calls(clerktest.M2MTokens) != before {
				t.Fatal("a throttled call reached Clerk")
			}
		})
	}
}
