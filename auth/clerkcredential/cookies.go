package clerkcredential

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"encore.app/auth/internal/compactjws"
	"encore.app/auth/internal/jsonscan"
	"encore.app/auth/internal/tokenerr"
)

// The cookies Clerk's browser SDK sets. Since clerk-js 5.10 it sets each of
// them twice: under the plain name, and under the name suffixed with
// cookieSuffix of the publishable key, so that two Clerk apps on one host
// (two dev servers on localhost) do not read each other's.
const (
	sessionCookie   = "__session"
	clientUATCookie = "__client_uat"
)

// Bounds on a Cookie header, checked before it is parsed. Browsers keep at
// most about 180 cookies of 4 KiB per site; a header past either bound is
// hostile or broken, and is refused rather than parsed.
const (
	maxCookieHeaderBytes = 64 << 10
	// net/http's own limit is 3000 pairs, past which it silently finds no
	// cookie at all; this lower one says why the request was refused.
	maxCookiePairs = 1000
)

// cookieSuffix is @clerk/shared keys.ts getCookieSuffix: the first 8
// characters of the padded, URL-safe base64 of SHA-1(publishable key). The
// padding never reaches the first 8 characters of a 20-byte digest.
func cookieSuffix(publishableKey string) string {
	sum := sha1.Sum([]byte(publishableKey))
	return base64.URLEncoding.EncodeToString(sum[:])[:8]
}

// Reader picks the session cookie and __client_uat a request is read
// by, as Clerk's backend does (AuthenticateContext in
// packages/backend/src/tokens/authenticateContext.ts). Its zero value,
// without a publishable key, reads the plain cookies only.
type Reader struct {
	// suffixedSession and suffixedClientUAT are the instance's suffixed
	// names; "" without a publishable key.
	suffixedSession, suffixedClientUAT string
	// frontendAPI is the key's Frontend API host, as atob decodes it.
	frontendAPI string
	production  bool
}

// NewReader is the Reader of an instance's publishable key;
// an empty key reads the plain cookies only.
func NewReader(publishableKey string) (Reader, error) {
	if publishableKey == "" {
		return Reader{}, nil
	}
	frontendAPI, err := parsePublishableKey(publishableKey)
	if err != nil {
		return Reader{}, err
	}
	suffix := cookieSuffix(publishableKey)
	return Reader{
		suffixedSession:   sessionCookie + "_" + suffix,
		suffixedClientUAT: clientUATCookie + "_" + suffix,
		frontendAPI:       frontendAPI,
		production:        strings.HasPrefix(publishableKey, "pk_live_"),
	}, nil
}

// sessionCookies is the pair of cookies a request is read by; "" when
// absent.
type sessionCookies struct {
	session, clientUAT string
}

// read returns the pair of Clerk cookies the Cookie header's request is
// authenticated by: the suffixed pair when usesSuffixedCookies says so,
// else the plain one. now is the clock of its expiry test.
func (c *Reader) read(header string, now time.Time) (sessionCookies, error) {
	if header == "" {
		return sessionCookies{}, nil
	}
	jar, err := c.parse(header)
	if err != nil {
		return sessionCookies{}, err
	}
	if c.suffixedSession == "" {
		return jar.plain, nil
	}
	suffixed, err := c.usesSuffixedCookies(jar, now)
	if err != nil {
		return sessionCookies{}, err
	}
	if suffixed {
		return jar.suffixed, nil
	}
	return jar.plain, nil
}

// cookieJar is what a Cookie header holds of an instance's cookies.
type cookieJar struct {
	plain, suffixed sessionCookies
}

