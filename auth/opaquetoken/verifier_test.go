package opaquetoken_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/testutil"
)

// tokenKind creates tokens of one kind in a test Clerk.
type tokenKind struct {
	name   string
	prefix string
	create func(srv *clerktest.Server, expiration time.Time) clerktest.Issued
	// want is the AuthData of a token created with this ID.
	want func(id string) *clerkauth.AuthData
}

var tokenKinds = []tokenKind{
	{
		name: "api_key", prefix: "ak_",
		create: func(srv *clerktest.Server, expiration time.Time) clerktest.Issued {
			return srv.CreateAPIKey(clerktest.APIKey{Subject: "user_2abc", Name: "CI deploys", Scopes: []string{"read:reports", "write:reports"}, Expiration: expiration})
		},
		want: func(id string) *clerkauth.AuthData {
			return &clerkauth.AuthData{TokenType: clerkauth.TokenTypeAPIKey, Subject: "user_2abc", UserID: "user_2abc",
				Scopes: []string{"read:reports", "write:reports"}, TokenID: id, Name: "CI deploys"}
		},
	},
	{
		name: "m2m_token", prefix: "mt_",
		create: func(srv *clerktest.Server, expiration time.Time) clerktest.Issued {
			return srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_sender", MayCall: []string{"mch_receiver"}, Expiration: expiration})
		},
		want: func(id string) *clerkauth.AuthData {
			// Clerk's scopes (mch_receiver) are not the token's scopes.
			return &clerkauth.AuthData{TokenType: clerkauth.TokenTypeM2M, Subject: "mch_sender", MachineID: "mch_sender", TokenID: id}
		},
	},
	{
		name: "oauth_token", prefix: "oat_",
		create: func(srv *clerktest.Server, expiration time.Time) clerktest.Issued {
			return srv.CreateOAuthToken(clerktest.OAuthToken{UserID: "user_2abc", ClientID: "client_2xyz", Scopes: []string{"profile", "email"}, Expiration: expiration})
		},
		want: func(id string) *clerkauth.AuthData {
			return &clerkauth.AuthData{TokenType: clerkauth.TokenTypeOAuth, Subject: "user_2abc", UserID: "user_2abc",
				Scopes: []string{"profile", "email"}, TokenID: id, ClientID: "client_2xyz"}
		},
	},
}

// Each kind: accepted and mapped, revoked, expired, unknown; each verdict
// after one call to Clerk.
func TestVerifyEachKind(t *testing.T) {
	for _, k := range tokenKinds {
		t.Run(k.name, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				token  func(f *fixture) clerktest.Issued
				accept bool
			}{
				{"accepted", func(f *fixture) clerktest.Issued { return k.create(f.srv, time.Time{}) }, true},
				{"accepted until its expiration", func(f *fixture) clerktest.Issued { return k.create(f.srv, time.Now().Add(time.Hour)) }, true},
				{"revoked", func(f *fixture) clerktest.Issued {
					issued := k.create(f.srv, time.Time{})
					f.srv.RevokeToken(issued.ID)
					return issued
				}, false},
				{"expired", func(f *fixture) clerktest.Issued {
					issued := k.create(f.srv, time.Now().Add(time.Hour))
					f.srv.ExpireToken(issued.ID)
					return issued
				}, false},
				{"unknown (404)", func(*fixture) clerktest.Issued { return clerktest.Issued{Secret: randomToken(k.prefix)} }, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					f := start(t, nil)
					issued := tc.token(f)
					data, err := f.verify(issued.Secret)
					f.wantCalls(t, 1)
					if !tc.accept {
						testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
						if data != nil || strings.Contains(err.Error(), issued.Secret) {
							t.Fatalf("refusal %v, data %+v", err, data)
						}
						return
					}
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					if want := k.want(issued.ID); !reflect.DeepEqual(data, want) {
						t.Fatalf("AuthData\n got %+v\nwant %+v", data, want)
					}
				})
			}
		})
	}
}

