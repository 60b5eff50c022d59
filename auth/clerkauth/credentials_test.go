package clerkauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const shapedToken = "aGVhZGVy.cGF5bG9hZA.c2ln"

// tokenFrom is what Authenticate does with a request's credentials before
// the verifier's header checks: credential, then the shape check.
func tokenFrom(authorization, cookie string) (string, error) {
	token, _, err := credential(authorization, cookie)
	if err != nil {
		return "", err
	}
	if _, _, _, err := checkTokenShape(token); err != nil {
		return "", err
	}
	return token, nil
}

func TestTokenFromHeader(t *testing.T) {
	longest := "a.b." + strings.Repeat("c", maxTokenBytes-4)
	tests := []struct {
		header string
		want   string
		err    error
	}{
		{"Bearer " + shapedToken, shapedToken, nil},
		{"bearer " + shapedToken, shapedToken, nil},
		{"BEARER " + shapedToken, shapedToken, nil},
		{"  Bearer    " + shapedToken + "  ", shapedToken, nil},
		{"", "", ErrNoCredentials},
		{" \t ", "", ErrNoCredentials},
		{"Bearer", "", ErrInvalidToken},
		{"Bearer   ", "", ErrInvalidToken},
		{"Basic dXNlcjpwYXNz", "", ErrInvalidToken},
		{"Token " + shapedToken, "", ErrInvalidToken},
		{"Bearer" + shapedToken, "", ErrInvalidToken},
		{shapedToken, "", ErrInvalidToken},
		{"Bearer not-a-jwt", "", ErrInvalidToken},
		{"Bearer a.b", "", ErrInvalidToken},
		{"Bearer a.b.c.d", "", ErrInvalidToken},
		{"Bearer a..c", "", ErrInvalidToken},
		{"Bearer .b.c", "", ErrInvalidToken},
		{"Bearer a.b.", "", ErrInvalidToken},
		{"Bearer a.b.c d", "", ErrInvalidToken},
		{"Bearer a.b+/.c=", "", ErrInvalidToken},
		{`Bearer {"payload":"x","signatures":[]}`, "", ErrInvalidToken},
		{"Bearer " + longest, longest, nil},
		{"Bearer " + longest + "c", "", ErrInvalidToken},
	}
	for _, tt := range tests {
		got, err := tokenFrom(tt.header, "")
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("tokenFrom(%.40q) = %.40q, %v; want %.40q, %v", tt.header, got, err, tt.want, tt.err)
		}
	}
}

// The length is checked once, by credential, before the token is hashed
// for the cache or parsed: the shape check alone would let a huge token
// through to the hash.
func TestCredentialBoundsTheLength(t *testing.T) {
	huge := "a.b." + strings.Repeat("c", maxTokenBytes)
	if _, _, err := credential("Bearer "+huge, ""); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("header: %d-byte token: %v, want ErrInvalidToken", len(huge), err)
	}
	if _, _, err := credential("", huge); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("cookie: %d-byte token: %v, want ErrInvalidToken", len(huge), err)
	}
}

func TestTokenFromRequest(t *testing.T) {
	const other = "b3RoZXI.b3RoZXI.b3RoZXI"
	tests := []struct {
		name, header, cookie, want string
		fromCookie                 bool
		err                        error
	}{
		{"header only", "Bearer " + shapedToken, "", shapedToken, false, nil},
		{"cookie only", "", shapedToken, shapedToken, true, nil},
		{"cookie with spaces", "", "  " + shapedToken + " ", shapedToken, true, nil},
		{"header wins over cookie", "Bearer " + shapedToken, other, shapedToken, false, nil},
		{"blank header falls back to cookie", "   ", shapedToken, shapedToken, true, nil},
		{"bad header is not rescued by cookie", "Basic abc", shapedToken, "", false, ErrInvalidToken},
		{"nothing", "", "", "", false, ErrNoCredentials},
		{"blank cookie", "", "  ", "", false, ErrNoCredentials},
		{"cookie with scheme", "", "Bearer " + shapedToken, "", false, ErrInvalidToken},
		{"malformed cookie", "", "a.b", "", false, ErrInvalidToken},
	}
	for _, tt := range tests {
		got, err := tokenFrom(tt.header, tt.cookie)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
		if _, fromCookie, _ := credential(tt.header, tt.cookie); tt.err == nil && fromCookie != tt.fromCookie {
			t.Errorf("%s: fromCookie = %v", tt.name, fromCookie)
		}
	}
}

func TestCheckTokenShapeSegments(t *testing.T) {
	h, p, s, err := checkTokenShape("aGVh.cGF5-_.c2ln")
	if err != nil || h != "aGVh" || p != "cGF5-_" || s != "c2ln" {
		t.Fatalf("segments %q %q %q, %v", h, p, s, err)
	}
}

func TestIsClerkID(t *testing.T) {
	for id, want := range map[string]bool{
		"user_2abcXYZ09": true,
		"sess_2a-b":      true,
		"":               false,
		"user_2abc/..":   false,
		"user 2abc":      false,
		"user_2abc\n":    false,
		"user_é":         false,
		"user_2abc%2F":   false,
	} {
		if got := isClerkID(id); got != want {
			t.Errorf("isClerkID(%q) = %v", id, got)
		}
	}
}

