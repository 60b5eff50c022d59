package clerkauth

import (
	"strings"
	"time"
)

// maxTokenBytes bounds the credential accepted before any hashing or
// parsing: Clerk's session tokens are well under 2 KiB, and a cap keeps
// hostile input cheap.
const maxTokenBytes = 8 << 10

// requestCredential is credential for a whole request: the header's token,
// or, when the header is blank, the session cookie of the pair cookies
// picks out of the Cookie header, with that pair's __client_uat. The
// cookies are not even parsed when the header is there, so a hostile
// Cookie header costs a header-token request nothing.
func requestCredential(r Request, cookies *cookieReader, now func() time.Time) (token, clientUAT string, fromCookie bool, err error) {
	var pair sessionCookies
	if strings.TrimSpace(r.Authorization) == "" {
		if pair, err = cookies.read(r.Cookie, now()); err != nil {
			return "", "", false, err
		}
	}
	token, fromCookie, err = credential(r.Authorization, pair.session)
	return token, pair.clientUAT, fromCookie, err
}

// credential picks the session token out of the Authorization header value
// and the __session cookie value: the header wins when it is present, and
// its scheme must be Bearer (matched case-insensitively, surrounding space
// tolerated). fromCookie says where the token came from: cookie tokens get
// the checks of an ambient credential.
//
// This is the one length check: it comes before the token is hashed for the
// verified-token cache and before any parsing. The shape check is deferred
// to the verifier, since a token found in the cache was checked when it was
// verified.
func credential(authorization, sessionCookie string) (token string, fromCookie bool, err error) {
	token, fromCookie = strings.TrimSpace(sessionCookie), true
	if value := strings.TrimSpace(authorization); value != "" {
		scheme, rest, found := strings.Cut(value, " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return "", false, invalid("authorization scheme is not Bearer")
		}
		token, fromCookie = strings.TrimSpace(rest), false
	}
	if token == "" {
		return "", false, ErrNoCredentials
	}
	if len(token) > maxTokenBytes {
		return "", false, invalid("token longer than %d bytes", maxTokenBytes)
	}
	return token, fromCookie, nil
}

// checkTokenShape refuses what cannot be a compact JWS before any decoding:
// not three non-empty segments of the base64url alphabet. This also keeps
// the JSON serialization, which go-jose would otherwise accept, out of the
// verifier. It returns the three segments.
func checkTokenShape(token string) (header, payload, signature string, err error) {
	segments, segmentStart := 0, 0
	var cuts [2]int
	for i := 0; i <= len(token); i++ {
		if i < len(token) && token[i] != '.' {
			if !base64URLAlphabet[token[i]] {
				return "", "", "", invalid("token has a character outside base64url")
			}
			continue
		}
		if i == segmentStart {
			return "", "", "", invalid("token has an empty segment")
		}
		if segments < len(cuts) {
			cuts[segments] = i
		}
		segments, segmentStart = segments+1, i+1
	}
	if segments != 3 {
		return "", "", "", invalid("token has %d segments, want 3", segments)
	}
	return token[:cuts[0]], token[cuts[0]+1 : cuts[1]], token[cuts[1]+1:], nil
}

// base64URLAlphabet holds the bytes of the unpadded base64url alphabet.
var base64URLAlphabet = byteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

// clerkIDAlphabet holds the bytes a Clerk ID (user_2abc, sess_2xyz) may
// contain: letters, digits, '_' and '-'. It happens to equal the base64url
// alphabet; it is a separate set because it answers a separate question
// (what may go into a Backend API path).
var clerkIDAlphabet = byteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

func byteSet(chars string) (set [256]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

// isClerkID reports whether s is a plain identifier such as user_2abc.
func isClerkID(s string) bool {
	for i := 0; i < len(s); i++ {
		if !clerkIDAlphabet[s[i]] {
			return false
		}
	}
	return s != ""
}

// isCanonicalBase64URL reports whether a segment of base64url characters
// (checkTokenShape has checked the alphabet) is the one unpadded spelling of
// its bytes, as base64.RawURLEncoding.Strict() requires: a length that is
// not 1 more than a multiple of 4, and zero spare bits in the last
// character. go-jose decodes loosely and ignores those bits, so without this
// check one signature would have several spellings.
func isCanonicalBase64URL(segment string) bool {
	var spareBits byte
	switch len(segment) % 4 {
	case 1:
		return false
	case 2:
		spareBits = 0x0f
	case 3:
		spareBits = 0x03
	default:
		return true
	}
	return base64URLValue(segment[len(segment)-1])&spareBits == 0
}

// base64URLValue is the 6-bit value of a base64url character.
func base64URLValue(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case c >= '0' && c <= '9':
		return c - '0' + 52
	case c == '-':
		return 62
	}
	return 63 // '_'
}

// decodeBase64URL decodes a canonical base64url segment of checked alphabet
// into dst, which is long enough, without allocating; it returns the number
// of bytes written.
func decodeBase64URL(dst []byte, segment string) int {
	n, acc, bits := 0, uint(0), uint(0)
	for i := 0; i < len(segment); i++ {
		acc = acc<<6 | uint(base64URLValue(segment[i]))
		if bits += 6; bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	return n
}
