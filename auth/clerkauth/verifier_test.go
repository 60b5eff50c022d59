package clerkauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/internal/testutil"
)

func TestValidTokenIsAccepted(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)

	data := mustAccept(t, a, srv.Token(userID), userID)
	want := &clerkauth.AuthData{TokenType: clerkauth.TokenTypeSession, Subject: userID, UserID: userID, Email: "ada@example.com", SessionID: "sess_" + userID}
	if !reflect.DeepEqual(data, want) {
		t.Fatalf("AuthData = %+v, want %+v", data, want)
	}
}

// The header wins: a valid cookie does not rescue a bad header.
func TestBadHeaderIsNotRescuedByTheCookie(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	claims := srv.Claims(userID)
	good := srv.Sign(claims)
	_, err := a.Authenticate(context.Background(), clerkauth.Request{
		Authorization: "Bearer " + good + "x",
		SessionCookie: good,
		ClientUAT:     fmt.Sprint(claims["iat"]),
		SecFetchSite:  "same-origin",
	})
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
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

// fea and pla become Features and Plans: split on commas, nil when absent
// or empty. Empty entries are kept, so has() can deny a malformed claim as
// Clerk's does.
func TestFeaturesAndPlans(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	for i, tt := range []struct {
		fea, pla           any
		features, plans    []string
		withoutFea, noPlan bool
	}{
		{fea: "o:reports,u:export", pla: "u:free_user,o:pro", features: []string{"o:reports", "u:export"}, plans: []string{"u:free_user", "o:pro"}},
		{fea: ",o:reports,,u:export,", pla: ",", features: []string{"", "o:reports", "", "u:export", ""}, plans: []string{"", ""}},
		{fea: "", pla: ""},
		{fea: nil, pla: nil},
		{withoutFea: true, noPlan: true},
	} {
		claims := srv.Claims(userID)
		claims["sid"] = fmt.Sprintf("sess_%d", i)
		if !tt.withoutFea {
			claims["fea"] = tt.fea
		}
		if !tt.noPlan {
			claims["pla"] = tt.pla
		}
		data := mustAccept(t, a, srv.Sign(claims), userID)
		if !reflect.DeepEqual(data.Features, tt.features) || !reflect.DeepEqual(data.Plans, tt.plans) {
			t.Errorf("fea %v, pla %v: Features %#v, Plans %#v; want %#v, %#v", tt.fea, tt.pla, data.Features, data.Plans, tt.features, tt.plans)
		}
	}
}

// TestHostileTokensAreRefused mints tokens that must all be refused.
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
	withHeader := func(edit func(map[string]any)) string {
		h := key.Header()
		edit(h)
		return key.SignWithHeader(h, srv.Claims(userID))
	}
	rawHeader := func(raw string) string {
		return signRaw(key, raw, clerktest.EncodeSegment(srv.Claims(userID)))
	}

	tests := map[string]string{
		"garbage":                 "not.a.jwt",
		"header not JSON":         base64.RawURLEncoding.EncodeToString([]byte("{nope")) + "." + parts[1] + "." + parts[2],
		"payload not JSON":        parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[2],
		"alg none":                clerktest.EncodeSegment(map[string]any{"alg": "none", "kid": key.ID}) + "." + parts[1] + ".AAAA",
		"alg none, signed":        withHeader(func(h map[string]any) { h["alg"] = "none" }),
		"alg RS512 header":        withHeader(func(h map[string]any) { h["alg"] = "RS512" }),
		"HS256 with secret key":   hs256(srv.SecretKey),
		"HS256 with empty key":    hs256(""),
		"wrong key, valid kid":    clerktest.NewKey().SignWithHeader(key.Header(), srv.Claims(userID)),
		"unknown kid":             clerktest.NewKey().Sign(srv.Claims(userID)),
		"no kid":                  withHeader(func(h map[string]any) { delete(h, "kid") }),
		"tampered payload":        parts[0] + "." + clerktest.EncodeSegment(srv.Claims("user_other")) + "." + parts[2],
		"tampered signature":      parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 256)),
		"non-canonical signature": parts[0] + "." + parts[1] + "." + respell(parts[2]),
		"non-canonical header":    respell(parts[0]) + "." + parts[1] + "." + parts[2],
		"truncated signature":     parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])/2],
		// The header, genuinely signed.
		"typ at+jwt":           withHeader(func(h map[string]any) { h["typ"] = "at+jwt" }),
		"typ lower case":       withHeader(func(h map[string]any) { h["typ"] = "jwt" }),
		"typ null":             withHeader(func(h map[string]any) { h["typ"] = nil }),
		"cat JWT template":     withHeader(func(h map[string]any) { h["cat"] = clerktest.CategoryJWTTemplate }),
		"cat M2M token":        withHeader(func(h map[string]any) { h["cat"] = clerktest.CategoryM2MToken }),
		"cat unknown":          withHeader(func(h map[string]any) { h["cat"] = "cl_B7d4PD999AAA" }),
		"cat empty":            withHeader(func(h map[string]any) { h["cat"] = "" }),
		"cat null":             withHeader(func(h map[string]any) { h["cat"] = nil }),
		"duplicate alg":        rawHeader(`{"alg":"RS256","alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"` + key.ID + `","typ":"JWT"}`),
		"duplicate cat":        rawHeader(`{"alg":"RS256","cat":"cl_B7d4PD222AAA","cat":"cl_B7d4PD111AAA","kid":"` + key.ID + `"}`),
		"header over 1 KiB":    withHeader(func(h map[string]any) { h["pad"] = strings.Repeat("p", 1024) }),
		"17 header parameters": withHeader(func(h map[string]any) { addParams(h, 13) }),
		// The claims.
		"expired":              with(func(c map[string]any) { c["exp"] = now - 60 }),
		"lives an hour":        with(func(c map[string]any) { c["exp"] = now + 3600 }),
		"lives 11 minutes":     with(func(c map[string]any) { c["iat"], c["exp"] = now-60, now+600 }),
		"not yet valid":        with(func(c map[string]any) { c["nbf"] = now + 60 }),
		"issued in the future": with(func(c map[string]any) { c["iat"] = now + 60 }),
		"no exp":               with(func(c map[string]any) { delete(c, "exp") }),
		"no iat":               with(func(c map[string]any) { delete(c, "iat") }),
		"no sub":               with(func(c map[string]any) { delete(c, "sub") }),
		"empty sub":            with(func(c map[string]any) { c["sub"] = "" }),
		"sub with a path":      with(func(c map[string]any) { c["sub"] = "../jwks" }),
		"no sid":               with(func(c map[string]any) { delete(c, "sid") }),
		"foreign azp":          with(func(c map[string]any) { c["azp"] = "https://evil.example" }),
		"foreign issuer":       with(func(c map[string]any) { c["iss"] = "https://clerk.evil.example" }),
		"no issuer":            with(func(c map[string]any) { delete(c, "iss") }),
		"pending session":      with(func(c map[string]any) { c["sts"] = "pending" }),
		"exp as string":        with(func(c map[string]any) { c["exp"] = "tomorrow" }),
		"sub as number":        with(func(c map[string]any) { c["sub"] = 42 }),
		"sts as number":        with(func(c map[string]any) { c["sts"] = 1 }),
		"fea as number":        with(func(c map[string]any) { c["fea"] = 5 }),
		"fea as array":         with(func(c map[string]any) { c["fea"] = []string{"o:reports"} }),
		"pla as number":        with(func(c map[string]any) { c["pla"] = 5 }),
		"pla as object":        with(func(c map[string]any) { c["pla"] = map[string]any{"u": "free"} }),
		"o as string":          with(func(c map[string]any) { c["o"] = "org_1" }),
		"o with numeric id":    with(func(c map[string]any) { c["o"] = map[string]any{"id": 5} }),
		"duplicate claim":      key.SignSegments(parts[0], base64.RawURLEncoding.EncodeToString(duplicateSub(srv))),
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
			testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		})
	}
}

