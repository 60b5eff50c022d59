package opaquetoken

import (
	"context"
	"errors"
	"net/http"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/apikey"
	"github.com/clerk/clerk-sdk-go/v2/m2m_token"

	"encore.app/auth/internal/clerkapi"
)

// clerkClients call the three verification endpoints, each through its own
// backend so a 429 on one does not silence the others.
type clerkClients struct {
	apiKeys *apikey.Client
	m2m     *m2m_token.Client
	oauth   clerk.Backend
}

func newClerkClients(c *Config) *clerkClients {
	m2mKey := c.SecretKey
	if c.MachineSecretKey != "" {
		m2mKey = c.MachineSecretKey
	}
	return &clerkClients{
		apiKeys: &apikey.Client{Backend: clerkapi.NewBackend(c.clerkAPI(c.SecretKey))},
		m2m:     &m2m_token.Client{Backend: clerkapi.NewBackend(c.clerkAPI(m2mKey))},
		oauth:   clerkapi.NewBackend(c.clerkAPI(c.SecretKey)),
	}
}

// ask is what Clerk says of the token: POST /api_keys/verify {"secret"},
// /m2m_tokens/verify {"token"} or /oauth_applications/access_tokens/verify
// {"access_token"}, as the JS SDK's verifyMachineAuthToken calls them.
func (c *clerkClients) ask(ctx context.Context, k *kind, token string) (answer, error) {
	switch k {
	case apiKey:
		r, err := c.apiKeys.Verify(ctx, &apikey.VerifyParams{Secret: token})
		if err != nil {
			return answer{}, err
		}
		return answer{object: r.Object, typ: r.Type, id: r.ID, subject: r.Subject, scopes: r.Scopes,
			revoked: r.Revoked, expired: r.Expired, expiration: r.Expiration, name: r.Name}, nil
	case m2mToken:
		r, err := c.m2m.Verify(ctx, &m2m_token.VerifyParams{Token: token})
		if err != nil {
			return answer{}, err
		}
		return answer{object: r.Object, id: r.ID, subject: r.Subject, scopes: r.Scopes,
			revoked: r.Revoked, expired: r.Expired, expiration: r.Expiration}, nil
	}
	req := clerk.NewAPIRequest(http.MethodPost, "/oauth_applications/access_tokens/verify")
	req.SetParams(&oauthVerifyParams{AccessToken: token})
	r := &oauthAccessToken{}
	if err := c.oauth.Call(ctx, req, r); err != nil {
		return answer{}, err
	}
	return answer{object: r.Object, id: r.ID, subject: r.Subject, scopes: r.Scopes,
		revoked: r.Revoked, expired: r.Expired, expiration: r.Expiration, clientID: r.ClientID}, nil
}

// oauthAccessToken is Clerk's answer for an OAuth access token, the JS SDK's
// IdPOAuthAccessToken: the Go SDK has no type for it.
type oauthAccessToken struct {
	clerk.APIResource
	Object     string   `json:"object"`
	ID         string   `json:"id"`
	ClientID   string   `json:"client_id"`
	Subject    string   `json:"subject"`
	Scopes     []string `json:"scopes"`
	Revoked    bool     `json:"revoked"`
	Expired    bool     `json:"expired"`
	Expiration *int64   `json:"expiration"`
}

type oauthVerifyParams struct {
	clerk.APIParams
	AccessToken string `json:"access_token"`
}

// refusal is the refusal a failed call carries, nil unless Clerk's error
// answer is a verdict on the token: 404, as the JS SDK reads it (TokenInvalid), and
// 400, 403 and 422, which are Clerk refusing the request (whose only
// content is the token) and which no retry changes. A 401 is Clerk refusing
// our key, and anything else an outage: neither says the token is bad. An
// answer without Clerk's error body (a proxy's, a wrong APIURL's) is never
// a verdict.
func refusal(k *kind, err error) error {
	var apiErr *clerk.APIErrorResponse
	if !errors.As(err, &apiErr) || len(apiErr.Errors) == 0 {
		return nil
	}
	switch apiErr.HTTPStatusCode {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity:
		return invalid("Clerk does not accept this %s (HTTP %d)", k.what, apiErr.HTTPStatusCode)
	}
	return nil
}
