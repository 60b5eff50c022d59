package clerkauth

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// maxTokenBytes bounds the credential accepted before any hashing or
// parsing: Clerk's session tokens are well under 2 KiB, and a cap keeps
// hostile input cheap.
const maxTokenBytes = 8 << 10

// maxHeaderBytes bounds a token's decoded JOSE header. Clerk's is under
// 100 bytes; the bound is checked on the encoded length, before decoding.
const maxHeaderBytes = 1 << 10

// maxHeaderParams bounds the parameters of a token's JOSE header. Clerk's
// has four (alg, cat, kid, typ).
const maxHeaderParams = 16

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

// Token categories: Clerk signs session tokens, JWT-template tokens and M2M
// tokens with the same instance key and tells them apart by the protected
// header's cat (clerk/javascript, packages/backend/src/tokens/jwtCategories.ts).
const (
	categorySession = "cl_B7d4PD111AAA"
	// categoryIgnore is stamped on every class by instances that opted out
	// of categories, so it says nothing about the class.
	categoryIgnore = "cl_I7d4PD111III"
)

// forbiddenHeaderParams are header parameters a Clerk session token never
// carries and that ask a verifier to fetch, trust or process something the
// token chooses: an embedded or remote key (jwk, jku, x5u, x5c and its
// thumbprints), extensions it must understand (crit), an unencoded payload
// (b64). They are refused whatever their value, null included.
var forbiddenHeaderParams = [...]string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"}