// signRaw signs a token whose header is the raw JSON given.
func signRaw(key *clerktest.Key, header, payload string) string {
	return key.SignSegments(base64.RawURLEncoding.EncodeToString([]byte(header)), payload)
}

// addParams adds n harmless parameters to a header.
func addParams(h map[string]any, n int) {
	for i := 0; i < n; i++ {
		h[fmt.Sprintf("p%d", i)] = i
	}
}

// duplicateSub is a payload naming the user twice, the second time as
// someone else.
func duplicateSub(srv *clerktest.Server) []byte {
	claims := srv.Claims(userID)
	raw := clerktest.EncodeSegment(claims)
	b, _ := base64.RawURLEncoding.DecodeString(raw)
	return append(b[:len(b)-1], `,"sub":"user_other"}`...)
}

// respell changes a spare bit of the last character of an unpadded base64url
// segment: another spelling of the same bytes when the segment's length is
// 2 or 3 more than a multiple of 4.
func respell(segment string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, segment[len(segment)-1])
	return segment[:len(segment)-1] + string(alphabet[last^1])
}

// One token, one spelling: the other spellings of a genuine payload are
// refused, so none of them costs a cache miss and an RSA check.
func TestNonCanonicalPayloadSpellingsAreRefused(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	// A payload whose segment length is 2 more than a multiple of 4 has 4
	// spare bits in its last character: 16 spellings of the same bytes.
	var token string
	for pad := ""; ; pad += "x" {
		claims := srv.Claims(userID)
		claims["pad"] = pad
		if token = srv.Sign(claims); len(strings.Split(token, ".")[1])%4 == 2 {
			break
		}
	}
	parts := strings.Split(token, ".")
	payload := parts[1]
	want, _ := base64.RawURLEncoding.Strict().DecodeString(payload)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	spellings := 0
	for i := 0; i < len(alphabet); i++ {
		spelling := payload[:len(payload)-1] + alphabet[i:i+1]
		if b, err := base64.RawURLEncoding.DecodeString(spelling); err != nil || string(b) != string(want) {
			continue
		}
		spellings++
		_, err := authenticate(a, parts[0]+"."+spelling+"."+parts[2])
		if spelling == payload {
			if err != nil {
				t.Fatalf("canonical spelling refused: %v", err)
			}
		} else if err == nil {
			t.Errorf("spelling %q of the payload's last character accepted", alphabet[i])
		}
	}
	if spellings != 16 {
		t.Fatalf("%d spellings tried, want 16", spellings)
	}
}

