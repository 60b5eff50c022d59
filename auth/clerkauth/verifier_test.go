package clerkauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
)

func TestValidTokenIsAccepted(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)

	data := mustAccept(t, a, srv.Token(userID), userID)
	want := &clerkauth.AuthData{UserID: userID, Email: "ada@example.com", SessionID: "sess_" + userID}
	if !reflect.DeepEqual(data, want) {
		t.Fatalf("AuthData = %+v, want %+v", data, want)
	}
}

func TestCookieCarriesTheToken(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)

	data, err := a.Authenticate(context.Background(), "", srv.Token(userID))
	if err != nil || data.UserID != userID {
		t.Fatalf("cookie: %+v, %v", data, err)
	}
	// The header wins: a valid cookie does not rescue a bad header.
	_, err = a.Authenticate(context.Background(), "Bearer "+srv.Token(userID)+"x", srv.Token(userID))
	mustFailWith(t, err, clerkauth.ErrInvalidToken)
}

func TestOrganizationClaims(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)

	claims := srv.Claims(userID)
	claims["fea"] = "o:reports"
	claims["o"] = map[string]any{"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}
	data := mustAccept(t, a, srv.Sign(claims), userID)
	if data.OrgID != "org_1" || data.OrgSlug != "acme" || data.OrgRole != "org:admin" ||
		!reflect.DeepEqual(data.OrgPermissions, []string{"org:reports:read", "org:reports:manage"}) {
		t.Fatalf("organization = %q %q %q %v", data.OrgID, data.OrgSlug, data.OrgRole, data.OrgPermissions)
	}
}

// hostile mints tokens that must all be refused.
func TestHostileTokensAreRefused(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	valid := srv.Token(userID)
	parts := strings.Split(valid, ".")
	now := time.Now().Unix()

	with := func(edit func(map[string]any)) string {
		claims := srv.Claims(userID)
		edit(claims)
		return srv.Sign(claims)
	}
	hs256 := func(secret string) string {
		input := clerktest.EncodeSegment(map[string]any{"alg": "HS256", "kid": key.ID, "typ": "JWT"}) + "." + parts[1]
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	header := func(edit func(map[string]any)) map[string]any {
		h := key.Header()
		edit(h)
		return h
	}

	tests := map[string]string{
		"garbage":                 "not.a.jwt",
		"header not JSON":         base64.RawURLEncoding.EncodeToString([]byte("{nope")) + "." + parts[1] + "." + parts[2],
		"payload not JSON":        parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[2],
		"alg none":                clerktest.EncodeSegment(map[string]any{"alg": "none", "kid": key.ID}) + "." + parts[1] + ".AAAA",
		"alg none, signed":        key.SignWithHeader(header(func(h map[string]any) { h["alg"] = "none" }), srv.Claims(userID)),
		"alg RS512 header":        key.SignWithHeader(header(func(h map[string]any) { h["alg"] = "RS512" }), srv.Claims(userID)),
		"HS256 with secret key":   hs256(srv.SecretKey),
		"HS256 with empty key":    hs256(""),
		"wrong key, valid kid":    clerktest.NewKey().SignWithHeader(key.Header(), srv.Claims(userID)),
		"unknown kid":             clerktest.NewKey().Sign(srv.Claims(userID)),
		"no kid":                  key.SignWithHeader(header(func(h map[string]any) { delete(h, "kid") }), srv.Claims(userID)),
		"tampered payload":        parts[0] + "." + clerktest.EncodeSegment(srv.Claims("user_other")) + "." + parts[2],
		"tampered signature":      parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 256)),
		"non-canonical signature": parts[0] + "." + parts[1] + "." + respell(parts[2]),
		"truncated signature":     parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])/2],
		"expired":                 with(func(c map[string]any) { c["exp"] = now - 60 }),
		"not yet valid":           with(func(c map[string]any) { c["nbf"] = now + 60 }),
		"issued in the future":    with(func(c map[string]any) { c["iat"] = now + 60 }),
		"no exp":                  with(func(c map[string]any) { delete(c, "exp") }),
		"no iat":                  with(func(c map[string]any) { delete(c, "iat") }),
		"no sub":                  with(func(c map[string]any) { delete(c, "sub") }),
		"empty sub":               with(func(c map[string]any) { c["sub"] = "" }),
		"sub with a path":         with(func(c map[string]any) { c["sub"] = "../jwks" }),
		"no sid":                  with(func(c map[string]any) { delete(c, "sid") }),
		"foreign azp":             with(func(c map[string]any) { c["azp"] = "https://evil.example" }),
		"foreign issuer":          with(func(c map[string]any) { c["iss"] = "https://clerk.evil.example" }),
		"no issuer":               with(func(c map[string]any) { delete(c, "iss") }),
		"pending session":         with(func(c map[string]any) { c["sts"] = "pending" }),
		"exp as string":           with(func(c map[string]any) { c["exp"] = "tomorrow" }),
		"sub as number":           with(func(c map[string]any) { c["sub"] = 42 }),
	}
	// The valid token is verified first, so every forgery below meets a
	// verified-token cache holding its genuine twin.
	mustAccept(t, a, valid, userID)
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			data, err := authenticate(a, token)
			if err == nil {
				t.Fatalf("accepted as %+v", data)
			}
			mustFailWith(t, err, clerkauth.ErrInvalidToken)
			if e := clerkauth.APIError(err); e.Code.HTTPStatus() != 401 {
				t.Fatalf("HTTP status %d, want 401", e.Code.HTTPStatus())
			}
		})
	}
}

