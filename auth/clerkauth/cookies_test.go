package clerkauth_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/internal/testutil"
)

// The publishable key of clerktest's instance (its Frontend API is the
// Issuer's host) and the names clerk-js gives its cookies; beside them,
// those of another Clerk app on the same host (pk_live_Y2xlcmsuZXhhbXBsZS5jb20k,
// Frontend API clerk.example.com). The suffixes are Clerk's own, computed by
// node (see TestCookieSuffixIsClerks).
const (
	publishableKey = "pk_test_Y2xlcmsuY2xlcmt0ZXN0LmV4YW1wbGUk"
	ourSession     = "__session_ZVlYqJXr"
	ourClientUAT   = "__client_uat_ZVlYqJXr"
	theirIssuer    = "https://clerk.example.com"
	theirSession   = "__session_naoXFJnI"
	theirClientUAT = "__client_uat_naoXFJnI"
)

// withPublishableKey configures clerktest's publishable key.
func withPublishableKey(c *clerkauth.Config) { c.PublishableKey = publishableKey }

// browserRequest is a same-origin browser request with that Cookie header.
func browserRequest(srv *clerktest.Server, cookie string) clerkauth.Request {
	return clerkauth.Request{Cookie: cookie, Origin: srv.AuthorizedParty, SecFetchSite: "same-origin"}
}

// cookies is a Cookie header of name, value, name, value...
func cookies(nameValues ...string) string {
	pairs := make([]string, 0, len(nameValues)/2)
	for i := 0; i+1 < len(nameValues); i += 2 {
		pairs = append(pairs, nameValues[i]+"="+nameValues[i+1])
	}
	return strings.Join(pairs, "; ")
}

// theirToken is a session token of the other app: its own issuer and key.
func theirToken(srv *clerktest.Server) string {
	claims := srv.Claims("user_theirs")
	claims["iss"] = theirIssuer
	return clerktest.NewKey().Sign(claims)
}

// A token from a cookie is checked as Clerk's authenticateRequest checks
// it, on the pair of cookies the request is read by: the plain pair without
// a PublishableKey, the suffixed one beside another app's plain pair with
// it. The other pair's __client_uat, signed in, rescues nothing. The same
// token in the Authorization header is not subject to those checks.
func TestCookieTokenChecks(t *testing.T) {
	srv := startWithUser(t)
	claims := srv.Claims(userID)
	iat := claims["iat"].(int64)
	token, signedIn := srv.Sign(claims), strconv.FormatInt(iat, 10)
	theirs := theirToken(srv)
	for _, setup := range []struct {
		name string
		edit func(*clerkauth.Config)
		// header is the Cookie header with our __client_uat, omitted when "".
		header func(clientUAT string) string
	}{
		{"plain pair", nil, func(uat string) string {
			if uat == "" {
				return cookies("__session", token)
			}
			return cookies("__session", token, "__client_uat", uat)
		}},
		{"suffixed pair", withPublishableKey, func(uat string) string {
			header := cookies("__session", theirs, "__client_uat", signedIn, ourSession, token)
			if uat == "" {
				return header
			}
			return header + "; " + cookies(ourClientUAT, uat)
		}},
	} {
		t.Run(setup.name, func(t *testing.T) {
			a := newAuthenticator(t, srv, setup.edit)
			ok := browserRequest(srv, setup.header(signedIn))
			for name, r := range map[string]clerkauth.Request{
				"same-origin":             ok,
				"no Origin (a GET)":       {Cookie: ok.Cookie},
				"same-site":               {Cookie: ok.Cookie, Origin: ok.Origin, SecFetchSite: "same-site"},
				"signed in before iat":    browserRequest(srv, setup.header(strconv.FormatInt(iat-1, 10))),
				"__client_uat of 1970+1s": browserRequest(srv, setup.header("1")),
			} {
				if data, err := a.Authenticate(context.Background(), r); err != nil || data.UserID != userID {
					t.Fatalf("%s: %+v, %v", name, data, err)
				}
			}
			for name, r := range map[string]clerkauth.Request{
				"foreign origin":                    {Cookie: ok.Cookie, Origin: "https://evil.example", SecFetchSite: "same-origin"},
				"origin with a path":                {Cookie: ok.Cookie, Origin: srv.AuthorizedParty + "/"},
				"origin null":                       {Cookie: ok.Cookie, Origin: "null"},
				"cross-site fetch":                  {Cookie: ok.Cookie, SecFetchSite: "cross-site"},
				"no __client_uat":                   browserRequest(srv, setup.header("")),
				"signed out (__client_uat 0)":       browserRequest(srv, setup.header("0")),
				"__client_uat not a number":         browserRequest(srv, setup.header("yesterday")),
				"__client_uat negative":             browserRequest(srv, setup.header("-1")),
				"token older than the last sign-in": browserRequest(srv, setup.header(strconv.FormatInt(iat+1, 10))),
			} {
				data, err := a.Authenticate(context.Background(), r)
				if err == nil {
					t.Fatalf("%s: accepted as %+v", name, data)
				}
				testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
				// The same token and headers with the token in the header pass.
				r.Authorization = "Bearer " + token
				if _, err := a.Authenticate(context.Background(), r); err != nil {
					t.Fatalf("%s: header token refused by a cookie check: %v", name, err)
				}
			}
		})
	}
}

