package clerkcredential

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"encore.app/auth/internal/tokenerr"
)

// The publishable key of clerktest's instance (Frontend API
// clerk.clerktest.example), and its production twin.
const (
	testPublishableKey = "pk_test_Y2xlcmsuY2xlcmt0ZXN0LmV4YW1wbGUk"
	livePublishableKey = "pk_live_Y2xlcmsuY2xlcmt0ZXN0LmV4YW1wbGUk"
)

// The suffixes are @clerk/shared 4.41.0's getCookieSuffix, computed by node:
//
//	node -e 'require("@clerk/shared/keys").getCookieSuffix(process.argv[1]).then(console.log)' pk_test_...
//
// in /tmp/clerkjs. The last two keys were picked for a '-' and a '_' among
// the first 8 characters, where the padded standard base64 has '+' and '/'.
func TestCookieSuffixIsClerks(t *testing.T) {
	for key, want := range map[string]string{
		testPublishableKey:                                     "ZVlYqJXr",
		"pk_live_Y2xlcmsuZXhhbXBsZS5jb20k":                     "naoXFJnI",
		"pk_test_aGFwcHktb3R0ZXItNS5jbGVyay5hY2NvdW50cy5kZXYk": "y-tpG6c6",
		"pk_test_aGFwcHktb3R0ZXItMS5jbGVyay5hY2NvdW50cy5kZXYk": "THpykg_9",
	} {
		if got := cookieSuffix(key); got != want {
			t.Errorf("cookieSuffix(%s) = %q, Clerk's is %q", key, got, want)
		}
	}
}

// parsePublishableKey accepts what @clerk/shared's parsePublishableKey
// accepts and reads the same Frontend API (the table is node's answers),
// but for whitespace, which atob drops and which is refused here.
func TestParsePublishableKeyIsClerks(t *testing.T) {
	for _, tt := range []struct {
		key, frontendAPI string
		ok               bool
	}{
		{testPublishableKey, "clerk.clerktest.example", true},
		{"pk_test_Y2xlcmsuYWIuY29tJA==", "clerk.ab.com", true},
		{"pk_test_Y2xlcmsuYWIuY29tJA", "clerk.ab.com", true},
		{"pk_test_Y2xlcmsuYWIuY29tJA=", "", false},
		{"pk_test_Y2xlcmsuYWIuY29tJB", "clerk.ab.com", true},
		{"pk_test_Y2xlcmsuYWIuY29tJ", "", false},
		{"pk_live_Y2xlcmsuYWIuY29tJA===", "", false},
		{"pk_test_Y2xlcmsuZXhhbXBsZS5jb20k====", "", false},
		{"pk_live_Y2xlcmsu-XhhbXBsZS5jb20k", "", false},
		{"pk_live_Y2xlcmsuZXhhbXBsZS5jb20=", "", false},
		{"pk_live_Y2xlcmsuZXhhJG1wbGUuY29tJA==", "", false},
		{"pk_live_Y2xlcmtleGFtcGxlY29tJA==", "", false},
		{"pk_live_JA==", "", false},
		{"pk_live_LiQ=", ".", true},
		{"pk_live_Y2xlcmsu6S5jb20k", "clerk.é.com", true},
		{"pk_test_", "", false},
		{"pk_test", "", false},
		{"pk_prod_Y2xlcmsuZXhhbXBsZS5jb20k", "", false},
		{"sk_test_Y2xlcmsuZXhhbXBsZS5jb20k", "", false},
		{"pk_test_Y2xlcmsuZXhhbXBsZS5jb20k_x", "", false},
		{" pk_test_Y2xlcmsuZXhhbXBsZS5jb20k", "", false},
		{"PK_TEST_Y2xlcmsuZXhhbXBsZS5jb20k", "", false},
		{"pk_test_Y2xlcmsuZXhhbXBsZS5jb20kAA==", "", false},
		// Clerk's atob drops the whitespace and accepts these.
		{"pk_test_ Y2xlcmsuZXhhbXBsZS5jb20k", "", false},
		{"pk_test_Y2xl\ncmsuZXhhbXBsZS5jb20k", "", false},
	} {
		frontendAPI, err := parsePublishableKey(tt.key)
		if frontendAPI != tt.frontendAPI || (err == nil) != tt.ok {
			t.Errorf("parsePublishableKey(%q) = %q, %v; want %q, ok %v", tt.key, frontendAPI, err, tt.frontendAPI, tt.ok)
		}
		if strings.HasPrefix(tt.key, "pk_") && strings.ContainsAny(tt.key, " \n") && (err == nil || !strings.Contains(err.Error(), "whitespace")) {
			t.Errorf("parsePublishableKey(%q): %v, want it to say whitespace", tt.key, err)
		}
	}
}

