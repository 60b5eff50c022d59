package clerkjwt

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"encore.app/auth/internal/tokenerr"
)

// header encodes a raw JSON header as a token's first segment.
func header(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }

const clerkHeader = `{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_abc","typ":"JWT"}`

func TestCheckHeader(t *testing.T) {
	accepted := []struct{ name, raw, kid string }{
		{"Clerk's header", clerkHeader, "ins_abc"},
		{"no typ", `{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_abc"}`, "ins_abc"},
		{"no cat (older tokens)", `{"alg":"RS256","kid":"ins_abc","typ":"JWT"}`, "ins_abc"},
		{"ignore category", `{"alg":"RS256","cat":"cl_I7d4PD111III","kid":"ins_abc","typ":"JWT"}`, "ins_abc"},
		{"spaces", " {\n\t\"alg\" : \"RS256\" , \"kid\":\"ins_abc\" } \r\n", "ins_abc"},
		{"escaped values", `{"alg":"RS\u0032\u00356","kid":"ins_\u0061bc","typ":"J\u0057T"}`, "ins_abc"},
		{"other parameters", `{"alg":"RS256","kid":"ins_abc","x":{"a":[1,"}",{"b":null}]},"n":-1.5e3,"t":true,"z":"\"}"}`, "ins_abc"},
		{"16 parameters", `{"alg":"RS256","kid":"ins_abc","a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1,"l":1,"m":1,"n":1}`, "ins_abc"},
		{"exactly 1 KiB", headerOfSize(maxHeaderBytes), "ins_abc"},
		{"a non-ASCII parameter and kid", `{"alg":"RS256","kid":"ins_é","é":1}`, "ins_é"},
		{"jwk-like parameters", `{"alg":"RS256","kid":"ins_abc","JWK":1,"jwks":1,"x5t#s256":1}`, "ins_abc"},
		{"no kid (static keys)", `{"alg":"RS256"}`, ""},
		{"OAuth access token", `{"alg":"RS256","kid":"ins_abc","typ":"at+jwt"}`, "ins_abc"},
		{"OAuth access token, media type", `{"alg":"RS256","kid":"ins_abc","typ":"application/at+jwt"}`, "ins_abc"},
		{"cat M2M", `{"alg":"RS256","cat":"cl_B7d4PD333AAA","kid":"ins_abc","typ":"JWT"}`, "ins_abc"},
	}
	for _, tt := range accepted {
		h, err := checkHeader(header(tt.raw))
		if err != nil || h.kid != tt.kid {
			t.Errorf("%s: kid %q, %v; want %q", tt.name, h.kid, err, tt.kid)
		}
	}
	// What the header says of the token's kind, for tokenKind.
	for raw, want := range map[string]tokenHeader{
		clerkHeader: {kid: "ins_abc", category: categorySession},
		`{"alg":"RS256","cat":"cl_I7d4PD111III"}`:                            {category: categorySession},
		`{"alg":"RS256","cat":"cl_B7d4PD333AAA"}`:                            {category: categoryM2M},
		`{"alg":"RS256","typ":"at+jwt"}`:                                     {accessToken: true},
		`{"alg":"RS256","typ":"application/at+jwt","cat":"cl_B7d4PD111AAA"}`: {accessToken: true, category: categorySession},
		`{"alg":"RS256","typ":"JWT"}`:                                        {},
	} {
		if h, err := checkHeader(header(raw)); err != nil || h != want {
			t.Errorf("%s: %+v, %v; want %+v", raw, h, err, want)
		}
	}

	refused := map[string]string{
		"typ other":            `{"alg":"RS256","kid":"ins_abc","typ":"at+JWT"}`,
		"typ JOSE":             `{"alg":"RS256","kid":"ins_abc","typ":"JOSE"}`,
		"typ lower case":       `{"alg":"RS256","kid":"ins_abc","typ":"jwt"}`,
		"typ empty":            `{"alg":"RS256","kid":"ins_abc","typ":""}`,
		"typ null":             `{"alg":"RS256","kid":"ins_abc","typ":null}`,
		"typ number":           `{"alg":"RS256","kid":"ins_abc","typ":1}`,
		"cat JWT template":     `{"alg":"RS256","cat":"cl_B7d4PD222AAA","kid":"ins_abc","typ":"JWT"}`,
		"cat M2M lower case":   `{"alg":"RS256","cat":"cl_b7d4pd333aaa","kid":"ins_abc","typ":"JWT"}`,
		"cat empty":            `{"alg":"RS256","cat":"","kid":"ins_abc"}`,
		"cat null":             `{"alg":"RS256","cat":null,"kid":"ins_abc"}`,
		"cat array":            `{"alg":"RS256","cat":["cl_B7d4PD111AAA"],"kid":"ins_abc"}`,
		"alg absent":           `{"kid":"ins_abc"}`,
		"alg null":             `{"alg":null,"kid":"ins_abc"}`,
		"alg HS256":            `{"alg":"HS256","kid":"ins_abc"}`,
		"alg lower case":       `{"alg":"rs256","kid":"ins_abc"}`,
		"kid number":           `{"alg":"RS256","kid":5}`,
		"kid null":             `{"alg":"RS256","kid":null}`,
		"jwk":                  `{"alg":"RS256","kid":"ins_abc","jwk":{"kty":"RSA"}}`,
		"jwk null":             `{"alg":"RS256","kid":"ins_abc","jwk":null}`,
		"jku":                  `{"alg":"RS256","kid":"ins_abc","jku":"https://evil.example/jwks"}`,
		"x5u":                  `{"alg":"RS256","kid":"ins_abc","x5u":null}`,
		"x5c":                  `{"alg":"RS256","kid":"ins_abc","x5c":[]}`,
		"x5t":                  `{"alg":"RS256","kid":"ins_abc","x5t":""}`,
		"x5t#S256":             `{"alg":"RS256","kid":"ins_abc","x5t#S256":0}`,
		"crit":                 `{"alg":"RS256","kid":"ins_abc","crit":[]}`,
		"b64":                  `{"alg":"RS256","kid":"ins_abc","b64":true}`,
		"escaped jwk":          `{"alg":"RS256","kid":"ins_abc","\u006awk":null}`,
		"duplicate alg":        `{"alg":"RS256","alg":"RS256","kid":"ins_abc"}`,
		"duplicate kid":        `{"alg":"RS256","kid":"ins_abc","kid":"ins_xyz"}`,
		"escaped duplicate":    `{"alg":"RS256","\u0061lg":"HS256","kid":"ins_abc"}`,
		"duplicate other":      `{"alg":"RS256","kid":"ins_abc","x":1,"x":2}`,
		"17 parameters":        `{"alg":"RS256","kid":"ins_abc","a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1,"l":1,"m":1,"n":1,"o":1}`,
		"1 KiB + 1":            headerOfSize(maxHeaderBytes + 1),
		"not JSON":             `{nope`,
		"array":                `["alg","RS256"]`,
		"string":               `"alg"`,
		"null":                 `null`,
		"empty":                ``,
		"trailing data":        `{"alg":"RS256","kid":"ins_abc"}{}`,
		"trailing comma":       `{"alg":"RS256","kid":"ins_abc",}`,
		"control in a value":   "{\"alg\":\"RS256\",\"kid\":\"ins\nabc\"}",
		"two objects":          `{"alg":"RS256"} {"kid":"ins_abc"}`,
		"number key":           `{1:"RS256"}`,
		"single quotes":        `{'alg':'RS256'}`,
		"unterminated string":  `{"alg":"RS256`,
		"unterminated object":  `{"alg":"RS256","x":{"a":1}`,
		"unescaped quote kid":  `{"alg":"RS256","kid":"a"b"}`,
		"invalid escape":       `{"alg":"RS256","kid":"\x"}`,
		"lone surrogate alg":   `{"alg":"RS256\ud800"}`,
		"value without colon":  `{"alg" "RS256"}`,
		"JSON with a BOM":      "\ufeff" + `{"alg":"RS256"}`,
		"NaN":                  `{"alg":"RS256","n":NaN}`,
		"deep nesting, broken": `{"alg":"RS256","x":[[[[[[[[[[[[}`,
	}
	for name, raw := range refused {
		if _, err := checkHeader(header(raw)); !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", name, err)
		}
	}

	// One header, one spelling.
	if _, err := checkHeader(respellSegment(header(`{"alg":"RS256","kid":"ins_abc"}`))); !errors.Is(err, tokenerr.ErrInvalidToken) {
		t.Errorf("non-canonical header accepted: %v", err)
	}
}

