package localclerk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Endpoint names one of the Backend API endpoints a Clerk serves.
type Endpoint string

// The endpoints a Clerk serves.
const (
	// JWKS is GET /v1/jwks.
	JWKS Endpoint = "jwks"
	// Users is GET /v1/users/{id}.
	Users Endpoint = "users"
	// UserList is GET /v1/users: a page of users.
	UserList Endpoint = "user_list"
	// UserCount is GET /v1/users/count, which the Go SDK's user.List
	// calls after each page for its total_count.
	UserCount Endpoint = "user_count"
	// Organizations is GET /v1/organizations: a page of organizations.
	Organizations Endpoint = "organizations"
	// OrganizationGet is GET /v1/organizations/{id}.
	OrganizationGet Endpoint = "organization"
	// APIKeys is POST /v1/api_keys/verify.
	APIKeys Endpoint = "api_keys"
	// M2MTokens is POST /v1/m2m_tokens/verify.
	M2MTokens Endpoint = "m2m_tokens"
	// OAuthTokens is POST /v1/oauth_applications/access_tokens/verify.
	OAuthTokens Endpoint = "oauth_tokens"
)

// Middleware wraps the handler of one endpoint; see Handler.
type Middleware func(e Endpoint, next http.HandlerFunc) http.HandlerFunc

// Handler serves the Backend API under /v1/, as https://api.clerk.com/v1
// does. wrap, when not nil, wraps each endpoint in front of the secret key
// check, where the network and Clerk's front door are: clerktest counts,
// delays and fails calls there.
func (c *Clerk) Handler(wrap Middleware) http.Handler {
	if wrap == nil {
		wrap = func(_ Endpoint, next http.HandlerFunc) http.HandlerFunc { return next }
	}
	mux := http.NewServeMux()
	route := func(pattern string, e Endpoint, h http.HandlerFunc) {
		mux.HandleFunc(pattern, wrap(e, c.authorize(e, h)))
	}
	route("GET /v1/jwks", JWKS, c.jwks)
	route("GET /v1/users/{id}", Users, c.user)
	route("GET /v1/users", UserList, c.listUsers)
	route("GET /v1/users/count", UserCount, c.countUsers)
	route("GET /v1/organizations", Organizations, c.listOrganizations)
	route("GET /v1/organizations/{id}", OrganizationGet, c.organization)
	route("POST /v1/api_keys/verify", APIKeys, c.verifyOpaque(APIKeys, "secret"))
	route("POST /v1/m2m_tokens/verify", M2MTokens, c.verifyOpaque(M2MTokens, "token"))
	route("POST /v1/oauth_applications/access_tokens/verify", OAuthTokens, c.verifyOpaque(OAuthTokens, "access_token"))
	return mux
}

// authorize answers 401, as Clerk does, unless the request carries a key
// the endpoint accepts.
func (c *Clerk) authorize(e Endpoint, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.authorized(e, r.Header.Get("Authorization")) {
			WriteError(w, http.StatusUnauthorized, "authentication_invalid", "the secret key is not valid")
			return
		}
		next(w, r)
	}
}

// authorized reports whether the Authorization header carries a key the
// endpoint accepts: the instance's secret key, or for M2M tokens also a
// machine secret key, as Clerk accepts either there.
func (c *Clerk) authorized(e Endpoint, header string) bool {
	key, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || key == "" {
		return false
	}
	if key == c.SecretKey {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, isMachine := c.machine.machineKeys[key]
	return e == M2MTokens && isMachine
}

func (c *Clerk) jwks(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	keys := make([]map[string]string, len(c.keys))
	for i, k := range c.keys {
		keys[i] = k.JWK()
	}
	c.mu.Unlock()
	WriteJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (c *Clerk) user(w http.ResponseWriter, r *http.Request) {
	u, ok := c.User(r.PathValue("id"))
	if !ok {
		WriteError(w, http.StatusNotFound, "resource_not_found", "not found")
		return
	}
	WriteJSON(w, http.StatusOK, u.resource())
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
		"updated_at":               millis(u.UpdatedAt),
	}
}

// millis is a time as Clerk's JSON carries it, in ms; zero is 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// WriteError answers in Clerk's error shape:
// {"errors":[{"code","message","long_message"}]}.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, map[string]any{"errors": []map[string]string{{
		"code": code, "message": message, "long_message": message,
	}}})
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