// Header parameters that ask the verifier to trust something the token
// chooses are refused whatever their value, null included. go-jose would
// ignore most of them.
func TestForbiddenHeaderParameters(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	for _, param := range []string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"} {
		for _, value := range []any{nil, "", true, []string{}, map[string]any{}} {
			h := key.Header()
			h[param] = value
			claims := srv.Claims(userID)
			claims["sid"] = fmt.Sprintf("sess_%s_%v", param, value)
			if _, err := authenticate(a, key.SignWithHeader(h, claims)); err == nil {
				t.Errorf("%s: %#v accepted", param, value)
			} else {
				testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
			}
		}
	}
	// The one parameter go-jose would act on: a public key it could verify
	// with. The SDK verifies with the JWK it is given, but the token does
	// not get that far.
	h := key.Header()
	h["jwk"] = map[string]any{"kty": "RSA", "kid": key.ID, "n": "AQAB", "e": "AQAB"}
	_, err := authenticate(a, key.SignWithHeader(h, srv.Claims(userID)))
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// A session token's header as Clerk sends it, without typ, without cat
// (older tokens) or with the ignore category is accepted; so is a header
// of exactly 1 KiB with 16 parameters.
func TestAcceptedHeaders(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	for name, edit := range map[string]func(map[string]any){
		"Clerk's header":  func(map[string]any) {},
		"no typ":          func(h map[string]any) { delete(h, "typ") },
		"no cat":          func(h map[string]any) { delete(h, "cat") },
		"ignore category": func(h map[string]any) { h["cat"] = clerktest.CategoryIgnore },
		"16 parameters":   func(h map[string]any) { addParams(h, 12) },
		"exactly 1 KiB": func(h map[string]any) {
			h["pad"] = ""
			b, _ := json.Marshal(h)
			h["pad"] = strings.Repeat("p", 1024-len(b))
		},
	} {
		h := key.Header()
		edit(h)
		claims := srv.Claims(userID)
		claims["sid"] = "sess_" + strings.ReplaceAll(name, " ", "_")
		if _, err := authenticate(a, key.SignWithHeader(h, claims)); err != nil {
			t.Errorf("%s: refused: %v", name, err)
		}
	}
}