// headerOfSize is a valid header of exactly n bytes.
func headerOfSize(n int) string {
	const start, end = `{"alg":"RS256","kid":"ins_abc","p":"`, `"}`
	return start + strings.Repeat("x", n-len(start)-len(end)) + end
}

const base64URLChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// respellSegment changes a spare bit of the last character of an unpadded
// base64url segment whose length is 2 or 3 more than a multiple of 4.
func respellSegment(segment string) string {
	last := strings.IndexByte(base64URLChars, segment[len(segment)-1])
	return segment[:len(segment)-1] + string(base64URLChars[last^1])
}

// The reasons name what the token chose only quoted: cut short, without
// control characters.
func TestCheckHeaderQuotesWhatTheTokenChose(t *testing.T) {
	hostile := strings.Repeat("A\n\x1b[31m\u2028", 25)
	for _, raw := range []string{
		`{"alg":` + jsonQuote(hostile) + `}`,
		`{"alg":"RS256","typ":` + jsonQuote(hostile) + `}`,
		`{"alg":"RS256","cat":` + jsonQuote(hostile) + `}`,
		`{"alg":"RS256",` + jsonQuote(hostile) + `:1,` + jsonQuote(hostile) + `:2}`,
	} {
		_, err := checkHeader(header(raw))
		if !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Fatalf("accepted: %.60s", raw)
		}
		if msg := err.Error(); len(msg) > 160 || strings.ContainsAny(msg, "\n\x1b\u2028") {
			t.Fatalf("reason not quoted: %q", msg)
		}
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// checkHeader decodes the header in a stack buffer: only the kid it
// returns is allocated.
func TestCheckHeaderAllocations(t *testing.T) {
	segment := header(clerkHeader)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := checkHeader(segment); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Fatalf("checkHeader allocates %v times, want at most 1 (the kid)", n)
	}
}