// With an empty AuthorizedParties any Origin is foreign: a cookie request
// that states an origin is refused.
func TestCookieOriginWithoutAuthorizedParties(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, func(c *clerkauth.Config) { c.AuthorizedParties = nil })
	claims := srv.Claims(userID)
	r := browserRequest(srv, cookies("__session", srv.Sign(claims), "__client_uat", strconv.FormatInt(claims["iat"].(int64), 10)))
	_, err := a.Authenticate(context.Background(), r)
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
}

// Two Clerk apps on one host: each cookie pair is read by the app whose
// publishable key names it, as Clerk's backend reads them; a token of ours
// under the other app's names is not read, and without a PublishableKey only
// the plain pair is.
func TestSuffixedCookies(t *testing.T) {
	srv := startWithUser(t)
	srv.AddUser("user_other", "grace@example.com")
	claims := srv.Claims(userID)
	signedIn := strconv.FormatInt(claims["iat"].(int64), 10)
	ours, theirs := srv.Sign(claims), theirToken(srv)
	olderClaims := srv.Claims("user_other")
	olderClaims["iat"] = claims["iat"].(int64) - 1
	older := srv.Sign(olderClaims)
	// The other app's kid is unknown here: no waiting between JWKS fetches.
	fastKeys := func(c *clerkauth.Config) { c.KeyRefreshInterval = time.Millisecond }
	keyed := newAuthenticator(t, srv, func(c *clerkauth.Config) { withPublishableKey(c); fastKeys(c) })
	plain := newAuthenticator(t, srv, fastKeys)
	for _, tt := range []struct {
		name   string
		cookie string
		// The user each authenticator reads, "" for a refusal: err says
		// which.
		keyed, plain string
		err          error
	}{
		{"our suffixed pair alone",
			cookies(ourSession, ours, ourClientUAT, signedIn),
			userID, "", clerkauth.ErrNoCredentials},
		{"our token under the other app's names",
			cookies(theirSession, ours, theirClientUAT, signedIn),
			"", "", clerkauth.ErrNoCredentials},
		{"the other app set the plain pair last",
			cookies("__session", theirs, "__client_uat", signedIn, theirSession, theirs, theirClientUAT, signedIn, ourSession, ours, ourClientUAT, signedIn),
			userID, "", clerkauth.ErrInvalidToken},
		{"only the other app's cookies",
			cookies("__session", theirs, "__client_uat", signedIn, theirSession, theirs, theirClientUAT, signedIn),
			"", "", clerkauth.ErrInvalidToken},
		{"plain pair newer than the suffixed one",
			cookies("__session", ours, "__client_uat", signedIn, ourSession, older, ourClientUAT, signedIn),
			userID, userID, nil},
		{"suffixed pair newer than the plain one",
			cookies("__session", older, "__client_uat", signedIn, ourSession, ours, ourClientUAT, signedIn),
			userID, "", clerkauth.ErrInvalidToken},
	} {
		for _, read := range []struct {
			name string
			a    *clerkauth.Authenticator
			want string
		}{{"with PublishableKey", keyed, tt.keyed}, {"without", plain, tt.plain}} {
			data, err := read.a.Authenticate(context.Background(), browserRequest(srv, tt.cookie))
			switch {
			case read.want != "" && (err != nil || data.UserID != read.want):
				t.Errorf("%s, %s: %+v, %v; want %s", tt.name, read.name, data, err, read.want)
			case read.want == "" && err == nil:
				t.Errorf("%s, %s: accepted as %s", tt.name, read.name, data.UserID)
			case read.want == "" && !errors.Is(err, clerkauth.ErrNoCredentials) && !errors.Is(err, tt.err):
				t.Errorf("%s, %s: %v, want %v", tt.name, read.name, err, tt.err)
			}
		}
	}
}

