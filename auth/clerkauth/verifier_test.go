package clerkauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
	want := &clerkauth.AuthData{TokenType: clerkauth.TokenTypeSession, Subject: userID, UserID: userID, Email: "ada@example.com", SessionID: "sess_" + userID,
		FactorVerificationAge: []int{0, -1}}
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
		Cookie:        fmt.Sprint("__session=", good, "; __client_uat=", claims["iat"]),
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
		"no azp":               with(func(c map[string]any) { delete(c, "azp") }),
		"empty azp":            with(func(c map[string]any) { c["azp"] = "" }),
		"null azp":             with(func(c map[string]any) { c["azp"] = nil }),
		"azp as number":        with(func(c map[string]any) { c["azp"] = 1 }),
		"iss as number":        with(func(c map[string]any) { c["iss"] = 1 }),
		"sid as number":        with(func(c map[string]any) { c["sid"] = 1 }),
		"exp null":             with(func(c map[string]any) { c["exp"] = nil }),
		"iat null":             with(func(c map[string]any) { c["iat"] = nil }),
		"nbf as string":        with(func(c map[string]any) { c["nbf"] = "0" }),
		"v as string":          with(func(c map[string]any) { c["v"] = "2" }),
		"machine sub":          with(func(c map[string]any) { c["sub"] = "mch_2abc" }),
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
	// Without an exact Issuer, the Clerk-URL check names the iss.
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

// sign mints a token whose payload is the raw JSON given, with Clerk's
// header.
func signPayload(key *clerktest.Key, payload string) string {
	return key.SignSegments(clerktest.EncodeSegment(key.Header()), base64.RawURLEncoding.EncodeToString([]byte(payload)))
}

