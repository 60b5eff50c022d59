package clerkauth

import "encoding/json"

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
)

// forbiddenHeaderParams are header parameters a Clerk session token never
// carries and that ask a verifier to fetch, trust or process something the
// token chooses: an embedded or remote key (jwk, jku, x5u, x5c and its
// thumbprints), extensions it must understand (crit), an unencoded payload
// (b64). They are refused whatever their value, null included.
var forbiddenHeaderParams = [...]string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"}

// checkHeader reads and checks a token's JOSE header, the only reading of
// it, and returns its kid ("" when absent: the key set decides what that
// means). The header must be at most maxHeaderBytes decoded, canonical
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