// The header token wins over any cookies, which are then not even parsed:
// a Cookie header that would be refused does not refuse the request, and a
// bad header is not rescued by good cookies.
func TestHeaderTokenWinsOverCookies(t *testing.T) {
	srv := startWithUser(t)
	srv.AddUser("user_other", "grace@example.com")
	a := newAuthenticator(t, srv, withPublishableKey)
	claims := srv.Claims("user_other")
	signedIn := strconv.FormatInt(claims["iat"].(int64), 10)
	cookieToken, headerToken := srv.Sign(claims), srv.Token(userID)
	for _, cookie := range []string{
		cookies("__session", cookieToken, "__client_uat", signedIn, ourSession, cookieToken, ourClientUAT, signedIn),
		strings.Repeat("x", 1<<20),
	} {
		r := browserRequest(srv, cookie)
		r.Authorization = "Bearer " + headerToken
		if data, err := a.Authenticate(context.Background(), r); err != nil || data.UserID != userID {
			t.Fatalf("header and %.40q: %+v, %v", cookie, data, err)
		}
		r.Authorization += "x"
		_, err := a.Authenticate(context.Background(), r)
		testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	}
}

// A hostile Cookie header is refused before it is parsed: past 64 KiB or
// 1000 pairs, whatever it holds. Below those bounds, a jar of many cookies
// still authenticates.
func TestHostileCookieHeader(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, withPublishableKey)
	claims := srv.Claims(userID)
	ours := cookies(ourSession, srv.Sign(claims), ourClientUAT, strconv.FormatInt(claims["iat"].(int64), 10))
	junk := func(pairs int) string { return strings.Repeat("a=1; ", pairs) }
	if _, err := a.Authenticate(context.Background(), browserRequest(srv, junk(900)+ours)); err != nil {
		t.Fatalf("900 other cookies: %v", err)
	}
	for name, cookie := range map[string]string{
		"1 MiB":         "big=" + strings.Repeat("b", 1<<20) + "; " + ours,
		"5000 pairs":    junk(5000) + ours,
		"a million ';'": strings.Repeat(";", 1<<20) + ours,
	} {
		r := browserRequest(srv, cookie)
		_, err := a.Authenticate(context.Background(), r)
		testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		// Refused at the bound: a few allocations for the error, whatever
		// the header's size.
		if allocs := testing.AllocsPerRun(5, func() { _, _ = a.Authenticate(context.Background(), r) }); allocs > 16 {
			t.Errorf("%s: %v allocations to refuse", name, allocs)
		}
	}
}

// A PublishableKey that Clerk would not parse stops New, saying why.
func TestPublishableKeyIsChecked(t *testing.T) {
	srv := startWithUser(t)
	for _, key := range []string{"sk_test_abc", "pk_test_", "pk_test_Y2xlcmsuZXhhbXBsZS5jb20", "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k\n"} {
		cfg := testConfig(t, srv)
		cfg.PublishableKey = key
		if _, err := clerkauth.New(cfg); err == nil || !strings.Contains(err.Error(), "PublishableKey") {
			t.Errorf("PublishableKey %q: %v, want an error naming PublishableKey", key, err)
		}
	}
}