// withClaims is a valid payload of srv's for userID with the claims
// changed by edit, as JSON text.
func withClaims(srv *clerktest.Server, edit func(map[string]any)) string {
	claims := srv.Claims(userID)
	if edit != nil {
		edit(claims)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// o.fpm holds one mask per organization feature of fea, in order, over
// o.per: the user features of fea take no mask (the Go SDK gave them one,
// and so granted the next organization feature the wrong permissions).
func TestPermissionsPairWithOrganizationFeatures(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	claims := srv.Claims(userID)
	claims["fea"] = "u:premium,o:billing,o:reports"
	claims["o"] = map[string]any{"id": "org_1", "rol": "admin", "per": "read,manage", "fpm": "1,3"}
	data := mustAccept(t, a, srv.Sign(claims), userID)
	if want := []string{"org:billing:read", "org:reports:read", "org:reports:manage"}; !reflect.DeepEqual(data.OrgPermissions, want) {
		t.Fatalf("OrgPermissions = %q, want %q", data.OrgPermissions, want)
	}
	checkHas(t, data, []hasCase{
		{"permission", "org:billing:read", true},
		{"permission", "org:billing:manage", false},
		{"permission", "org:reports:manage", true},
		{"permission", "org:premium:read", false},
	})

	// Masks of any length: bit 64 of 2^64+1, past any integer type.
	claims["sid"] = "sess_wide"
	claims["fea"] = "o:reports"
	per := make([]string, 65)
	for i := range per {
		per[i] = fmt.Sprintf("p%d", i)
	}
	claims["o"] = map[string]any{"id": "org_1", "per": strings.Join(per, ","), "fpm": "18446744073709551617"}
	data = mustAccept(t, a, srv.Sign(claims), userID)
	if want := []string{"org:reports:p0", "org:reports:p64"}; !reflect.DeepEqual(data.OrgPermissions, want) {
		t.Fatalf("2^64+1: OrgPermissions = %q, want %q", data.OrgPermissions, want)
	}
}

// A v2 token's organization is o's alone; a v1 token's (no v, or any v but
// 2, as Clerk's parser switches on it) is the v1 claims' alone.
func TestTokenVersionSelectsOrganizationClaims(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	v1 := map[string]any{"org_id": "org_v1", "org_slug": "v1", "org_role": "org:admin", "org_permissions": []string{"org:reports:read"}}
	o := map[string]any{"id": "org_v2", "slg": "v2", "rol": "member"}
	for i, tt := range []struct {
		name     string
		v        any // nil: no v claim
		withV1   bool
		withO    bool
		org      string
		role     string
		readable bool
	}{
		{name: "v2, v1 claims only", v: 2, withV1: true},
		{name: "v2, both", v: 2, withV1: true, withO: true, org: "org_v2", role: "org:member"},
		{name: "no v, both", withV1: true, withO: true, org: "org_v1", role: "org:admin"},
		{name: "no v, o only", withO: true},
		{name: "v 1", v: 1, withV1: true, withO: true, org: "org_v1", role: "org:admin"},
		{name: "v 3", v: 3, withV1: true, withO: true, org: "org_v1", role: "org:admin"},
	} {
		claims := srv.Claims(userID)
		claims["sid"] = fmt.Sprintf("sess_%d", i)
		delete(claims, "v")
		if tt.v != nil {
			claims["v"] = tt.v
		}
		if tt.withV1 {
			maps.Copy(claims, v1)
		}
		if tt.withO {
			claims["o"] = o
		}
		data := mustAccept(t, a, srv.Sign(claims), userID)
		if data.OrgID != tt.org || data.OrgRole != tt.role {
			t.Errorf("%s: organization %q, role %q; want %q, %q", tt.name, data.OrgID, data.OrgRole, tt.org, tt.role)
		}
		if has := data.HasPermission("org:reports:read"); has != (tt.org == "org_v1") {
			t.Errorf("%s: has the v1 permission: %v", tt.name, has)
		}
	}
	// A v1 claim of the wrong type in a v2 token is ignored, as Clerk's
	// parser never reads it; in a v1 token it is refused.
	claims := srv.Claims(userID)
	claims["org_permissions"] = "org:reports:read"
	if data := mustAccept(t, a, srv.Sign(claims), userID); len(data.OrgPermissions) != 0 {
		t.Errorf("v2 token took org_permissions: %q", data.OrgPermissions)
	}
	delete(claims, "v")
	_, err := authenticate(a, srv.Sign(claims))
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// Every registered claim is case-sensitive: spelled in another case
// (Go's encoding/json folding, K and ſ included), alone or beside the
// exact spelling, or repeated, it refuses the token. Go's JSON would let
// "SID" override sid in the Go SDK's structs.
func TestRegisteredClaimsAreCaseSensitive(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	payload := withClaims(srv, nil)
	payloadWith := func(members string) string { return payload[:len(payload)-1] + "," + members + "}" }
	// Every name the Go SDK's claim structs decode, Clerk's v2 claims, and
	// the machine-token claims the same reader serves.
	names := []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "v", "sid", "azp", "org_id", "org_slug", "org_role",
		"org_permissions", "act", "fva", "fea", "o", "sts", "pla", "scopes", "scope", "scp", "client_id"}
	for _, name := range names {
		present, inBase := srv.Claims(userID)[name]
		value, _ := json.Marshal(present)
		if !inBase {
			value = []byte(`"x"`)
		}
		variants := []string{strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]}
		if strings.Contains(name, "s") {
			variants = append(variants, strings.ReplaceAll(name, "s", "\u017f"))
		}
		for _, variant := range variants {
			for shape, token := range map[string]string{
				"alone":  signPayload(key, strings.Replace(payloadWith(`"`+variant+`":`+string(value)), `"`+name+`":`, `"unrelated_`+name+`":`, 1)),
				"beside": signPayload(key, payloadWith(`"`+variant+`":`+string(value))),
			} {
				if _, err := authenticate(a, token); !errors.Is(err, clerkauth.ErrInvalidToken) {
					t.Errorf("%s %s: error %v", variant, shape, err)
				}
			}
		}
		repeated := `"` + name + `":` + string(value)
		if !inBase {
			repeated += "," + repeated
		}
		if _, err := authenticate(a, signPayload(key, payloadWith(repeated))); !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Errorf("%s repeated: error %v", name, err)
		}
	}
	// In o too; the exact spellings, escaped or not, are read.
	for _, o := range []string{`{"id":"org_1","ID":"org_2"}`, `{"id":"org_1","ROL":"admin"}`, `{"id":"org_1","rol":"a","rol":"b"}`, `{"id":"org_1","ſlg":"x"}`} {
		if _, err := authenticate(a, signPayload(key, payloadWith(`"o":`+o))); !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Errorf("o %s: error %v", o, err)
		}
	}
	data := mustAccept(t, a, signPayload(key, payloadWith(`"o":{"\u0069d":"org_1","rol":"admin"}`)), userID)
	if data.OrgID != "org_1" {
		t.Errorf("escaped id read as %q", data.OrgID)
	}
}