// header encodes a raw JSON header as a token's first segment.
func header(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }

// tok is an unsigned token with the given payload, for the cookie choice,
// which reads tokens without verifying them.
func tok(payload string) string { return header(`{"alg":"RS256"}`) + "." + header(payload) + ".c2ln" }

// ours is a token of clerktest's instance issued at iat, expiring at exp.
func ours(iat, exp string) string {
	return tok(`{"iss":"https://clerk.clerktest.example","iat":` + iat + `,"exp":` + exp + `}`)
}

// signed is ours("1700000000", "1700000060") with another signature.
func signed(signature string) string {
	token := ours("1700000000", "1700000060")
	return token[:strings.LastIndexByte(token, '.')+1] + signature
}

// usesSuffixedCookies answers as Clerk's does, branch for branch. The want
// column is @clerk/backend 3.25.0's AuthenticateContext.usesSuffixedCookies
// run by node on the same Cookie header at the same time ("error" where it
// throws); see TestCookieSuffixIsClerks for where.
func TestUsesSuffixedCookiesIsClerks(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		name                                             string
		session, clientUAT, suffixedSession, suffixedUAT string
		live                                             bool
		want                                             string
	}{
		{"no cookies", "", "", "", "", false, "plain"},
		{"plain pair only", ours("1700000000", "1700000060"), "1", "", "", false, "plain"},
		{"suffixed pair only", "", "", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"suffixed __client_uat only", "", "", "", "1", false, "suffixed"},
		{"suffixed session only, no suffixed __client_uat", "", "", ours("1700000000", "1700000060"), "", false, "plain"},
		{"plain token of another instance", tok(`{"iss":"https://clerk.other.example","iat":1700000000}`), "1", "", "", false, "suffixed"},
		{"plain token of another instance beside ours", tok(`{"iss":"https://clerk.other.example","iat":1700000000}`), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain token without iss", tok(`{"iat":1700000000}`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with iss \"\"", tok(`{"iss":"","iat":1700000000}`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with iss 0", tok(`{"iss":0}`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with iss -0.0e5", tok(`{"iss":-0.0e5}`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with iss null", tok(`{"iss":null}`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with iss false", tok(`{"iss":false}`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with iss 5", tok(`{"iss":5}`), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain token with iss true", tok(`{"iss":true}`), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain token with iss {}", tok(`{"iss":{}}`), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain token with iss \"0\"", tok(`{"iss":"0"}`), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain token not a JWT", "abc", "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token of four segments", ours("1700000000", "1700000060") + ".x", "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with a bad payload", header(`{"}`) + ".e30.c2ln", "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with a payload that is not JSON", tok(`{nope`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with a header that is not JSON", header(`{nope`) + strings.TrimPrefix(ours("1700000000", "1700000060"), header(`{"alg":"RS256"}`)), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with a signature that is not base64url", signed("c2l+"), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with spare bits set", signed("c2m"), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token with one spare character", signed("c2lnA"), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain token padded", signed("c2ln==="), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain token with an empty signature", signed(""), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain token with an empty header", strings.TrimPrefix(ours("1700000000", "1700000060"), header(`{"alg":"RS256"}`)), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain payload with a BOM", tok("\ufeff{\"iss\":\"https://clerk.other.example\"}"), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain payload with invalid UTF-8 in iss", tok("{\"iss\":\"https://clerk.clerktest.example\xff\"}"), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain payload an array", tok(`[1]`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain payload a number", tok(`5`), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain payload null", tok(`null`), "1", ours("1700000000", "1700000060"), "1", false, "error"}, // Clerk: error: Cannot read properties of null (reading 'iss')
		{"plain payload null, no suffixed cookies", tok(` null `), "1", "", "", false, "error"},         // Clerk: error: Cannot read properties of null (reading 'iss')
		{"plain iss without scheme", tok(`{"iss":"clerk.clerktest.example","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"plain iss in capitals", tok(`{"iss":"HTTPS://clerk.clerktest.example","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"plain iss http", tok(`{"iss":"http://clerk.clerktest.example","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"plain iss with two schemes", tok(`{"iss":"https://https://clerk.clerktest.exHttp://ample","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"plain iss with a trailing slash", tok(`{"iss":"https://clerk.clerktest.example/","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "suffixed"},
		{"plain iss with a path", tok(`{"iss":"https://clerk.clerktest.example/__clerk","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "suffixed"},
		{"plain iss of another case", tok(`{"iss":"https://Clerk.clerktest.example","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "suffixed"},
		{"plain iss escaped", tok(`{"\u0069ss":"https:\/\/clerk.clerktest.example","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"plain iss repeated, ours last", tok(`{"iss":"https://clerk.other.example","iss":"https://clerk.clerktest.example","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"plain iss repeated, ours first", tok(`{"iss":"https://clerk.clerktest.example","iss":"https://clerk.other.example","iat":1700000000}`), "1", ours("1699999999", "1700000060"), "1", false, "suffixed"},
		{"both signed in, plain newer", ours("1700000000", "1700000060"), "1", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"both signed in, same iat", ours("1700000000", "1700000060"), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"both signed in, suffixed newer", ours("1699999999", "1700000060"), "1", ours("1700000000", "1700000060"), "1", false, "suffixed"},
		{"plain newer by a fraction", ours("1700000000.5", "1700000060"), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain newer, suffixed without iat", tok(`{"iss":"https://clerk.clerktest.example","iat":1}`), "1", tok(`{"exp":1700000060}`), "1", false, "plain"},
		{"plain newer, suffixed iat 0", ours("1", "1700000060"), "1", ours("0", "1700000060"), "1", false, "plain"},
		{"plain newer, suffixed iat null", ours("1", "1700000060"), "1", tok(`{"iat":null,"exp":1700000060}`), "1", false, "plain"},
		{"plain newer, suffixed iat false", ours("1", "1700000060"), "1", tok(`{"iat":false,"exp":1700000060}`), "1", false, "plain"},
		{"plain iat true, suffixed 0", ours("true", "1700000060"), "1", ours("0", "1700000060"), "1", false, "plain"},
		{"plain iat huge", ours("1e400", "1700000060"), "1", ours("1700000000", "1700000060"), "1", false, "plain"},
		{"plain iat tiny", ours("1e-400", "1700000060"), "1", ours("0", "1700000060"), "1", false, "suffixed"},
		{"plain iat an object", ours("{}", "1700000060"), "1", ours("0", "1700000060"), "1", false, "suffixed"},
		{"suffixed iat an object", ours("5", "1700000060"), "1", ours("{}", "1700000060"), "1", false, "suffixed"},
		{"plain newer, suffixed token not a JWT", ours("1700000000", "1700000060"), "1", "abc", "1", false, "plain"},
		{"plain newer, suffixed payload null", ours("1700000000", "1700000060"), "1", tok(`null`), "1", false, "error"}, // Clerk: error: Cannot read properties of null (reading 'iat')
		{"suffixed payload null, plain older", ours("1699999999", "1700000060"), "1", tok(`null`), "1", false, "error"}, // Clerk: error: Cannot read properties of null (reading 'iat')
		{"plain newer but suffixed signed out", ours("1700000000", "1700000060"), "1", ours("1699999999", "1700000060"), "0", false, "plain"},
		{"plain newer but plain signed out", ours("1700000000", "1700000060"), "0", ours("1699999999", "1700000060"), "1", false, "suffixed"},
		{"plain newer, no plain __client_uat", ours("1700000000", "1700000060"), "", ours("1699999999", "1700000060"), "1", false, "plain"},
		{"plain newer, no suffixed __client_uat", ours("1700000000", "1700000060"), "1", ours("1699999999", "1700000060"), "", false, "plain"},
		{"suffixed signed out, plain signed in", ours("1699999999", "1700000060"), "1", ours("1700000000", "1700000060"), "0", false, "plain"},
		{"suffixed signed out, no plain __client_uat", "", "", ours("1700000000", "1700000060"), "0", false, "plain"},
		{"both signed out", "", "0", "", "0", false, "suffixed"},
		{"suffixed signed in, plain signed out, suffixed expired (dev)", "", "0", ours("1699999940", "1699999999"), "1", false, "plain"},
		{"suffixed signed in, plain signed out, suffixed expiring now (dev)", "", "0", ours("1699999940", "1700000000"), "1", false, "plain"},
		{"suffixed signed in, plain signed out, suffixed live (dev)", "", "0", ours("1699999940", "1700000001"), "1", false, "suffixed"},
		{"suffixed signed in, plain signed out, suffixed expired (production)", "", "0", ours("1699999940", "1699999999"), "1", true, "suffixed"},
		{"suffixed signed in, plain signed out, suffixed exp null (dev)", "", "0", tok(`{"exp":null}`), "1", false, "plain"},
		{"suffixed signed in, plain signed out, suffixed exp false (dev)", "", "0", tok(`{"exp":false}`), "1", false, "plain"},
		{"suffixed signed in, plain signed out, suffixed exp true (dev)", "", "0", tok(`{"exp":true}`), "1", false, "plain"},
		{"suffixed signed in, plain signed out, suffixed exp \"\" (dev)", "", "0", tok(`{"exp":""}`), "1", false, "plain"},
		{"suffixed signed in, plain signed out, suffixed exp absent (dev)", "", "0", tok(`{"iat":1}`), "1", false, "suffixed"},
		{"suffixed signed in, plain signed out, suffixed exp {} (dev)", "", "0", tok(`{"exp":{}}`), "1", false, "suffixed"},
		{"suffixed signed in, plain signed out, suffixed not a JWT (dev)", "", "0", "abc", "1", false, "suffixed"},
		{"suffixed signed in, plain signed out, no suffixed session (dev)", "", "0", "", "1", false, "suffixed"},
		{"suffixed signed in, no plain __client_uat, suffixed expired (dev)", "", "", ours("1699999940", "1699999999"), "1", false, "suffixed"},
		{"suffixed __client_uat empty is absent", "", "", ours("1700000000", "1700000060"), "", false, "plain"},
		{"__client_uat not a number", ours("1700000000", "1700000060"), "x", ours("1699999999", "1700000060"), "y", false, "plain"},
		{"__client_uat \"00\" is not \"0\"", ours("1699999999", "1700000060"), "1", ours("1700000000", "1700000060"), "00", false, "suffixed"},
	}
	for _, tt := range tests {
		key := testPublishableKey
		if tt.live {
			key = livePublishableKey
		}
		c, err := NewReader(key)
		if err != nil {
			t.Fatal(err)
		}
		jar := cookieJar{
			plain:    sessionCookies{tt.session, tt.clientUAT},
			suffixed: sessionCookies{tt.suffixedSession, tt.suffixedUAT},
		}
		suffixed, err := c.usesSuffixedCookies(jar, now)
		got := map[bool]string{false: "plain", true: "suffixed"}[suffixed]
		if err != nil {
			if !errors.Is(err, tokenerr.ErrInvalidToken) {
				t.Errorf("%s: %v, want an invalid-token error", tt.name, err)
			}
			got = "error"
		}
		if got != tt.want {
			t.Errorf("%s: %s (%v), Clerk says %s", tt.name, got, err, tt.want)
		}
	}
}

// The cookie parse reads what Clerk's (the `cookie` package's parse in
// ClerkRequest) reads: the clerk column is node's answer for the same
// header. Where they differ, the differing column says what is read here.
func TestCookieParseIsClerks(t *testing.T) {
	for _, tt := range []struct {
		header, session, clientUAT string
		// differs is what is read here when it is not what Clerk reads.
		differs []string
	}{
		{"__session=a.b.c; __client_uat=5", "a.b.c", "5", nil},
		{"__session=first; __session=second", "first", "", nil},
		{"__session=; __session=second", "", "", nil},
		{`__session="a.b.c"; __client_uat="5"`, `"a.b.c"`, `"5"`, nil},
		{"__session=a.b.c%2Ex; __client_uat=%35", "a.b.c.x", "5", nil},
		{"__session=a%ZZ; __client_uat=5%", "a%ZZ", "5%", nil},
		{"__session=%FF; __client_uat=%E2%82%AC", "%FF", "€", nil},
		{"__session=a+b", "a+b", "", nil},
		{"__session= a.b.c ;__client_uat=5 ", "a.b.c", "5", nil},
		{"__session =a.b.c; __client_uat = 5", "a.b.c", "5", nil},
		{"x=1;__session=a.b.c;;; __client_uat=5;", "a.b.c", "5", nil},
		{"__session=a=b=c", "a=b=c", "", nil},
		{"__SESSION=a.b.c; __Client_Uat=5", "", "", nil},
		{"bad name=1; __session=a.b.c", "a.b.c", "", nil},
		{"__session=a b; __session=a.b.c", "a b", "", nil},
		// net/http skips a malformed pair; a later one of that name is read.
		{`__session=a\b; __session=a.b.c`, `a\b`, "", []string{"a.b.c", ""}},
		{`__session=a"b; __session=a.b.c`, `a"b`, "", []string{"a.b.c", ""}},
		{`__session="a.b.c; __client_uat=5"`, `"a.b.c`, `5"`, []string{"", ""}},
		{"__session=a.b.c; __client_uat=\t5\t", "a.b.c", "5", []string{"a.b.c", ""}},
		// A pair without '=' is an empty value to net/http, and first.
		{"__session; __session=a.b.c", "a.b.c", "", []string{"", ""}},
	} {
		jar, err := (&Reader{}).parse(tt.header)
		want := []string{tt.session, tt.clientUAT}
		if tt.differs != nil {
			want = tt.differs
		}
		if got := []string{jar.plain.session, jar.plain.clientUAT}; err != nil || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("parse(%q) = %q, %v; want %q", tt.header, got, err, want)
		}
	}
}

// The bounds are checked on the header as sent, before it is parsed.
func TestCookieHeaderBounds(t *testing.T) {
	pairs := func(n int) string {
		return strings.Repeat("a=1; ", n-1) + "__session=" + shapedToken
	}
	padded := func(n int) string {
		pair := "__session=" + shapedToken + "; x="
		return pair + strings.Repeat("x", n-len(pair))
	}
	for header, ok := range map[string]bool{
		pairs(maxCookiePairs):            true,
		pairs(maxCookiePairs + 1):        false,
		padded(maxCookieHeaderBytes):     true,
		padded(maxCookieHeaderBytes + 1): false,
	} {
		jar, err := (&Reader{}).parse(header)
		if ok && (err != nil || jar.plain.session != shapedToken) {
			t.Errorf("%d bytes, %d pairs: %q, %v", len(header), strings.Count(header, ";")+1, jar.plain.session, err)
		}
		if !ok && !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Errorf("%d bytes, %d pairs: %v, want ErrInvalidToken", len(header), strings.Count(header, ";")+1, err)
		}
	}
}