// referenceHeader is checkHeader written with encoding/json's tokenizer,
// slow and obviously right: the fuzz target compares the two.
func referenceHeader(raw []byte) (kid string, ok bool) {
	if len(raw) > maxHeaderBytes || !json.Valid(raw) {
		return "", false
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	values := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return "", false
		}
		if _, repeated := values[key]; repeated {
			return "", false
		}
		values[key] = value
	}
	if _, err := dec.Token(); err != nil {
		return "", false
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", false
	}
	if len(values) > maxHeaderParams {
		return "", false
	}
	for _, name := range forbiddenHeaderParams {
		if _, present := values[name]; present {
			return "", false
		}
	}
	str := func(name string) (string, bool, bool) { // value, present, valid
		v, present := values[name]
		if !present {
			return "", false, true
		}
		var s string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
			return "", true, false
		}
		return s, true, true
	}
	alg, hasAlg, algOK := str("alg")
	kid, _, kidOK := str("kid")
	typ, hasTyp, typOK := str("typ")
	cat, hasCat, catOK := str("cat")
	switch {
	case !algOK || !kidOK || !typOK || !catOK:
		return "", false
	case !hasAlg || alg != "RS256":
		return "", false
	case hasTyp && typ != "JWT" && typ != "at+jwt" && typ != "application/at+jwt":
		return "", false
	case hasCat && cat != categorySession && cat != categoryIgnore && cat != categoryM2M:
		return "", false
	}
	return kid, true
}

// FuzzCheckHeader: checkHeader agrees with the encoding/json reference on
// any header, never panics, and reads the same kid.
func FuzzCheckHeader(f *testing.F) {
	for _, seed := range []string{
		clerkHeader,
		`{"alg":"RS256","kid":"ins_abc","jwk":null}`,
		`{"alg":"RS256","kid":"ins_abc","crit":["b64"],"b64":false}`,
		`{"alg":"RS256","\u0061lg":"HS256","kid":"ins_abc"}`,
		`{"alg":"RS256","cat":"cl_B7d4PD222AAA","kid":"ins_abc","typ":"JWT"}`,
		`{"alg":"RS256","typ":"at+jwt","kid":"k\u00e9\ud83d\ude00"}`,
		`{"alg":"RS256","x":{"a":[1,"}",{"b":null}]},"kid":"\"}"}`,
		`{"alg":"RS256","kid":"ins_abc","p":"` + strings.Repeat("x", 990) + `"}`,
		"{\"alg\":\"RS256\",\"kid\":\"\xff\xfe\"}",
		`{"alg":"RS256","kid":"ins_abc","x5t#S256":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > maxHeaderBytes {
			return
		}
		wantKid, wantOK := referenceHeader(raw)
		h, err := checkHeader(base64.RawURLEncoding.EncodeToString(raw))
		if err != nil && !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Fatalf("error %v does not wrap ErrInvalidToken", err)
		}
		if (err == nil) != wantOK || h.kid != wantKid {
			t.Fatalf("checkHeader(%q) = %q, %v; the reference says %q, %v", raw, h.kid, err, wantKid, wantOK)
		}
	})
}
