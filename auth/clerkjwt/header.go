package clerkjwt

import (
	"encoding/json"

	"encore.app/auth/internal/compactjws"
	"encore.app/auth/internal/jsonscan"
	"encore.app/auth/internal/tokenerr"
)

// maxHeaderBytes bounds a token's decoded JOSE header. Clerk's is under
// 100 bytes; the bound is checked on the encoded length, before decoding.
const maxHeaderBytes = 1 << 10

// maxHeaderParams bounds the parameters of a token's JOSE header. Clerk's
// has four (alg, cat, kid, typ).
const maxHeaderParams = 16

// Token categories: Clerk signs session tokens, JWT-template tokens and M2M
// tokens with the same instance key and tells them apart by the protected
// header's cat (clerk/javascript, packages/backend/src/tokens/jwtCategories.ts).
const (
	categorySession = "cl_B7d4PD111AAA"
	// categoryIgnore is stamped on every class by instances that opted out
	// of categories, so it says nothing about the class.
	categoryIgnore = "cl_I7d4PD111III"
	categoryM2M    = "cl_B7d4PD333AAA"
)

// tokenHeader is what a checked JOSE header says about its token.
type tokenHeader struct {
	// kid names the signing key; "" when absent (the key set decides what
	// that means).
	kid string
	// accessToken: typ is RFC 9068's at+jwt or application/at+jwt, which
	// Clerk's OAuth access tokens carry (OAUTH_ACCESS_TOKEN_TYPES in
	// tokens/machine.ts). Otherwise typ is JWT or absent.
	accessToken bool
	// category is cat: "" when absent, else categorySession (the ignore
	// value included) or categoryM2M.
	category string
}

// forbiddenHeaderParams are header parameters a Clerk session token never
// carries and that ask a verifier to fetch, trust or process something the
// token chooses: an embedded or remote key (jwk, jku, x5u, x5c and its
// thumbprints), extensions it must understand (crit), an unencoded payload
// (b64). They are refused whatever their value, null included.
var forbiddenHeaderParams = [...]string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"}

// checkHeader reads and checks a token's JOSE header, the only reading of
// it, and returns what it says (tokenHeader). The header must be at most maxHeaderBytes decoded, canonical
// base64url, and a JSON object of at most maxHeaderParams parameters,
// without forbidden or repeated ones, whose alg, kid, typ and cat are
// strings when present. Keys are compared exactly, escapes decoded, as
// JSON.parse reads them in Clerk's backend; a repeated key, which JSON.parse
// would read as its last value, is refused. Attacker-chosen text in the
// errors is quoted. It allocates only the kid.
//
// The parameters are checked as Clerk's backend SDK checks them
// (clerk/javascript, packages/backend/src):
//   - alg must be RS256: jwt/assertions.ts assertHeaderAlgorithm allows the
//     algorithms of jwt/algorithms.ts; Clerk signs with RS256 only, and
//     refusing the rest keeps "none" and HMAC-with-a-public-key tricks away
//     from the crypto.
//   - typ, when present, must be exactly "JWT" or an OAuth access token's
//     at+jwt or application/at+jwt: assertHeaderType, called by
//     jwt/verifyJwt.ts verifyJwt, accepts an absent typ and otherwise only
//     the types the token's kind allows; tokenKind (claims_machine.go) pairs them.
//   - cat, when present, must be the session category, the ignore value or
//     the M2M category: tokens/jwtCategories.ts isNonSessionJwtCategory
//     refuses any other cat for session tokens (JWT templates
//     cl_B7d4PD222AAA and anything else, null included) but accepts an
//     absent one, "for tokens minted before the category rollout";
//     verifyM2MJwt accepts only an absent or M2M cat. No kind of token
//     accepts the rest, so they are refused here.
func checkHeader(segment string) (h tokenHeader, err error) {
	if len(segment) > (maxHeaderBytes*4+2)/3 {
		return tokenHeader{}, tokenerr.Invalid("token header longer than %d bytes", maxHeaderBytes)
	}
	if !compactjws.IsCanonical(segment) {
		return tokenHeader{}, tokenerr.Invalid("token header is not canonical base64url")
	}
	var buf [maxHeaderBytes]byte
	raw := buf[:compactjws.Decode(buf[:], segment)]
	if !json.Valid(raw) {
		return tokenHeader{}, tokenerr.Invalid("token header is not JSON")
	}
	// Keys seen so far, for the duplicate check; a fixed array keeps the
	// decoded header on the stack.
	var seen [maxHeaderParams][]byte
	params := 0
	var alg, typ, cat []byte
	var hasAlg, hasTyp, hasCat bool
	obj := jsonscan.NewObject(raw)
	if !obj.Start() {
		return tokenHeader{}, tokenerr.Invalid("token header is not a JSON object")
	}
	for {
		key, value, ok := obj.Next()
		if !ok {
			break
		}
		for _, forbidden := range forbiddenHeaderParams {
			if string(key) == forbidden {
				return tokenHeader{}, tokenerr.Invalid("token header carries %s", forbidden)
			}
		}
		for _, earlier := range seen[:params] {
			if string(earlier) == string(key) {
				return tokenHeader{}, tokenerr.Invalid("token header repeats %s", tokenerr.Quote(string(key)))
			}
		}
		if params == len(seen) {
			return tokenHeader{}, tokenerr.Invalid("token header has more than %d parameters", len(seen))
		}
		seen[params] = key
		params++
		switch string(key) {
		case "alg", "kid", "typ", "cat":
		default:
			continue
		}
		s, isString := jsonscan.String(value)
		if !isString {
			return tokenHeader{}, tokenerr.Invalid("token header %s is not a string", tokenerr.Quote(string(key)))
		}
		switch string(key) {
		case "alg":
			alg, hasAlg = s, true
		case "kid":
			h.kid = string(s)
		case "typ":
			typ, hasTyp = s, true
		case "cat":
			cat, hasCat = s, true
		}
	}
	if obj.Err() {
		return tokenHeader{}, tokenerr.Invalid("token header is not a JSON object")
	}
	if !hasAlg || string(alg) != "RS256" {
		return tokenHeader{}, tokenerr.Invalid("token alg is %s, want RS256", tokenerr.Quote(string(alg)))
	}
	switch {
	case !hasTyp || string(typ) == "JWT":
	case string(typ) == "at+jwt" || string(typ) == "application/at+jwt":
		h.accessToken = true
	default:
		return tokenHeader{}, tokenerr.Invalid("token typ is %s, want JWT or at+jwt", tokenerr.Quote(string(typ)))
	}
	switch {
	case !hasCat:
	case string(cat) == categorySession || string(cat) == categoryIgnore:
		h.category = categorySession
	case string(cat) == categoryM2M:
		h.category = categoryM2M
	default:
		return tokenHeader{}, tokenerr.Invalid("token cat is %s, not a session or M2M token's", tokenerr.Quote(string(cat)))
	}
	return h, nil
}