// Header checks come before the kid is looked up: a refused header costs
// no JWKS fetch, whatever kid it names.
func TestRefusedHeadersCostNoClerkCall(t *testing.T) {
	srv := clerktest.Start(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	madeUp := func(edit func(map[string]any)) string {
		h := key.Header()
		h["kid"] = clerktest.NewKeyID()
		edit(h)
		return key.SignWithHeader(h, srv.Claims(userID))
	}
	tokens := []string{
		madeUp(func(h map[string]any) { h["typ"] = "at+jwt" }),
		madeUp(func(h map[string]any) { h["cat"] = clerktest.CategoryM2MToken }),
		madeUp(func(h map[string]any) { h["jku"] = "https://evil.example/jwks" }),
		madeUp(func(h map[string]any) { h["pad"] = strings.Repeat("p", 1100) }),
		signRaw(key, `{"alg":"RS256","kid":"`+clerktest.NewKeyID()+`","kid":"`+clerktest.NewKeyID()+`"}`,
			clerktest.EncodeSegment(srv.Claims(userID))),
	}
	for _, alg := range []string{"none", "HS256", "RS512", "ES256", ""} {
		tokens = append(tokens, madeUp(func(h map[string]any) { h["alg"] = alg }))
	}
	valid := strings.Split(madeUp(func(map[string]any) {}), ".")
	tokens = append(tokens, valid[0]+"."+respell(valid[1])+"."+valid[2], valid[0]+"."+valid[1]+"."+respell(valid[2]))
	for i, token := range tokens {
		if _, err := authenticate(a, token); err == nil {
			t.Errorf("token %d accepted", i)
		}
	}
	srv.WantCalls(t, clerktest.JWKS, 0)
}

// What a token chose (kid, azp, iss, typ, cat) reaches the error text, and
// so the logs, only quoted: at most 64 bytes of it, without control
// characters.
func TestErrorTextQuotesWhatTheTokenChose(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	mustAccept(t, a, srv.Token(userID), userID) // the JWKS is held
	hostile := func(n int) string {
		return strings.Repeat("\n\x1b[31mevil\r\u2028\x00\x7f\u0085", n)
	}
	withHeader := func(edit func(map[string]any)) string {
		h := key.Header()
		edit(h)
		return key.SignWithHeader(h, srv.Claims(userID))
	}
	with := func(edit func(map[string]any)) string {
		claims := srv.Claims(userID)
		edit(claims)
		return srv.Sign(claims)
	}
	tokens := map[string]string{
		// As long as the 1 KiB header allows.
		"kid": withHeader(func(h map[string]any) { h["kid"] = hostile(25) }),
		"alg": withHeader(func(h map[string]any) { h["alg"] = hostile(25) }),
		"typ": withHeader(func(h map[string]any) { h["typ"] = hostile(25) }),
		"cat": withHeader(func(h map[string]any) { h["cat"] = hostile(25) }),
		"duplicate key": signRaw(key, `{"alg":"RS256","`+strings.Repeat(`\n`, 100)+`":1,"`+strings.Repeat(`\n`, 100)+`":2}`,
			clerktest.EncodeSegment(srv.Claims(userID))),
		// As long as the 8 KiB token allows.
		"azp": with(func(c map[string]any) { c["azp"] = hostile(150) }),
		"iss": with(func(c map[string]any) { c["iss"] = hostile(150) }),
		// 10 KB: refused for its length, before anything is read.
		"10 KB kid": withHeader(func(h map[string]any) { h["kid"] = hostile(700) }),
		"10 KB azp": with(func(c map[string]any) { c["azp"] = hostile(700) }),
	}
	for name, token := range tokens {
		if strings.HasPrefix(name, "10 KB") != (len(token) > 8<<10) {
			t.Fatalf("%s: token of %d bytes", name, len(token))
		}
		_, err := authenticate(a, token)
		testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		msg := err.Error()
		if len(msg) > 200 || strings.ContainsAny(msg, "\n\r\x1b\x00\x7f\u0085\u2028") {
			t.Errorf("%s: error text not quoted (%d bytes): %q", name, len(msg), msg)
		}
	}
	// Without an exact Issuer, the SDK's own issuer check names the iss.
	loose := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.Issuer = "" })
	_, err := authenticate(loose, with(func(c map[string]any) { c["iss"] = "https://x.example/" + hostile(150) }))
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	if msg := err.Error(); len(msg) > 200 || strings.ContainsAny(msg, "\n\x1b") {
		t.Errorf("iss: error text not quoted: %q", msg)
	}
}

func TestClaimsWithinLeewayAreAccepted(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
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
		"sts null":           func(c map[string]any) { c["sts"] = nil },
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
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	srv.WantCalls(t, clerktest.JWKS, 0)
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
		"party without scheme":    func(c *clerkauth.Config) { c.AuthorizedParties = []string{"localhost:3000"} },
		"party with a path":       func(c *clerkauth.Config) { c.AuthorizedParties = []string{"https://app.example.com/login"} },
		"negative leeway":         func(c *clerkauth.Config) { c.Leeway = -time.Second },
		"negative cache":          func(c *clerkauth.Config) { c.TokenCacheSize = -1 },
		"negative key set age":    func(c *clerkauth.Config) { c.KeySetMaxAge = -time.Second },
		"negative waiters":        func(c *clerkauth.Config) { c.MaxKeyWaiters = -1 },
		"negative refresh period": func(c *clerkauth.Config) { c.KeyRefreshInterval = -time.Second },
	} {
		cfg := testConfig(t, srv)
		edit(&cfg)
		if _, err := clerkauth.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCachedTokenExpiresWithItsExp(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
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
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}
