package clerkjwt

import (
	"encoding/json"
	"unicode"
	"unicode/utf8"

	"encore.app/auth/internal/jsonscan"
	"encore.app/auth/internal/tokenerr"
)

// claim is a registered claim: one that Clerk's session or machine JWTs
// carry and that this package, Clerk's backend SDK or the Go SDK's claim
// structs read. Its name is matched byte for byte.
type claim uint8

const (
	// RFC 7519's, as the Go SDK's RegisteredClaims decode them.
	claimIss claim = iota
	claimSub
	claimAud
	claimExp
	claimNbf
	claimIat
	claimJti
	// Clerk's session claims: the Go SDK's Claims and version2Claims, and
	// what Clerk's jwtPayloadParser.ts and has() read.
	claimV
	claimSid
	claimAzp
	claimSts
	claimAct
	claimFva
	claimFea
	claimPla
	claimO
	claimOrgID
	claimOrgSlug
	claimOrgRole
	claimOrgPermissions
	// Clerk's machine JWTs: M2M tokens' scopes, OAuth access tokens' scope,
	// scp and client_id (packages/backend/src/tokens/machine.ts).
	claimScopes
	claimScope
	claimScp
	claimClientID
	claimCount
)

var registeredClaims = newNameTable("", []string{
	claimIss: "iss", claimSub: "sub", claimAud: "aud", claimExp: "exp", claimNbf: "nbf", claimIat: "iat", claimJti: "jti",
	claimV: "v", claimSid: "sid", claimAzp: "azp", claimSts: "sts", claimAct: "act", claimFva: "fva",
	claimFea: "fea", claimPla: "pla", claimO: "o",
	claimOrgID: "org_id", claimOrgSlug: "org_slug", claimOrgRole: "org_role", claimOrgPermissions: "org_permissions",
	claimScopes: "scopes", claimScope: "scope", claimScp: "scp", claimClientID: "client_id",
})

// claims are the registered claims of a JWT payload, each as its raw JSON
// value (nil when absent), and the one custom claim asked for. The typed
// accessors (claims_values.go) say what a value must be; each token path
// decides which claims it needs.
type claims struct {
	raw [claimCount][]byte
	// custom is the value of the custom claim read, nil when absent.
	custom []byte
}

// read reads a payload: a JSON object whose registered claims are each
// spelled exactly and present at most once. customName, when not "",
// names one more claim to read, matched exactly and at most once too.
//
// Clerk's backend reads claims as JSON.parse gives them: exact names, the
// last of repeated ones. The Go SDK's claim structs go through Go's
// encoding/json (SessionClaims.UnmarshalJSON, RegisteredClaims.UnmarshalJSON;
// only its version2Claims, fea and o, go through go-jose's case-sensitive
// fork), which matches names case-insensitively and lets "SID" set sid.
// Refusing every key that folds onto a registered name leaves no payload
// that two readers read apart.
func (c *claims) read(payload []byte, customName string) error {
	if !json.Valid(payload) {
		return tokenerr.Invalid("token payload is not JSON")
	}
	return registeredClaims.read(payload, c.raw[:], func(key, value []byte) error {
		if customName == "" || string(key) != customName {
			return nil
		}
		if c.custom != nil {
			return tokenerr.Invalid("token claim %s is repeated", tokenerr.Quote(customName))
		}
		c.custom = value
		return nil
	})
}

// nameTable is a set of member names of a JSON object, looked up exactly
// and as Go's encoding/json folds them.
type nameTable struct {
	// object is the object's name in errors: "" for the payload, or the
	// claim that holds it.
	object string
	names  []string
	// qualified are the names as errors give them: "o.id" for o's id.
	qualified []string
	// byFold maps each name's foldName to its index in names.
	byFold map[string]int
}

func newNameTable(object string, names []string) *nameTable {
	t := &nameTable{object: object, names: names, qualified: make([]string, len(names)), byFold: make(map[string]int, len(names))}
	for i, name := range names {
		t.qualified[i] = name
		if object != "" {
			t.qualified[i] = object + "." + name
		}
		t.byFold[string(appendFolded(nil, []byte(name)))] = i
	}
	return t
}

// maxFoldedName bounds the keys worth folding: a key that folds onto a
// name has at most 3 bytes for each of the name's (a one-byte letter's
// longest fold twin, U+212A KELVIN SIGN, takes three).
const maxFoldedName = 3 * len("org_permissions")

// read reads the members of the JSON object data (checked valid) whose
// keys t names into values, indexed as t.names. A key that is another
// case of a name, or a name's second appearance, refuses the object.
// Every member is then passed to other, which may refuse it too; other
// may be nil.
func (t *nameTable) read(data []byte, values [][]byte, other func(key, value []byte) error) error {
	obj := jsonscan.NewObject(data)
	if !obj.Start() {
		return t.notAnObject()
	}
	for {
		key, value, ok := obj.Next()
		if !ok {
			break
		}
		if i, exact, found := t.find(key); found {
			switch {
			case !exact:
				return tokenerr.Invalid("token claim %s is another case of %s", tokenerr.Quote(string(key)), t.qualified[i])
			case values[i] != nil:
				return tokenerr.Invalid("token claim %s is repeated", t.qualified[i])
			}
			values[i] = value
		}
		if other != nil {
			if err := other(key, value); err != nil {
				return err
			}
		}
	}
	if obj.Err() {
		return t.notAnObject()
	}
	return nil
}

func (t *nameTable) notAnObject() error {
	if t.object == "" {
		return tokenerr.Invalid("token payload is not a JSON object")
	}
	return tokenerr.Invalid("token %s is not a JSON object", t.object)
}

// find looks a key up: found when it names an entry exactly or folds onto
// one, exact only in the first case.
func (t *nameTable) find(key []byte) (i int, exact, found bool) {
	if len(key) > maxFoldedName {
		return 0, false, false
	}
	var buf [maxFoldedName]byte
	if i, found = t.byFold[string(appendFolded(buf[:0], key))]; !found {
		return 0, false, false
	}
	return i, string(key) == t.names[i], true
}

// appendFolded appends foldName(key) of Go's encoding/json (fold.go, Go
// 1.21 and later): ASCII letters upper-cased, every other rune replaced by
// the least rune of its unicode.SimpleFold orbit, so that "ſub" (U+017F
// LATIN SMALL LETTER LONG S) folds as "sub" does. encoding/json matches a
// key to a field named name when the key is name or their foldNames are
// equal.
func appendFolded(dst, key []byte) []byte {
	for i := 0; i < len(key); {
		if c := key[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(key[i:])
		dst = utf8.AppendRune(dst, leastFold(r))
		i += n
	}
	return dst
}

// leastFold is the least rune of r's simple case-folding orbit.
func leastFold(r rune) rune {
	for {
		next := unicode.SimpleFold(r)
		if next <= r {
			return next
		}
		r = next
	}
}
