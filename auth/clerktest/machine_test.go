package clerktest_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/apikey"
	"github.com/clerk/clerk-sdk-go/v2/m2m_token"

	"encore.app/auth/clerktest"
)

// oauthAccessToken is Clerk's answer for an OAuth access token with the
// fields of the JS SDK's IdPOAuthAccessToken.fromJSON; the Go SDK has no
// such type.
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
	CreatedAt  int64    `json:"created_at"`
	UpdatedAt  int64    `json:"updated_at"`
}

type oauthVerifyParams struct {
	clerk.APIParams
	AccessToken string `json:"access_token"`
}

func verifyOAuth(ctx context.Context, b clerk.Backend, token string) (*oauthAccessToken, error) {
	req := clerk.NewAPIRequest(http.MethodPost, "/oauth_applications/access_tokens/verify")
	req.SetParams(&oauthVerifyParams{AccessToken: token})
	res := &oauthAccessToken{}
	return res, b.Call(ctx, req, res)
}

// The SDK decodes the verify answers into its own types, as it decodes Clerk's.
func TestMachineTokensSpeakTheSDKsShapes(t *testing.T) {
	srv := clerktest.Start(t)
	ctx := context.Background()
	expiration := time.Now().Add(time.Hour)
	key := srv.CreateAPIKey(clerktest.APIKey{Subject: "org_1", Name: "ci", Scopes: []string{"read:a", "write:b"}, Expiration: expiration})
	m2m := srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_sender", MayCall: []string{"mch_receiver"}})
	oauth := srv.CreateOAuthToken(clerktest.OAuthToken{UserID: "user_1", ClientID: "client_1", Scopes: []string{"profile"}})

	k, err := (&apikey.Client{Backend: backend(srv, srv.SecretKey)}).Verify(ctx, &apikey.VerifyParams{Secret: key.Secret})
	if err != nil || k.Object != "api_key" || k.Type != "api_key" || k.ID != key.ID || k.Subject != "org_1" || k.Name != "ci" ||
		!slices.Equal(k.Scopes, []string{"read:a", "write:b"}) || k.Revoked || k.Expired || k.Expiration == nil || *k.Expiration != expiration.UnixMilli() {
		t.Fatalf("API key: %+v, %v", k, err)
	}
	m, err := (&m2m_token.Client{Backend: backend(srv, srv.SecretKey)}).Verify(ctx, &m2m_token.VerifyParams{Token: m2m.Secret})
	if err != nil || m.Object != "machine_to_machine_token" || m.ID != m2m.ID || m.Subject != "mch_sender" ||
		!slices.Equal(m.Scopes, []string{"mch_receiver"}) || m.Expiration != nil || m.Expired {
		t.Fatalf("M2M token: %+v, %v", m, err)
	}
	o, err := verifyOAuth(ctx, backend(srv, srv.SecretKey), oauth.Secret)
	if err != nil || o.Object != "clerk_idp_oauth_access_token" || o.ID != oauth.ID || o.ClientID != "client_1" || o.Subject != "user_1" ||
		!slices.Equal(o.Scopes, []string{"profile"}) || o.Expiration != nil || o.CreatedAt == 0 {
		t.Fatalf("OAuth token: %+v, %v", o, err)
	}
	// Exactly the keys the JS SDK's IdPOAuthAccessToken.fromJSON reads that
	// Clerk's reference shows, and the object.
	var raw map[string]any
	if err := json.Unmarshal(o.Response.RawJSON, &raw); err != nil {
		t.Fatal(err)
	}
	want := []string{"client_id", "created_at", "expiration", "expired", "id", "object", "revocation_reason", "revoked", "scopes", "subject", "updated_at"}
	if got := slices.Sorted(maps.Keys(raw)); !slices.Equal(got, want) {
		t.Fatalf("OAuth answer keys %v, want %v", got, want)
	}
	for e, n := range map[clerktest.Endpoint]int{clerktest.APIKeys: 1, clerktest.M2MTokens: 1, clerktest.OAuthTokens: 1} {
		srv.WantCalls(t, e, n)
	}
}