// A token for a machine (sub mch_…) is not a session token, whatever its
// cat says: Clerk's authenticateRequest checks isM2MJwt first.
func TestMachineSubjectIsRefused(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	claims := srv.Claims("mch_2abc")
	for name, edit := range map[string]func(map[string]any){
		"session cat": func(map[string]any) {},
		"no cat":      func(h map[string]any) { delete(h, "cat") },
		"ignore cat":  func(h map[string]any) { h["cat"] = clerktest.CategoryIgnore },
	} {
		h := key.Header()
		edit(h)
		_, err := authenticate(a, key.SignWithHeader(h, claims))
		testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		if err != nil && !strings.Contains(err.Error(), "machine") && !strings.Contains(err.Error(), "m2m_token") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Times no JavaScript Date holds, before 1970 or near ±2^63, are refused:
// exp - iat never wraps round into an acceptable lifetime.
func TestExtremeTimesAreRefused(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	now := time.Now().Unix()
	for name, times := range map[string][2]string{
		"iat near -2^63":           {"-9223372036854775808", fmt.Sprint(now + 60)},
		"iat near -2^63, as float": {"-9.2e18", fmt.Sprint(now + 60)},
		"iat near 2^63":            {"9223372036854775807", fmt.Sprint(now + 60)},
		"exp near 2^63":            {fmt.Sprint(now), "9223372036854775807"},
		"exp past 2^63":            {fmt.Sprint(now), "1e19"},
		"exp 1e300":                {fmt.Sprint(now), "1e300"},
		"both near 2^63":           {"9223372036854775000", "9223372036854775807"},
		"iat negative":             {"-1", fmt.Sprint(now + 60)},
		"exp past JS dates":        {fmt.Sprint(now), "8640000000001"},
		"exp fractional":           {fmt.Sprint(now), fmt.Sprint(now+60) + ".5"},
	} {
		payload := withClaims(srv, func(c map[string]any) { c["iat"], c["exp"] = "IAT", "EXP" })
		payload = strings.NewReplacer(`"IAT"`, times[0], `"EXP"`, times[1]).Replace(payload)
		if data, err := authenticate(a, signPayload(key, payload)); err == nil {
			t.Errorf("%s: accepted as %+v", name, data)
		}
	}
}

// With authorized parties, a token must name one in azp; without them azp
// is not checked.
func TestAuthorizedPartiesRequireAzp(t *testing.T) {
	srv := startWithUser(t)
	strict := newAuthenticator(t, srv, nil)
	open := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.AuthorizedParties = nil })
	for name, edit := range map[string]func(map[string]any){
		"no azp":    func(c map[string]any) { delete(c, "azp") },
		"empty azp": func(c map[string]any) { c["azp"] = "" },
		"null azp":  func(c map[string]any) { c["azp"] = nil },
	} {
		claims := srv.Claims(userID)
		edit(claims)
		token := srv.Sign(claims)
		_, err := authenticate(strict, token)
		testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		if _, err := authenticate(open, token); err != nil {
			t.Errorf("%s, no authorized parties: %v", name, err)
		}
	}
}

// o without rol (or with an empty one) is no role, not "org:".
func TestOrganizationWithoutRole(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	for i, o := range []map[string]any{
		{"id": "org_1", "slg": "acme", "per": "read", "fpm": "1"},
		{"id": "org_1", "slg": "acme", "rol": "", "per": "read", "fpm": "1"},
		{"id": "org_1", "slg": "acme", "rol": nil, "per": "read", "fpm": "1"},
	} {
		claims := srv.Claims(userID)
		claims["sid"] = fmt.Sprintf("sess_%d", i)
		claims["fea"] = "o:reports"
		claims["o"] = o
		data := mustAccept(t, a, srv.Sign(claims), userID)
		if data.OrgID != "org_1" || data.OrgRole != "" || !reflect.DeepEqual(data.OrgPermissions, []string{"org:reports:read"}) {
			t.Errorf("o %v: organization %q, role %q, permissions %q", o, data.OrgID, data.OrgRole, data.OrgPermissions)
		}
	}
}

// fva reaches AuthData when it is two valid ages, and is nil otherwise:
// the token is accepted either way.
func TestFactorVerificationAge(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	key := srv.SigningKey()
	for i, tt := range []struct {
		fva  string // "" for none
		want []int
	}{
		{"[0,-1]", []int{0, -1}},
		{"[5,10]", []int{5, 10}},
		{"[-1,-1]", []int{-1, -1}},
		{"[1e3,-1.0]", []int{1000, -1}},
		{"", nil},
		{"null", nil},
		{"[1]", nil},
		{"[1,2,3]", nil},
		{`"0,-1"`, nil},
		{"[1.5,2]", nil},
		{"[-2,0]", nil},
		{`["1",2]`, nil},
		{"[1e19,0]", nil},
		{`{"0":1,"1":2}`, nil},
	} {
		payload := withClaims(srv, func(c map[string]any) {
			c["sid"] = fmt.Sprintf("sess_%d", i)
			delete(c, "fva")
		})
		if tt.fva != "" {
			payload = payload[:len(payload)-1] + `,"fva":` + tt.fva + "}"
		}
		data := mustAccept(t, a, signPayload(key, payload), userID)
		if !reflect.DeepEqual(data.FactorVerificationAge, tt.want) {
			t.Errorf("fva %s: %v, want %v", tt.fva, data.FactorVerificationAge, tt.want)
		}
	}
}

// An endpoint that changes its AuthData's factor ages does not change
// what the next request with the same (cached) token gets.
func TestFactorVerificationAgeIsCopied(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	token := srv.Token(userID)
	mustAccept(t, a, token, userID).FactorVerificationAge[0] = 99
	if got := mustAccept(t, a, token, userID).FactorVerificationAge; !reflect.DeepEqual(got, []int{0, -1}) {
		t.Fatalf("FactorVerificationAge = %v after an endpoint changed an earlier copy", got)
	}
}

// A refusal for a missing claim names it: the logs say what to fix.
func TestMissingClaimsAreNamed(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)
	for _, claim := range []string{"exp", "iat", "sub", "sid", "azp"} {
		claims := srv.Claims(userID)
		delete(claims, claim)
		_, err := authenticate(a, srv.Sign(claims))
		if err == nil || !strings.Contains(err.Error(), "no "+claim) {
			t.Errorf("without %s: %v", claim, err)
		}
	}
}