// respell changes a spare bit of the last character of an unpadded base64url
// segment: another spelling of the same bytes.
func respell(segment string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, segment[len(segment)-1])
	return segment[:len(segment)-1] + string(alphabet[last^1])
}

func TestClaimsWithinLeewayAreAccepted(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.Leeway = 5 * time.Second
		c.Now = clock.Now
	})
	now := clock.Now().Unix()
	for name, edit := range map[string]func(map[string]any){
		"expired 4s ago":     func(c map[string]any) { c["exp"] = now - 4 },
		"nbf in 4s":          func(c map[string]any) { c["nbf"] = now + 4 },
		"iat in 4s":          func(c map[string]any) { c["iat"] = now + 4 },
		"no azp":             func(c map[string]any) { delete(c, "azp") },
		"no nbf":             func(c map[string]any) { delete(c, "nbf") },
		"active session":     func(c map[string]any) { c["sts"] = "active" },
		"v1 token without v": func(c map[string]any) { delete(c, "v") },
	} {
		claims := srv.Claims(userID)
		edit(claims)
		if _, err := authenticate(a, srv.Sign(claims)); err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
	for name, edit := range map[string]func(map[string]any){
		"expired 6s ago": func(c map[string]any) { c["exp"] = now - 6 },
		"nbf in 6s":      func(c map[string]any) { c["nbf"] = now + 6 },
		"iat in 6s":      func(c map[string]any) { c["iat"] = now + 6 },
	} {
		claims := srv.Claims(userID)
		edit(claims)
		if _, err := authenticate(a, srv.Sign(claims)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAuthorizedPartyWithTrailingSlash(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.AuthorizedParties = []string{srv.AuthorizedParty + "/"} })
	mustAccept(t, a, srv.Token(userID), userID)
}

func TestAuthorizedPartiesEmptyAcceptsAnyAzp(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.AuthorizedParties = nil })
	claims := srv.Claims(userID)
	claims["azp"] = "https://anywhere.example"
	mustAccept(t, a, srv.Sign(claims), userID)
}

func TestIssuerWithoutExactSetting(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Issuer = "" })
	for iss, ok := range map[string]bool{
		"https://clerk.example.com":              true,
		"https://happy-fox-1.clerk.accounts.dev": true,
		"http://happy-fox-1.clerk.accounts.dev":  false,
		"http://clerk.example.com":               false,
		"https://example.com":                    false,
		"":                                       false,
	} {
		claims := srv.Claims(userID)
		claims["iss"] = iss
		_, err := authenticate(a, srv.Sign(claims))
		if (err == nil) != ok {
			t.Errorf("iss %q: error %v, want accepted=%v", iss, err, ok)
		}
	}
}

func TestStaticKeyNeedsNoJWKS(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.JWTKey = srv.SigningKey().PublicKeyPEM() })

	mustAccept(t, a, srv.Token(userID), userID)
	other := clerktest.NewKey()
	_, err := authenticate(a, other.SignWithHeader(srv.SigningKey().Header(), srv.Claims(userID)))
	mustFailWith(t, err, clerkauth.ErrInvalidToken)
	wantCalls(t, srv, clerktest.JWKS, 0)
}

func TestConfigErrors(t *testing.T) {
	srv := clerktest.Start(t)
	for name, edit := range map[string]func(*clerkauth.Config){
		"no secret key":     func(c *clerkauth.Config) { c.SecretKey = "" },
		"API URL not a URL": func(c *clerkauth.Config) { c.APIURL = "api.clerk.com" },
		"issuer not https":  func(c *clerkauth.Config) { c.Issuer = "http://clerk.example.com" },
		"JWT key not PEM":   func(c *clerkauth.Config) { c.JWTKey = "MIIBIjANBg" },
		"JWT key is private": func(c *clerkauth.Config) {
			c.JWTKey = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"
		},
		"party without scheme": func(c *clerkauth.Config) { c.AuthorizedParties = []string{"localhost:3000"} },
		"party with a path":    func(c *clerkauth.Config) { c.AuthorizedParties = []string{"https://app.example.com/login"} },
		"negative leeway":      func(c *clerkauth.Config) { c.Leeway = -time.Second },
		"negative cache":       func(c *clerkauth.Config) { c.UserCacheSize = -1 },
	} {
		cfg := testConfig(srv)
		edit(&cfg)
		if _, err := clerkauth.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCachedTokenExpiresWithItsExp(t *testing.T) {
	srv := startWithUser(t)
	clock := newFakeClock()
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.Now = clock.Now
		c.Leeway = 5 * time.Second
	})
	claims := srv.Claims(userID)
	claims["exp"] = clock.Now().Unix() + 10
	token := srv.Sign(claims)
	mustAccept(t, a, token, userID)
	clock.Advance(14 * time.Second)
	mustAccept(t, a, token, userID)
	clock.Advance(2 * time.Second)
	_, err := authenticate(a, token)
	mustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// Tokens that are not RS256 are refused before their kid is looked up, so
// they cannot make Clerk's JWKS be fetched.
func TestNonRS256TokensCostNoClerkCall(t *testing.T) {
	srv := clerktest.Start(t)
	a := newAuthenticator(t, srv, nil)
	for _, alg := range []string{"none", "HS256", "RS512", "ES256", ""} {
		h := srv.SigningKey().Header()
		h["alg"] = alg
		h["kid"] = clerktest.NewKeyID()
		_, err := authenticate(a, srv.SigningKey().SignWithHeader(h, srv.Claims(userID)))
		mustFailWith(t, err, clerkauth.ErrInvalidToken)
	}
	wantCalls(t, srv, clerktest.JWKS, 0)
}