const base64URLChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// isCanonicalBase64URL and decodeBase64URL agree with the standard
// library's strict decoder on every string of the alphabet up to length 3
// and on random longer ones.
func TestBase64URLAgreesWithStrictDecoding(t *testing.T) {
	check := func(s string) {
		want, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if got := isCanonicalBase64URL(s); got != (err == nil) {
			t.Fatalf("isCanonicalBase64URL(%q) = %v, strict decoding says %v", s, got, err)
		}
		if err == nil {
			buf := make([]byte, len(s))
			if got := buf[:decodeBase64URL(buf, s)]; string(got) != string(want) {
				t.Fatalf("decodeBase64URL(%q) = %x, want %x", s, got, want)
			}
		}
	}
	var walk func(prefix string)
	walk = func(prefix string) {
		if prefix != "" {
			check(prefix)
		}
		if len(prefix) < 3 {
			for i := 0; i < len(base64URLChars); i++ {
				walk(prefix + base64URLChars[i:i+1])
			}
		}
	}
	walk("")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		b := make([]byte, 4+rng.IntN(60))
		for j := range b {
			b[j] = base64URLChars[rng.IntN(64)]
		}
		check(string(b))
	}
}

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
		if _, err := checkHeader(header(raw)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", name, err)
		}
	}

	// One header, one spelling.
	if _, err := checkHeader(respellSegment(header(`{"alg":"RS256","kid":"ins_abc"}`))); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("non-canonical header accepted: %v", err)
	}
}

// headerOfSize is a valid header of exactly n bytes.
func headerOfSize(n int) string {
	const start, end = `{"alg":"RS256","kid":"ins_abc","p":"`, `"}`
	return start + strings.Repeat("x", n-len(start)-len(end)) + end
}

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
		if !errors.Is(err, ErrInvalidToken) {
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
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("error %v does not wrap ErrInvalidToken", err)
		}
		if (err == nil) != wantOK || h.kid != wantKid {
			t.Fatalf("checkHeader(%q) = %q, %v; the reference says %q, %v", raw, h.kid, err, wantKid, wantOK)
		}
	})
}

// tokenFromRequest is tokenFrom for a whole request, its Cookie header
// read by c.
func tokenFromRequest(c *cookieReader, authorization, cookie string) (string, error) {
	token, _, _, err := requestCredential(Request{Authorization: authorization, Cookie: cookie}, c, time.Now)
	if err != nil {
		return "", err
	}
	if _, _, _, err := checkTokenShape(token); err != nil {
		return "", err
	}
	return token, nil
}

// FuzzCredential: any Authorization and Cookie headers give a token or a
// clear error, never a panic, with or without a publishable key, and a
// token given back is a bounded compact JWS taken from the Authorization
// header when it is there, else from the Cookie header.
func FuzzCredential(f *testing.F) {
	keyed, err := newCookieReader(testPublishableKey)
	if err != nil {
		f.Fatal(err)
	}
	suffixed := "__session_" + cookieSuffix(testPublishableKey)
	for _, seed := range [][2]string{
		{"Bearer " + shapedToken, ""},
		{"", "__session=" + shapedToken},
		{"bearer  " + shapedToken + " ", "__session=x.y.z"},
		{"Basic dXNlcjpwYXNz", "__session=" + shapedToken},
		{"Bearer a..c", ""},
		{"Bearer \xff.\x00.\u00e9", ""},
		{"Bearer " + strings.Repeat("a", maxTokenBytes+1), ""},
		{" ", " "},
		{"", "__session=" + ours("1", "2") + "; " + suffixed + "=" + shapedToken},
		{"", "__session=" + tok(`{"iss":"https://clerk.other.example"}`) + "; " + suffixed + "=" + shapedToken + "; __client_uat_x=1"},
		{"", "__session=" + tok("null")},
		{"", `__session="` + shapedToken + `"; __session=` + shapedToken},
		{"", "__session=aGVhZGVy%2EcGF5bG9hZA.c2ln"},
		{"", strings.Repeat("a=1;", maxCookiePairs) + "__session=" + shapedToken},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, header, cookie string) {
		for _, c := range []*cookieReader{{}, &keyed} {
			token, err := tokenFromRequest(c, header, cookie)
			if err != nil {
				if token != "" {
					t.Fatalf("token %q returned with error %v", token, err)
				}
				if !errors.Is(err, ErrNoCredentials) && !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				continue
			}
			if len(token) > maxTokenBytes || strings.Count(token, ".") != 2 || strings.Contains(token, "..") ||
				strings.HasPrefix(token, ".") || strings.HasSuffix(token, ".") {
				t.Fatalf("accepted a token of the wrong shape: %q", token)
			}
			source := cookie
			if strings.TrimSpace(header) != "" {
				source = header
			} else if strings.Contains(cookie, "%") {
				continue // percent-decoded: not a substring
			}
			if !strings.Contains(source, token) {
				t.Fatalf("token %q is not from the winning credential %q", token, source)
			}
		}
	})
}

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
		c, err := newCookieReader(key)
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
			if !errors.Is(err, ErrInvalidToken) {
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
		jar, err := (&cookieReader{}).parse(tt.header)
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
		jar, err := (&cookieReader{}).parse(header)
		if ok && (err != nil || jar.plain.session != shapedToken) {
			t.Errorf("%d bytes, %d pairs: %q, %v", len(header), strings.Count(header, ";")+1, jar.plain.session, err)
		}
		if !ok && !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%d bytes, %d pairs: %v, want ErrInvalidToken", len(header), strings.Count(header, ";")+1, err)
		}
	}
}