// What is not of Clerk's shape is refused without a call.
func TestShapeIsCheckedFirst(t *testing.T) {
	f := start(t, nil)
	body := strings.Repeat("A", 32)
	for name, token := range map[string]string{
		"no prefix":             body,
		"session token":         f.srv.Token("user_1"),
		"unknown prefix":        "sk_" + body,
		"upper-case prefix":     "AK_" + body,
		"prefix alone":          "mt_",
		"too short":             "ak_" + strings.Repeat("A", 19),
		"too long":              "oat_" + strings.Repeat("A", 129),
		"dot (a JWT)":           "mt_" + body + ".x",
		"space":                 "ak_" + body + " x",
		"quote":                 "ak_" + body + `"`,
		"non-ASCII":             "ak_" + body + "é",
		"NUL":                   "ak_" + body + "\x00",
		"padding in the middle": "ak_" + body + "=A",
		"three padding":         "ak_" + body + "===",
	} {
		_, err := f.verify(token)
		if !errors.Is(err, clerkauth.ErrInvalidToken) || errors.Is(err, clerkauth.ErrClerkUnavailable) {
			t.Errorf("%s: %v", name, err)
		}
	}
	f.wantCalls(t, 0)
	// The bounds and alphabet admit what Clerk issues.
	for _, token := range []string{
		"ak_LCWGdaM8mv8K4PC/57IICZQXAeWfCgF30DZaFXHoGn9=", // the JS SDK's test API key
		"oat_8XOIucKvqHVr5tYP123456789abcdefghij",
		"mt_" + strings.Repeat("Z", 128),
		"mt_" + strings.Repeat("-_", 10),
	} {
		if _, err := f.verify(token); !errors.Is(err, clerkauth.ErrInvalidToken) || !strings.Contains(err.Error(), "Clerk does not accept") {
			t.Errorf("%s was not asked of Clerk: %v", token, err)
		}
	}
}

func TestIsOpaqueToken(t *testing.T) {
	for token, want := range map[string]bool{"ak_x": true, "mt_x": true, "oat_x": true, "eyJhbGciOi.x.y": false, "sk_x": false, "": false} {
		if got := opaquetoken.IsOpaqueToken(token); got != want {
			t.Errorf("IsOpaqueToken(%q) = %v", token, got)
		}
	}
}

// Who owns an API key decides which ID it sets; an M2M token's Clerk
// scopes never become Scopes.
func TestSubjectsAndScopes(t *testing.T) {
	f := start(t, nil)
	org := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "org_2team", Name: "team key"})
	data := f.mustAccept(t, org.Secret, org.ID)
	if data.OrgID != "org_2team" || data.UserID != "" || data.Subject != "org_2team" || data.Scopes != nil {
		t.Fatalf("organization key: %+v", data)
	}
	m2m := f.srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_a", MayCall: []string{"mch_b", "mch_c"}})
	if data := f.mustAccept(t, m2m.Secret, m2m.ID); data.Scopes != nil || data.MachineID != "mch_a" || data.UserID != "" {
		t.Fatalf("M2M token: %+v", data)
	}
	// A subject Clerk would not give a key is refused, not mapped.
	machineKey := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "mch_a"})
	_, err := f.verify(machineKey.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// With a machine secret key, M2M tokens are verified in the machine's name:
// Clerk accepts only those of machines that may call it. API keys and
// OAuth tokens are still verified with the instance key.
func TestMachineSecretKey(t *testing.T) {
	f := start(t, nil)
	receiverKey := f.srv.AddMachine("mch_receiver")
	asReceiver := f.verifier(t, func(c *opaquetoken.Config) { c.MachineSecretKey = receiverKey })
	mayCall := f.srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_sender", MayCall: []string{"mch_receiver"}})
	mayNot := f.srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_stranger", MayCall: []string{"mch_elsewhere"}})
	ctx := t.Context()

	if data, err := asReceiver.Verify(ctx, mayCall.Secret); err != nil || data.MachineID != "mch_sender" {
		t.Fatalf("token allowed to call the receiver: %+v, %v", data, err)
	}
	_, err := asReceiver.Verify(ctx, mayNot.Secret)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	// The instance key would have accepted it: the machine key refused it.
	f.mustAccept(t, mayNot.Secret, mayNot.ID)

	key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	oauth := f.srv.CreateOAuthToken(clerktest.OAuthToken{UserID: "user_1", ClientID: "client_1"})
	for _, token := range []string{key.Secret, oauth.Secret} {
		if _, err := asReceiver.Verify(ctx, token); err != nil {
			t.Fatalf("verified with the machine key: %v", err)
		}
	}
}

func TestConfig(t *testing.T) {
	for name, cfg := range map[string]opaquetoken.Config{
		"no secret key":    {},
		"plain http":       {SecretKey: "sk_test_x", APIURL: "http://api.clerk.com/v1"},
		"negative TTL":     {SecretKey: "sk_test_x", CacheTTL: -time.Second},
		"negative budget":  {SecretKey: "sk_test_x", VerifyPerSecond: -1},
		"negative size":    {SecretKey: "sk_test_x", CacheSize: -1},
		"negative timeout": {SecretKey: "sk_test_x", ClerkTimeout: -1},
	} {
		if _, err := opaquetoken.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := opaquetoken.New(opaquetoken.Config{SecretKey: "sk_test_x"}); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}