// parse reads the instance's cookies out of a Cookie header with net/http,
// after bounding the header's length and pairs. Where net/http and the
// `cookie` package Clerk's backend parses with (v1.1.1, in ClerkRequest)
// differ, the value Clerk would read is rebuilt:
//   - a repeated name: the first pair wins in both;
//   - a quoted value: net/http strips the quotes, `cookie` keeps them; they
//     are put back, so `__session="<token>"` is no token, as for Clerk;
//   - a percent sign: `cookie` decodes the value with decodeURIComponent
//     (keeping it as is when that fails); so does cookieValue;
//   - a malformed pair (a name that is not an HTTP token, a value with a
//     control character, '"', ';' or '\') is skipped by net/http and read
//     by `cookie`: a well-formed later pair of the same name then wins
//     here, and that pair's token must still verify;
//   - a pair without '=' is skipped by `cookie` and read by net/http as
//     an empty value, which, first, hides a later pair of that name. A
//     browser sends one only for a cookie set without a name.
func (c *Reader) parse(header string) (cookieJar, error) {
	if len(header) > maxCookieHeaderBytes {
		return cookieJar{}, tokenerr.Invalid("Cookie header of %d bytes, more than %d", len(header), maxCookieHeaderBytes)
	}
	if pairs := strings.Count(header, ";") + 1; pairs > maxCookiePairs {
		return cookieJar{}, tokenerr.Invalid("Cookie header of %d pairs, more than %d", pairs, maxCookiePairs)
	}
	var jar cookieJar
	wanted := [...]struct {
		name  string
		value *string
	}{
		{sessionCookie, &jar.plain.session},
		{clientUATCookie, &jar.plain.clientUAT},
		{c.suffixedSession, &jar.suffixed.session},
		{c.suffixedClientUAT, &jar.suffixed.clientUAT},
	}
	var found [len(wanted)]bool
	r := http.Request{Header: http.Header{"Cookie": {header}}}
	for _, cookie := range r.Cookies() {
		for i, w := range wanted {
			// net/http never reads an empty name, so an instance without
			// suffixed names matches none.
			if !found[i] && cookie.Name == w.name {
				found[i], *w.value = true, cookieValue(cookie)
			}
		}
	}
	return jar, nil
}

// cookieValue is the value Clerk's `cookie` parser reads for the pair.
func cookieValue(c *http.Cookie) string {
	// net/http trims the pair, and `cookie` also the space after '='.
	value := strings.TrimLeft(c.Value, " ")
	if c.Quoted {
		value = `"` + c.Value + `"`
	}
	if !strings.Contains(value, "%") {
		return value
	}
	// decodeURIComponent: %XX escapes only ('+' stays), and the bytes must
	// be UTF-8.
	decoded, err := url.PathUnescape(value)
	if err != nil || !utf8.ValidString(decoded) {
		return value
	}
	return decoded
}

// usesSuffixedCookies is AuthenticateContext.usesSuffixedCookies of
// @clerk/backend 3.25.0, branch for branch. The cookie tokens it reads are
// not verified: they only decide which pair is read, and the token of that
// pair is then verified and checked as any cookie token. An error is where
// Clerk's code throws (a token payload of null), failing the request.
func (c *Reader) usesSuffixedCookies(jar cookieJar, now time.Time) (bool, error) {
	suffixedClientUAT, clientUAT := jar.suffixed.clientUAT, jar.plain.clientUAT
	session, sessionOK, err := peekToken(jar.plain.session)
	if err != nil {
		return false, err
	}
	if jar.plain.session != "" {
		// A malformed plain cookie: read the plain pair, signed out, rather
		// than trust the suffixed one.
		if !sessionOK || !jsTruthy(session.iss) {
			return false, nil
		}
		// A plain token of another instance: ours can only be suffixed.
		if !c.belongsToInstance(session.iss) {
			return true, nil
		}
	}
	if suffixedClientUAT == "" && jar.suffixed.session == "" {
		return false, nil
	}
	sessionIAT := orZero(session.iat, sessionOK)
	suffixed, suffixedOK, err := peekToken(jar.suffixed.session)
	if err != nil {
		return false, err
	}
	suffixedIAT := orZero(suffixed.iat, suffixedOK)
	// Both signed in, the plain token newer.
	if suffixedClientUAT != "0" && clientUAT != "0" && sessionIAT > suffixedIAT {
		return false, nil
	}
	// Suffixed signed out, plain signed in: the plain pair is set by every
	// clerk-js version, so it is the newer.
	if suffixedClientUAT == "0" && clientUAT != "0" {
		return false, nil
	}
	// Suffixed signed in, plain signed out. In development clerk-js, not
	// Clerk's Frontend API, sets the suffixed __client_uat, and a
	// downgraded clerk-js stops updating it: an expired suffixed token is
	// then taken as stale. Clerk truncates the time with `>> 0`, the same
	// as whole Unix seconds until 2038.
	if !c.production && suffixedOK && suffixedClientUAT != "0" && clientUAT == "0" &&
		jsNumber(suffixed.exp) <= float64(now.Unix()) {
		return false, nil
	}
	// A suffixed token without its __client_uat: the suffixed cookies are
	// turned off for the instance.
	if suffixedClientUAT == "" && jar.suffixed.session != "" {
		return false, nil
	}
	return true, nil
}