func TestRevokedExpiredAndUnknownMachineTokens(t *testing.T) {
	srv := clerktest.Start(t)
	ctx := context.Background()
	keys := &apikey.Client{Backend: backend(srv, srv.SecretKey)}
	revoked := srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	expired := srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	srv.RevokeToken(revoked.ID)
	srv.ExpireToken(expired.ID)

	if k, err := keys.Verify(ctx, &apikey.VerifyParams{Secret: revoked.Secret}); err != nil || !k.Revoked || k.RevocationReason == nil || k.Expired {
		t.Fatalf("revoked: %+v, %v", k, err)
	}
	if k, err := keys.Verify(ctx, &apikey.VerifyParams{Secret: expired.Secret}); err != nil || !k.Expired || k.Revoked {
		t.Fatalf("expired: %+v, %v", k, err)
	}
	wantStatus := func(err error, status int) {
		t.Helper()
		var apiErr *clerk.APIErrorResponse
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != status {
			t.Fatalf("error %v, want HTTP %d", err, status)
		}
	}
	_, err := keys.Verify(ctx, &apikey.VerifyParams{Secret: "ak_unknown"})
	wantStatus(err, 404)
	// A token of another kind is unknown to an endpoint.
	_, err = (&m2m_token.Client{Backend: backend(srv, srv.SecretKey)}).Verify(ctx, &m2m_token.VerifyParams{Token: revoked.Secret})
	wantStatus(err, 404)
	_, err = keys.Verify(ctx, &apikey.VerifyParams{})
	wantStatus(err, 422)

	srv.Fail(clerktest.APIKeys, clerktest.Failure{Status: 503, Times: 1})
	_, err = keys.Verify(ctx, &apikey.VerifyParams{Secret: revoked.Secret})
	wantStatus(err, 503)
	srv.WantCalls(t, clerktest.APIKeys, 5)
}

// A machine secret key verifies only the M2M tokens of machines that may
// call its machine, and nothing but M2M tokens; the instance key verifies
// every M2M token.
func TestMachineSecretKeys(t *testing.T) {
	srv := clerktest.Start(t)
	ctx := context.Background()
	receiverKey := srv.AddMachine("mch_receiver")
	allowed := srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_sender", MayCall: []string{"mch_other", "mch_receiver"}})
	other := srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_stranger", MayCall: []string{"mch_other"}})

	asReceiver := &m2m_token.Client{Backend: backend(srv, receiverKey)}
	if m, err := asReceiver.Verify(ctx, &m2m_token.VerifyParams{Token: allowed.Secret}); err != nil || m.Subject != "mch_sender" {
		t.Fatalf("token that may call the receiver: %+v, %v", m, err)
	}
	var apiErr *clerk.APIErrorResponse
	if _, err := asReceiver.Verify(ctx, &m2m_token.VerifyParams{Token: other.Secret}); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 404 {
		t.Fatalf("token that may not call the receiver: %v", err)
	}
	if _, err := (&m2m_token.Client{Backend: backend(srv, srv.SecretKey)}).Verify(ctx, &m2m_token.VerifyParams{Token: other.Secret}); err != nil {
		t.Fatalf("instance key: %v", err)
	}
	key := srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	if _, err := (&apikey.Client{Backend: backend(srv, receiverKey)}).Verify(ctx, &apikey.VerifyParams{Secret: key.Secret}); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 401 {
		t.Fatalf("machine key on the API keys endpoint: %v", err)
	}
	if !strings.HasPrefix(receiverKey, "ak_") {
		t.Fatalf("machine secret key %q is not in Clerk's ak_ form", receiverKey)
	}
}

// Machine JWTs carry Clerk's headers byte for byte, the claims the JS SDK
// reads, and the current key's signature.
func TestMachineJWTs(t *testing.T) {
	srv := clerktest.Start(t)
	kid := srv.SigningKey().ID
	for name, tc := range map[string]struct {
		token, header string
		claims        map[string]any
	}{
		"m2m": {
			token:  srv.SignM2M(srv.M2MClaims("mch_sender", "mch_a", "mch_b")),
			header: `{"alg":"RS256","cat":"cl_B7d4PD333AAA","kid":"` + kid + `","typ":"JWT"}`,
			claims: map[string]any{"sub": "mch_sender", "scopes": "mch_a mch_b", "aud": []any{"mch_a", "mch_b"}, "iss": srv.Issuer},
		},
		"oauth": {
			token:  srv.SignOAuth(srv.OAuthClaims("user_1", "client_1", "read", "write")),
			header: `{"alg":"RS256","kid":"` + kid + `","typ":"at+jwt"}`,
			claims: map[string]any{"sub": "user_1", "client_id": "client_1", "scope": "read write", "iss": srv.Issuer},
		},
	} {
		t.Run(name, func(t *testing.T) {
			parts := strings.Split(tc.token, ".")
			header, _ := base64.RawURLEncoding.DecodeString(parts[0])
			if string(header) != tc.header {
				t.Fatalf("header %s, want %s", header, tc.header)
			}
			var claims map[string]any
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			if err := json.Unmarshal(payload, &claims); err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.claims {
				if got, _ := json.Marshal(claims[k]); string(got) != string(must(json.Marshal(want))) {
					t.Errorf("%s = %s, want %v", k, got, want)
				}
			}
			jti, _ := claims["jti"].(string)
			exp, _ := claims["exp"].(float64)
			iat, _ := claims["iat"].(float64)
			nbf, _ := claims["nbf"].(float64)
			if !strings.HasPrefix(jti, map[string]string{"m2m": "mt_", "oauth": "oat_"}[name]) || exp <= iat || nbf > iat {
				t.Fatalf("claims %v", claims)
			}
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			if err := rsa.VerifyPKCS1v15(srv.SigningKey().Public(), crypto.SHA256, digest[:], sig); err != nil {
				t.Fatalf("signature: %v", err)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
