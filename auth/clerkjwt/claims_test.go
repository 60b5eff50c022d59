package clerkjwt

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/internal/tokenerr"
)

// caseVariants are keys Go's encoding/json would decode as name: other
// cases of it, and its letters s and k swapped for their non-ASCII fold
// twins (U+017F LATIN SMALL LETTER LONG S, U+212A KELVIN SIGN).
func caseVariants(name string) []string {
	variants := []string{strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]}
	if strings.ContainsAny(name, "sk") {
		variants = append(variants, strings.NewReplacer("s", "\u017f", "k", "\u212a").Replace(name))
	}
	return variants
}

// decodesAs reports whether encoding/json decodes {key: 1} into a struct
// field whose JSON name is name.
func decodesAs(t *testing.T, key, name string) bool {
	t.Helper()
	typ := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeFor[*int](), Tag: reflect.StructTag(`json:"` + name + `"`)}})
	v := reflect.New(typ)
	payload, _ := json.Marshal(map[string]int{key: 1})
	if err := json.Unmarshal(payload, v.Interface()); err != nil {
		t.Fatal(err)
	}
	return !v.Elem().Field(0).IsNil()
}

// appendFolded must be encoding/json's own matching: the variants decode
// as the name, and other names do not.
func TestAppendFoldedIsEncodingJSONMatching(t *testing.T) {
	names := append(append([]string{}, registeredClaims.names...), orgMembers.names...)
	for _, name := range names {
		keys := append(caseVariants(name), name, name+"_", "x"+name, "\u212a"+name, strings.ReplaceAll(name, "_", "-"))
		for _, key := range keys {
			folds := string(appendFolded(nil, []byte(key))) == string(appendFolded(nil, []byte(name)))
			if decodes := decodesAs(t, key, name); folds != decodes {
				t.Errorf("key %q, name %q: folds %v, but encoding/json decodes it as the name: %v", key, name, folds, decodes)
			}
		}
	}
}

// The names include every one the Go SDK's exported claim structs decode,
// so a claim the SDK adds must be added to the table. (Its unexported
// version2Claims decodes fea and o, which are there.)
func TestRegisteredClaimsCoverTheSDKStructs(t *testing.T) {
	var names []string
	for _, typ := range []reflect.Type{reflect.TypeFor[clerk.RegisteredClaims](), reflect.TypeFor[clerk.Claims]()} {
		for i := range typ.NumField() {
			if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
				names = append(names, name)
			}
		}
	}
	if len(names) < 16 {
		t.Fatalf("found only %q in the SDK's claim structs", names)
	}
	for _, name := range registeredClaims.names {
		if 3*len(name) > maxFoldedName {
			t.Errorf("%s: its fold twins may be longer than maxFoldedName", name)
		}
	}
	for _, name := range append(names, "fea", "o") {
		if _, exact, found := registeredClaims.find([]byte(name)); !found || !exact {
			t.Errorf("the Go SDK decodes %q, which is not a registered claim", name)
		}
	}
}

// Every registered claim, of the payload or of o, refuses a payload that
// spells it in another case, alone or beside the exact spelling, and one
// that repeats it. The exact spelling is read, escapes decoded.
func TestReadRefusesOtherCasesAndRepeats(t *testing.T) {
	check := func(t *testing.T, table *nameTable, wrap func(members string) string) {
		for i, name := range table.names {
			values := make([][]byte, len(table.names))
			escaped := `"` + jsonEscape(name[0]) + name[1:] + `"`
			if err := table.read([]byte(wrap(escaped+`:"x"`)), values, nil); err != nil || string(values[i]) != `"x"` {
				t.Errorf("%s spelled %s: error %v, value %s", name, escaped, err, values[i])
			}
			bad := []string{`"` + name + `":1,"` + name + `":2`}
			for _, variant := range caseVariants(name) {
				bad = append(bad, `"`+variant+`":1`, `"`+name+`":1,"`+variant+`":2`, `"`+variant+`":1,"`+name+`":2`)
			}
			for _, members := range bad {
				err := table.read([]byte(wrap(members)), make([][]byte, len(table.names)), nil)
				if !errors.Is(err, tokenerr.ErrInvalidToken) {
					t.Errorf("%s accepted: %v", wrap(members), err)
				}
			}
		}
	}
	t.Run("payload", func(t *testing.T) { check(t, registeredClaims, func(m string) string { return "{" + m + "}" }) })
	t.Run("o", func(t *testing.T) { check(t, orgMembers, func(m string) string { return "{" + m + "}" }) })
}

// jsonEscape is the \u00XX escape of an ASCII byte.
func jsonEscape(b byte) string {
	const hex = "0123456789abcdef"
	return `\u00` + string(hex[b>>4]) + string(hex[b&15])
}