// issuerScheme is the pattern Clerk's tokenBelongsToInstance strips from
// iss, everywhere in it and in any case: /https?:\/\//gi.
var issuerScheme = regexp.MustCompile(`(?i)https?://`)

// belongsToInstance is Clerk's tokenBelongsToInstance for a decoded token:
// iss is a string that is the key's Frontend API once its schemes are
// stripped. (Clerk's satellite domains, which change that Frontend API,
// are not supported here.)
func (c *Reader) belongsToInstance(iss []byte) bool {
	s, ok := jsonscan.String(iss)
	return ok && issuerScheme.ReplaceAllString(string(s), "") == c.frontendAPI
}

// tokenClaims are the raw JSON values of the claims usesSuffixedCookies
// reads; nil when absent.
type tokenClaims struct {
	iss, iat, exp []byte
}

// peekToken decodes a token without verifying it, as Clerk's decodeJwt
// does: ok says it decoded. An empty token does not decode. A payload of
// null is an error: Clerk's code reads a claim of it and throws.
func peekToken(token string) (claims tokenClaims, ok bool, err error) {
	segments := strings.Split(token, ".")
	if len(segments) != 3 {
		return tokenClaims{}, false, nil
	}
	header, headerOK := decodeLooseBase64URL(segments[0])
	payload, payloadOK := decodeLooseBase64URL(segments[1])
	_, signatureOK := decodeLooseBase64URL(segments[2])
	if !headerOK || !payloadOK || !signatureOK || !isJSONText(header) || !isJSONText(payload) {
		return tokenClaims{}, false, nil
	}
	payload = trimBOM(payload)
	obj := jsonscan.NewObject(payload)
	if !obj.Start() {
		// A number, string or array has no claims; null has no properties
		// at all.
		if string(trimJSONSpace(payload)) == "null" {
			return tokenClaims{}, false, tokenerr.Invalid("cookie token payload is null")
		}
		return tokenClaims{}, true, nil
	}
	for {
		key, value, more := obj.Next()
		if !more {
			break
		}
		// JSON.parse keeps the last of repeated keys.
		switch string(key) {
		case "iss":
			claims.iss = value
		case "iat":
			claims.iat = value
		case "exp":
			claims.exp = value
		}
	}
	return claims, true, nil
}

// decodeLooseBase64URL is Clerk's base64url.parse with loose: any number
// of trailing '=', then the base64url alphabet, with no spare character
// and zero spare bits.
func decodeLooseBase64URL(segment string) ([]byte, bool) {
	segment = strings.TrimRight(segment, "=")
	for i := 0; i < len(segment); i++ {
		if !compactjws.InAlphabet(segment[i]) {
			return nil, false
		}
	}
	if !compactjws.IsCanonical(segment) {
		return nil, false
	}
	out := make([]byte, len(segment)*6/8)
	return out[:compactjws.Decode(out, segment)], true
}

