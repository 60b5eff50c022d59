package clerkapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"encore.app/internal/authmetrics"
)

// countingTransport counts every request to the Backend API, by endpoint
// class and outcome, the ones a Retry-After keeps from leaving included.
// Every Clerk client of the app is built by NewBackend, so this is the one
// place Clerk calls are counted.
type countingTransport struct {
	next    http.RoundTripper
	metrics authmetrics.Recorder
	// base is the APIURL's path, such as "/v1": what precedes the endpoint.
	base string
}

func newCountingTransport(next http.RoundTripper, apiURL string, metrics authmetrics.Recorder) *countingTransport {
	base := ""
	if u, err := url.Parse(apiURL); err == nil {
		base = strings.TrimSuffix(u.Path, "/")
	}
	return &countingTransport{next: next, metrics: authmetrics.Or(metrics), base: base}
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	endpoint := authmetrics.EndpointOther
	if path, ok := strings.CutPrefix(req.URL.Path, t.base); ok {
		endpoint = endpointOf(req.Method, path)
	}
	t.metrics.ClerkCall(endpoint, outcomeOf(resp, err))
	return resp, err
}

// endpointOf is the class of a Backend API request by its method and its
// path below the API base ("/users/user_2abc"). Only the path's shape is
// read, never an ID, so any path falls in one class of a fixed few.
func endpointOf(method, path string) authmetrics.Endpoint {
	switch path {
	case "/jwks":
		return authmetrics.EndpointJWKS
	case "/api_keys/verify":
		return authmetrics.EndpointAPIKeyVerify
	case "/m2m_tokens/verify":
		return authmetrics.EndpointM2MVerify
	case "/oauth_applications/access_tokens/verify":
		return authmetrics.EndpointOAuthVerify
	}
	if method != http.MethodGet {
		return authmetrics.EndpointOther
	}
	segments := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, s := range segments {
		if s == "" {
			return authmetrics.EndpointOther
		}
	}
	// REST paths alternate collection and ID: an odd number of segments
	// names a collection (/users, /organizations/{id}/memberships), and a
	// collection's /count (which the Go SDK's List calls) is part of
	// listing it.
	switch {
	case len(segments)%2 == 1, segments[len(segments)-1] == "count":
		return authmetrics.EndpointList
	case len(segments) == 2 && segments[0] == "users":
		return authmetrics.EndpointUsers
	}
	return authmetrics.EndpointOther
}

// outcomeOf classifies what a round trip gave.
func outcomeOf(resp *http.Response, err error) authmetrics.CallOutcome {
	if err != nil {
		var netErr net.Error
		switch {
		case errors.Is(err, errThrottled):
			return authmetrics.CallThrottled
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
			return authmetrics.CallTimeout
		case errors.Is(err, context.Canceled):
			return authmetrics.CallCanceled
		}
		return authmetrics.CallNetworkError
	}
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound:
		return authmetrics.CallNotFound
	case code == http.StatusTooManyRequests:
		return authmetrics.CallRateLimited
	case code >= 500:
		return authmetrics.CallServerError
	case code >= 400:
		return authmetrics.CallClientError
	}
	return authmetrics.CallOK
}