// checkHeader reads and checks a token's JOSE header before go-jose sees it,
// and returns its kid ("" when absent: the key set decides what that
// means). The header must be at most maxHeaderBytes decoded, canonical
// base64url, and a JSON object of at most maxHeaderParams parameters,
// without forbidden or repeated ones, whose alg, kid, typ and cat are
// strings when present. Keys are compared exactly, escapes decoded, as
// go-jose reads them; go-jose's JSON refuses repeated keys too, so the
// header it reads and this one agree (encoding/json would take the last).
// Attacker-chosen text in the errors is quoted. It allocates only the kid.
//
// The parameters are checked as Clerk's backend SDK checks them
// (clerk/javascript, packages/backend/src):
//   - alg must be RS256: jwt/assertions.ts assertHeaderAlgorithm allows the
//     algorithms of jwt/algorithms.ts; Clerk signs with RS256 only, and
//     refusing the rest keeps "none" and HMAC-with-a-public-key tricks away
//     from the crypto.
//   - typ, when present, must be exactly "JWT": assertHeaderType, called by
//     jwt/verifyJwt.ts verifyJwt without headerType, accepts an absent typ
//     and otherwise only "JWT".
//   - cat, when present, must be the session category or the ignore value:
//     tokens/jwtCategories.ts isNonSessionJwtCategory, which
//     authenticateRequest applies to header and cookie tokens, refuses any
//     other cat (JWT templates cl_B7d4PD222AAA, M2M cl_B7d4PD333AAA, and
//     anything else, null included) but accepts an absent one, "for tokens
//     minted before the category rollout". So does this.
func checkHeader(segment string) (kid string, err error) {
	if len(segment) > (maxHeaderBytes*4+2)/3 {
		return "", invalid("token header longer than %d bytes", maxHeaderBytes)
	}
	if !isCanonicalBase64URL(segment) {
		return "", invalid("token header is not canonical base64url")
	}
	var buf [maxHeaderBytes]byte
	raw := buf[:decodeBase64URL(buf[:], segment)]
	if !json.Valid(raw) {
		return "", invalid("token header is not JSON")
	}
	// Keys seen so far, for the duplicate check; a fixed array keeps the
	// decoded header on the stack.
	var seen [maxHeaderParams][]byte
	params := 0
	var alg, typ, cat []byte
	var hasAlg, hasTyp, hasCat bool
	obj := objectReader{data: raw}
	if !obj.start() {
		return "", invalid("token header is not a JSON object")
	}
	for {
		key, value, ok := obj.next()
		if !ok {
			break
		}
		for _, forbidden := range forbiddenHeaderParams {
			if string(key) == forbidden {
				return "", invalid("token header carries %s", forbidden)
			}
		}
		for _, earlier := range seen[:params] {
			if string(earlier) == string(key) {
				return "", invalid("token header repeats %s", quote(string(key)))
			}
		}
		if params == len(seen) {
			return "", invalid("token header has more than %d parameters", len(seen))
		}
		seen[params] = key
		params++
		switch string(key) {
		case "alg", "kid", "typ", "cat":
		default:
			continue
		}
		s, isString := jsonString(value)
		if !isString {
			return "", invalid("token header %s is not a string", quote(string(key)))
		}
		switch string(key) {
		case "alg":
			alg, hasAlg = s, true
		case "kid":
			kid = string(s)
		case "typ":
			typ, hasTyp = s, true
		case "cat":
			cat, hasCat = s, true
		}
	}
	if obj.err {
		return "", invalid("token header is not a JSON object")
	}
	switch {
	case !hasAlg || string(alg) != "RS256":
		return "", invalid("token alg is %s, want RS256", quote(string(alg)))
	case hasTyp && string(typ) != "JWT":
		return "", invalid("token typ is %s, want JWT", quote(string(typ)))
	case hasCat && string(cat) != categorySession && string(cat) != categoryIgnore:
		return "", invalid("token cat is %s, not a session token's", quote(string(cat)))
	}
	return kid, nil
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

// objectReader walks the members of one JSON object. It is meant for input
// json.Valid accepts, or that a JSON decoder has already parsed; on anything
// else it stops with err set rather than guess, and it never reads out of
// bounds.
type objectReader struct {
	data  []byte
	i     int
	first bool
	done  bool
	err   bool
}

// start reads the opening brace.
func (r *objectReader) start() bool {
	r.skipSpace()
	if r.i >= len(r.data) || r.data[r.i] != '{' {
		r.err, r.done = true, true
		return false
	}
	r.i++
	r.first = true
	return true
}

// next returns the next member: its key, unescaped, and its value as raw
// JSON. ok is false after the last member and on malformed input, which
// also sets err.
func (r *objectReader) next() (key, value []byte, ok bool) {
	if r.done {
		return nil, nil, false
	}
	r.skipSpace()
	if r.i < len(r.data) && r.data[r.i] == '}' {
		r.i++
		r.done = true
		r.skipSpace()
		r.err = r.i != len(r.data)
		return nil, nil, false
	}
	if !r.first {
		if r.i >= len(r.data) || r.data[r.i] != ',' {
			return r.fail()
		}
		r.i++
		r.skipSpace()
	}
	r.first = false
	end := endOfString(r.data, r.i)
	if end < 0 {
		return r.fail()
	}
	if key, ok = unquote(r.data[r.i:end]); !ok {
		return r.fail()
	}
	r.i = end
	r.skipSpace()
	if r.i >= len(r.data) || r.data[r.i] != ':' {
		return r.fail()
	}
	r.i++
	r.skipSpace()
	if end = endOfValue(r.data, r.i); end < 0 {
		return r.fail()
	}
	value = r.data[r.i:end]
	r.i = end
	return key, value, true
}

func (r *objectReader) fail() ([]byte, []byte, bool) {
	r.err, r.done = true, true
	return nil, nil, false
}

func (r *objectReader) skipSpace() {
	for r.i < len(r.data) {
		switch r.data[r.i] {
		case ' ', '\t', '\r', '\n':
			r.i++
		default:
			return
		}
	}
}

// endOfString is the index just past the JSON string starting at data[i],
// or -1.
func endOfString(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// endOfValue is the index just past the JSON value starting at data[i], or
// -1.
func endOfValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return endOfString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				if i = endOfString(data, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	start := i
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if i == start {
				return -1
			}
			return i
		}
		i++
	}
	return -1
}

// unquote decodes a JSON string literal. Plain ASCII without escapes, the
// usual case, is returned in place; anything else goes through
// encoding/json, so escapes and non-ASCII bytes read exactly as a JSON
// decoder reads them.
func unquote(literal []byte) ([]byte, bool) {
	if len(literal) < 2 || literal[0] != '"' || literal[len(literal)-1] != '"' {
		return nil, false
	}
	inner := literal[1 : len(literal)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return inner, true
	}
	var s string
	// A copy, so literal (often a stack buffer) does not escape.
	if json.Unmarshal(bytes.Clone(literal), &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// jsonString is the content of a raw JSON value when it is a string.
func jsonString(value []byte) ([]byte, bool) {
	if len(value) == 0 || value[0] != '"' {
		return nil, false
	}
	return unquote(value)
}

// jsonKind names the type of a raw JSON value, for logs.
func jsonKind(value []byte) string {
	if len(value) == 0 {
		return "absent"
	}
	switch value[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