// isJSONText reports whether JSON.parse accepts the bytes once TextDecoder
// has decoded them: a leading BOM is dropped, and invalid UTF-8, which
// TextDecoder replaces, is as valid inside a string and as invalid outside
// one as its replacement.
func isJSONText(b []byte) bool { return json.Valid(trimBOM(b)) }

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		return b[3:]
	}
	return b
}

func trimJSONSpace(b []byte) []byte {
	return []byte(strings.Trim(string(b), " \t\r\n"))
}

// jsTruthy is JavaScript's !!value for a raw JSON value, nil meaning
// undefined.
func jsTruthy(value []byte) bool {
	switch {
	case value == nil || string(value) == "null" || string(value) == "false" || string(value) == `""`:
		return false
	case value[0] == '-' || value[0] >= '0' && value[0] <= '9':
		return jsNumber(value) != 0
	}
	return true
}

// orZero is a claim `|| 0`, as Clerk reads iat: 0 when the token did not
// decode or the claim is falsy.
func orZero(value []byte, decoded bool) float64 {
	if !decoded || !jsTruthy(value) {
		return 0
	}
	return jsNumber(value)
}

// jsNumber is the number JavaScript's < and <= compare a raw JSON value as
// (nil meaning undefined). Clerk's tokens carry numbers; for the rest this
// is exact but for strings, arrays and objects, all taken as NaN (which
// compares false), where JavaScript reads "5", [5] and [] as numbers and
// compares two strings as strings.
func jsNumber(value []byte) float64 {
	switch string(value) {
	case "null", "false", `""`:
		return 0
	case "true":
		return 1
	}
	if value != nil && (value[0] == '-' || value[0] >= '0' && value[0] <= '9') {
		// Out of range, ParseFloat gives ±Inf or 0 with an error, as
		// JavaScript rounds.
		f, _ := strconv.ParseFloat(string(value), 64)
		return f
	}
	return math.NaN()
}

// parsePublishableKey checks a publishable key as @clerk/shared keys.ts
// parsePublishableKey does, and returns its Frontend API host as atob
// decodes it (one character per byte). The key is pk_test_ or pk_live_ and
// the base64 of the host followed by one '$'.
//
// Unlike atob, it refuses whitespace in the key: the cookie suffix hashes
// the key as written, so a key with a stray space or newline names cookies
// the frontend's key does not.
func parsePublishableKey(key string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("PublishableKey %s is not a Clerk publishable key (pk_test_... or pk_live_...): %s", tokenerr.Quote(key), why)
	}
	if !strings.HasPrefix(key, "pk_test_") && !strings.HasPrefix(key, "pk_live_") {
		return bad("it starts with neither pk_test_ nor pk_live_")
	}
	parts := strings.Split(key, "_")
	switch {
	case len(parts) != 3:
		return bad("it has more than two '_'")
	case strings.ContainsAny(parts[2], " \t\n\f\r"):
		return bad("it contains whitespace")
	}
	decoded, ok := atob(parts[2])
	if !ok {
		return bad("it is not base64")
	}
	host, dollar := strings.CutSuffix(string(decoded), "$")
	if !dollar || strings.Contains(host, "$") || !strings.Contains(host, ".") {
		return bad("it does not decode to a host name followed by one '$'")
	}
	frontendAPI := make([]rune, len(host))
	for i := 0; i < len(host); i++ {
		frontendAPI[i] = rune(host[i])
	}
	return string(frontendAPI), nil
}

// atob is the browser's forgiving base64 decoding of text without
// whitespace: '=' only as one or two last characters of a length that is a
// multiple of 4, no spare character, spare bits ignored (the unpadded,
// non-strict decoding does the rest; it would skip '\r' and '\n', which
// parsePublishableKey has refused).
func atob(s string) ([]byte, bool) {
	if len(s)%4 == 0 {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "="), "=")
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}
