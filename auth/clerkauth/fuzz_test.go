package clerkauth_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
)

// FuzzAuthenticate: hostile tokens, built by mutating valid ones, are never
// a panic and never accepted unless they are one of the acceptable tokens
// the test key signed. The seeds include tokens the key genuinely signed
// that must still be refused (header parameters, categories, payload
// spellings), so a check that goes missing fails the seed run itself.
func FuzzAuthenticate(f *testing.F) {
	srv := startWithUser(f)
	a := newAuthenticator(f, srv, func(c *clerkauth.Config) {
		c.ClerkTimeout = time.Second
		c.KeyRefreshInterval = time.Millisecond // made-up kids need not slow the fuzzer
	})
	key := srv.SigningKey()
	valid := srv.Token(userID)
	parts := strings.Split(valid, ".")
	withHeader := func(edit func(map[string]any)) string {
		h := key.Header()
		edit(h)
		return key.SignWithHeader(h, srv.Claims(userID))
	}
	// The tokens the key signed that must be accepted.
	acceptable := map[string]bool{
		valid: true,
		withHeader(func(h map[string]any) { delete(h, "typ") }):                    true,
		withHeader(func(h map[string]any) { delete(h, "cat") }):                    true,
		withHeader(func(h map[string]any) { h["cat"] = clerktest.CategoryIgnore }): true,
	}
	for token := range acceptable {
		f.Add(token)
	}
	for _, seed := range []string{
		parts[0] + "." + parts[1] + ".",
		parts[0] + "." + clerktest.EncodeSegment(srv.Claims("user_evil")) + "." + parts[2],
		clerktest.EncodeSegment(map[string]any{"alg": "none"}) + "." + parts[1] + ".AA",
		clerktest.EncodeSegment(map[string]any{"alg": "HS256", "kid": key.ID}) + "." + parts[1] + "." + parts[2],
		`{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`,
		strings.Repeat("A", 300) + "." + parts[1] + "." + parts[2],
		// Genuinely signed, refused by the header checks.
		withHeader(func(h map[string]any) { h["typ"] = "at+jwt" }),
		withHeader(func(h map[string]any) { h["cat"] = clerktest.CategoryJWTTemplate }),
		withHeader(func(h map[string]any) { h["cat"] = clerktest.CategoryM2MToken }),
		withHeader(func(h map[string]any) { h["cat"] = nil }),
		withHeader(func(h map[string]any) { h["jwk"] = nil }),
		withHeader(func(h map[string]any) { h["crit"] = []string{} }),
		withHeader(func(h map[string]any) { h["b64"] = true }),
		withHeader(func(h map[string]any) { h["x5u"] = "https://evil.example/x5u" }),
		withHeader(func(h map[string]any) { h["pad"] = strings.Repeat("p", 1100) }),
		// The valid token's payload and signature, spelled another way.
		parts[0] + "." + respell(parts[1]) + "." + parts[2],
		parts[0] + "." + parts[1] + "." + respell(parts[2]),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		data, err := authenticate(a, token)
		if err == nil {
			if !acceptable[strings.TrimSpace(token)] {
				t.Fatalf("accepted a token that must be refused: %q", token)
			}
			if data.UserID != userID {
				t.Fatalf("accepted as %q", data.UserID)
			}
			return
		}
		if !errors.Is(err, clerkauth.ErrInvalidToken) && !errors.Is(err, clerkauth.ErrNoCredentials) {
			t.Fatalf("hostile token gave %v, want an invalid-token error", err)
		}
		if msg := err.Error(); len(msg) > 400 || strings.ContainsAny(msg, "\n\r\x1b") {
			t.Fatalf("reason not quoted: %q", msg)
		}
	})
}

// FuzzCookieRequest: a genuine token in Clerk's cookies is accepted only
// when the request's Origin is absent or an authorized party, its
// Sec-Fetch-Site is not cross-site, and the __client_uat of its pair is a
// positive number no later than the token's iat; whatever the three say,
// never a panic. The pair is the plain one, or, with suffixed, the suffixed
// one beside another app's plain pair, whose __client_uat rescues nothing.
// __client_uat is percent-encoded in the Cookie header, which Clerk's
// cookie parsing decodes.
func FuzzCookieRequest(f *testing.F) {
	srv := startWithUser(f)
	plain := newAuthenticator(f, srv, nil)
	keyed := newAuthenticator(f, srv, withPublishableKey)
	claims := srv.Claims(userID)
	iat := claims["iat"].(int64)
	claims["exp"] = iat + 500 // outlives the fuzzing run, within the longest lifetime accepted
	token := srv.Sign(claims)
	uat := strconv.FormatInt(iat, 10)
	theirs := cookies("__session", theirToken(srv), "__client_uat", uat)
	for _, seed := range [][3]string{
		{srv.AuthorizedParty, "same-origin", uat},
		{"", "", uat},
		{"", "same-site", "1"},
		{"https://evil.example", "cross-site", uat},
		{srv.AuthorizedParty + "/", "same-origin", uat},
		{"null", "none", uat},
		{srv.AuthorizedParty, "cross-site", uat},
		{srv.AuthorizedParty, "same-origin", "0"},
		{srv.AuthorizedParty, "same-origin", ""},
		{srv.AuthorizedParty, "same-origin", " " + uat},
		{srv.AuthorizedParty, "same-origin", "+" + uat},
		{srv.AuthorizedParty, "same-origin", strconv.FormatInt(iat+1, 10)},
		{srv.AuthorizedParty, "same-origin", "-1"},
		{srv.AuthorizedParty, "same-origin", "99999999999999999999"},
		{srv.AuthorizedParty, "same-origin", "1e9"},
		{srv.AuthorizedParty, "same-origin", `"` + uat + `"`},
		{srv.AuthorizedParty, "same-origin", uat + "; __client_uat=1"},
		{srv.AuthorizedParty, "same-origin", "%31" + uat[1:]},
		{srv.AuthorizedParty, "same-origin", "\xff" + uat},
	} {
		f.Add(seed[0], seed[1], seed[2], false)
		f.Add(seed[0], seed[1], seed[2], true)
	}
	f.Fuzz(func(t *testing.T, origin, secFetchSite, clientUAT string, suffixed bool) {
		a, cookie := plain, cookies("__session", token, "__client_uat", url.PathEscape(clientUAT))
		if suffixed {
			a, cookie = keyed, theirs+"; "+cookies(ourSession, token, ourClientUAT, url.PathEscape(clientUAT))
		}
		_, err := a.Authenticate(context.Background(), clerkauth.Request{
			Cookie: cookie, Origin: origin, SecFetchSite: secFetchSite,
		})
		uat, uatErr := strconv.ParseInt(clientUAT, 10, 64)
		allowed := (origin == "" || origin == srv.AuthorizedParty) && secFetchSite != "cross-site" &&
			uatErr == nil && uat > 0 && uat <= iat
		if allowed != (err == nil) {
			t.Fatalf("Origin %q, Sec-Fetch-Site %q, __client_uat %q, suffixed %v: error %v, want accepted=%v",
				origin, secFetchSite, clientUAT, suffixed, err, allowed)
		}
		if err != nil && !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Fatalf("refusal %v is not an invalid-token error", err)
		}
	})
}