func TestReadPayload(t *testing.T) {
	var c claims
	err := c.read([]byte(`{"sub":"user_1","email":"a@example.com","Email":"b@example.com","custom":{"SUB":1}}`), "email")
	if err != nil || string(c.raw[claimSub]) != `"user_1"` || string(c.custom) != `"a@example.com"` {
		t.Fatalf("error %v, sub %s, email %s", err, c.raw[claimSub], c.custom)
	}
	for _, payload := range []string{
		`{"email":"a@example.com","email":"b@example.com"}`, // the custom claim at most once
		`["sub"]`, `nope`, `{"sub":"user_1"} {}`, `{"sub":"user_1",}`, ``,
		`{"sub":"user_1","x":nope}`, `{"sub":"user_1","x":[1,,]}`, `{"sub":"user_1","x":{"a"}}`,
	} {
		var c claims
		if err := c.read([]byte(payload), "email"); !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Errorf("%s: error %v", payload, err)
		}
	}
	// Without a custom claim, a repeated unregistered claim is not read.
	if err := new(claims).read([]byte(`{"email":1,"email":2}`), ""); err != nil {
		t.Errorf("unread claim repeated: %v", err)
	}
}

func TestNumericDate(t *testing.T) {
	for raw, want := range map[string]int64{
		"1700000000": 1700000000, "1.7e9": 1700000000, "1700000000.0": 1700000000,
		"0": 0, "-0": 0, "8640000000000": 8640000000000,
	} {
		got, present, err := numericDate("exp", []byte(raw))
		if err != nil || !present || got != want {
			t.Errorf("%s: %d %v %v, want %d", raw, got, present, err, want)
		}
	}
	for _, raw := range []string{
		"1700000000.5", "-1", "8640000000001", "1e20", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "1e400", "null", `"1700000000"`, "true", "[1]",
	} {
		if _, _, err := numericDate("exp", []byte(raw)); !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Errorf("%s: error %v", raw, err)
		}
	}
	if _, present, err := numericDate("nbf", nil); present || err != nil {
		t.Errorf("absent: %v %v", present, err)
	}
}

func TestIsVersion2(t *testing.T) {
	for raw, want := range map[string]bool{
		"2": true, "2.0": true, "2e0": true, "0.2e1": true,
		"1": false, "3": false, "0": false, "-2": false, "2.5": false, "null": false, "": false,
	} {
		var value []byte
		if raw != "" {
			value = []byte(raw)
		}
		if got, err := isVersion2(value); got != want || err != nil {
			t.Errorf("v %q: %v %v, want %v", raw, got, err, want)
		}
	}
	for _, raw := range []string{`"2"`, "true", "[2]", "{}"} {
		if _, err := isVersion2([]byte(raw)); !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Errorf("v %s: error %v", raw, err)
		}
	}
}

func TestFactorAges(t *testing.T) {
	for raw, want := range map[string][]int{
		"[0,-1]": {0, -1}, "[5, 10]": {5, 10}, "[-1,-1]": {-1, -1}, " [ 1e3 , -1.0 ] ": {1000, -1},
		"[-0,0]": {0, 0}, "[9007199254740993,0]": {9007199254740992, 0}, "[9223372036854774784,0]": {9223372036854774784, 0},
		// Not two whole ages of -1 or more within int: nil.
		"[1]": nil, "[1,2,3]": nil, "[]": nil, `"1,2"`: nil, `{"0":1,"1":2}`: nil, "[1.5,2]": nil, "[-2,0]": nil,
		`["1",2]`: nil, "[null,2]": nil, "[true,2]": nil, "[1e19,0]": nil, "[9223372036854775808,0]": nil,
		"[1e400,0]": nil, "null": nil, "[[1],2]": nil, "[1,2]x": nil, "[1,,2]": nil,
	} {
		if got := factorAges([]byte(raw)); !reflect.DeepEqual(got, want) {
			t.Errorf("fva %s: %v, want %v", raw, got, want)
		}
	}
	if got := factorAges(nil); got != nil {
		t.Errorf("absent fva: %v", got)
	}
}

func TestStringArray(t *testing.T) {
	got, err := stringArray("org_permissions", []byte(` [ "org:a:read" , "org:b:\u0041" ] `))
	if err != nil || !reflect.DeepEqual(got, []string{"org:a:read", "org:b:A"}) {
		t.Fatalf("%q %v", got, err)
	}
	for _, raw := range []string{"null", "[]"} {
		if got, err := stringArray("org_permissions", []byte(raw)); len(got) != 0 || err != nil {
			t.Errorf("%s: %q %v", raw, got, err)
		}
	}
	for _, raw := range []string{`"org:a:read"`, `[1]`, `["a",null]`, `{"a":"b"}`, `["a"`} {
		if _, err := stringArray("org_permissions", []byte(raw)); !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Errorf("%s: error %v", raw, err)
		}
	}
}
