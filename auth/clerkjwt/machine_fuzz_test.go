package clerkjwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkjwks"
	"encore.app/auth/internal/tokenerr"
	"encore.app/auth/localclerk/clerkkey"
)

// The fuzzed verifier's clock, issuer and machine; the seeds' claims are
// valid for them.
const (
	fuzzNow     = 1_750_000_000
	fuzzIssuer  = "https://clerk.fuzz.example"
	fuzzMachine = "mch_self"
)

// clerkIDPattern is a Clerk ID as the kinds' rules below read it.
var clerkIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// FuzzTokenKind: over any JOSE header and payload, OpaqueType and
// tokenKind never panic and give a JWT the one kind whose rules it meets,
// read here from encoding/json's decoding of the two and written as
// Clerk's backend states them: an M2M token has a mch_ sub, typ JWT or
// none and cat M2M or none; an OAuth token typ at+jwt, no mch_ sub and
// any cat but M2M; a session token typ JWT or none, no mch_ sub and cat
// session, ignore or none. A token meeting none is refused. Signed and
// verified with every type accepted, a token accepted as a kind also meets
// that kind's claim rules, checked here against the decoded payload.
func FuzzTokenKind(f *testing.F) {
	key := clerkkey.New()
	v := fuzzVerifier(f, key)
	for _, header := range []map[string]any{
		key.Header(), key.M2MHeader(), key.OAuthHeader(),
		{"alg": "RS256", "kid": key.ID},
		{"alg": "RS256", "kid": key.ID, "cat": clerkkey.CategoryIgnore},
		{"alg": "RS256", "kid": key.ID, "cat": clerkkey.CategoryJWTTemplate},
		{"alg": "RS256", "kid": key.ID, "cat": clerkkey.CategoryM2MToken, "typ": "at+jwt"},
		{"alg": "RS256", "kid": key.ID, "typ": "application/at+jwt"},
	} {
		for _, payload := range fuzzPayloads() {
			f.Add(string(mustJSON(f, header)), string(mustJSON(f, payload)))
		}
	}
	// Escaped names and values, read as JSON.parse reads them.
	f.Add(`{"alg":"RS256","t\u0079p":"at+jwt"}`, `{"sub":"mch\u005fcaller","iss":"`+fuzzIssuer+`"}`)
	f.Add(`{"alg":"RS256","cat":"cl_B7d4PD333AAA"}`, `{"sub":"user_1","SUB":"mch_1"}`)
	f.Add(`{"alg":"RS256"}`, `{"sub":7}`)
	f.Add(`{"alg":"RS256","typ":"at+jwt"}`, `{"sub":null,"client_id":"c"}`)
	f.Add("ak_"+strings.Repeat("A", 43), `{}`)

	f.Fuzz(func(t *testing.T, header, payload string) {
		// A token's prefix is its opaque type; no JWT has one.
		tokenType, opaque := OpaqueType(header)
		if want := opaquePrefixType(header); opaque != (want != "") || tokenType != want {
			t.Fatalf("OpaqueType(%q) = %q, %v; want %q", header, tokenType, opaque, want)
		}
		headerSegment := base64.RawURLEncoding.EncodeToString([]byte(header))
		payloadSegment := base64.RawURLEncoding.EncodeToString([]byte(payload))
		h, err := checkHeader(headerSegment)
		if err != nil {
			return
		}
		if _, opaque := OpaqueType(headerSegment); opaque {
			t.Fatalf("the JWT header %q reads as an opaque token", header)
		}
		var c claims
		if c.read([]byte(payload), "") != nil {
			return
		}
		var hdr, pl map[string]any
		if json.Unmarshal([]byte(header), &hdr) != nil || json.Unmarshal([]byte(payload), &pl) != nil {
			t.Fatalf("header %q or payload %q read, but encoding/json refuses it", header, payload)
		}
		want := kindByRules(hdr, pl)
		kind, err := tokenKind(h, &c)
		if err != nil && !errors.Is(err, tokenerr.ErrInvalidToken) {
			t.Fatalf("tokenKind error %v does not wrap ErrInvalidToken", err)
		}
		if kind != want || (err == nil) != (want != "") {
			t.Fatalf("header %s, payload %s: tokenKind = %q, %v; the rules say %q", header, payload, kind, err, want)
		}
		if err != nil {
			return
		}
		s, err := v.Verify(context.Background(), key.SignSegments(headerSegment, payloadSegment))
		if err != nil {
			return
		}
		if s.TokenType != kind {
			t.Fatalf("a %s verified as a %s", kind, s.TokenType)
		}
		if problem := brokenClaimRule(s, pl); problem != "" {
			t.Fatalf("payload %s accepted as a %s, but %s", payload, kind, problem)
		}
	})
}

// fuzzVerifier verifies tokens key signs, of every type, at fuzzNow.
func fuzzVerifier(f *testing.F, key *clerkkey.Key) *Verifier {
	// Leeway is clerkauth's default; every type is accepted, as clerkauth
	// accepts machine types only with an OpaqueTokens, which no JWT reaches.
	keys, err := clerkjwks.NewStatic(key.PublicKeyPEM())
	if err != nil {
		f.Fatal(err)
	}
	return New(keys, Config{
		Issuer: fuzzIssuer, MachineID: fuzzMachine, Leeway: 5 * time.Second,
		Accepted: map[string]bool{TokenTypeSession: true, TokenTypeAPIKey: true, TokenTypeM2M: true, TokenTypeOAuth: true},
		Now:      func() time.Time { return time.Unix(fuzzNow, 0) },
	})
}

// fuzzPayloads are valid claims of each kind at fuzzNow, and near misses.
func fuzzPayloads() []map[string]any {
	times := func(claims map[string]any) map[string]any {
		claims["iss"], claims["iat"], claims["nbf"], claims["exp"] = fuzzIssuer, fuzzNow-10, fuzzNow-10, fuzzNow+50
		return claims
	}
	return []map[string]any{
		times(map[string]any{"sub": "user_1", "sid": "sess_1", "v": 2}),
		times(map[string]any{"sub": "mch_caller", "jti": "mt_1", "scopes": "mch_other " + fuzzMachine, "aud": []string{"mch_other", fuzzMachine}}),
		times(map[string]any{"sub": "mch_caller", "aud": fuzzMachine}),
		times(map[string]any{"sub": "mch_caller", "scopes": "mch_other\t" + fuzzMachine}),
		times(map[string]any{"sub": "mch_caller", "scopes": "mch_other", "aud": []string{fuzzMachine}}),
		times(map[string]any{"sub": "mch_", "scopes": fuzzMachine}),
		times(map[string]any{"sub": "user_1", "jti": "oat_1", "client_id": "client_1", "scope": "email profile"}),
		times(map[string]any{"sub": "user_1", "client_id": "client_1", "scp": []string{"email"}, "scope": "profile"}),
		times(map[string]any{"sub": "user_1", "sid": "sess_1", "client_id": "client_1", "exp": fuzzNow + 86_400}),
	}
}

func mustJSON(f *testing.F, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// opaquePrefixType is the type Clerk's prefixes give a token, "" for none.
func opaquePrefixType(token string) string {
	switch {
	case strings.HasPrefix(token, "ak_"):
		return TokenTypeAPIKey
	case strings.HasPrefix(token, "mt_"):
		return TokenTypeM2M
	case strings.HasPrefix(token, "oat_"):
		return TokenTypeOAuth
	}
	return ""
}

// kindByRules is the one kind whose header rules the token meets, "" when
// it meets none or its sub is neither a string nor null.
func kindByRules(hdr, pl map[string]any) string {
	sub, isString := pl["sub"].(string)
	if !isString && pl["sub"] != nil {
		return ""
	}
	typ, hasTyp := hdr["typ"]
	cat, hasCat := hdr["cat"]
	machine := strings.HasPrefix(sub, "mch_")
	plainTyp := !hasTyp || typ == "JWT"
	accessTyp := typ == "at+jwt" || typ == "application/at+jwt"
	m2mCat := cat == clerkkey.CategoryM2MToken
	sessionCat := !hasCat || cat == clerkkey.CategorySessionToken || cat == clerkkey.CategoryIgnore
	var kinds []string
	if machine && plainTyp && (!hasCat || m2mCat) {
		kinds = append(kinds, TokenTypeM2M)
	}
	if !machine && accessTyp && !m2mCat {
		kinds = append(kinds, TokenTypeOAuth)
	}
	if !machine && plainTyp && sessionCat {
		kinds = append(kinds, TokenTypeSession)
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// brokenClaimRule names a rule of its kind that the verified session s
// breaks, reading the claims from pl; "" when it meets them all.
func brokenClaimRule(s *Token, pl map[string]any) string {
	num := func(name string) (float64, bool) { n, ok := pl[name].(float64); return n, ok }
	exp, hasExp := num("exp")
	iat, hasIat := num("iat")
	nbf, hasNbf := num("nbf")
	skew := float64(5) // the default leeway, in seconds
	sub, _ := pl["sub"].(string)
	switch {
	case pl["iss"] != fuzzIssuer:
		return "its iss is not the issuer"
	case !hasExp || exp <= fuzzNow-skew:
		return "it has expired"
	case !hasIat || iat > fuzzNow+skew || (hasNbf && nbf > fuzzNow+skew):
		return "it is not valid yet"
	case !clerkIDPattern.MatchString(sub):
		return "its sub is not a Clerk ID"
	}
	switch s.TokenType {
	case TokenTypeSession:
		sid, _ := pl["sid"].(string)
		switch {
		case s.UserID != sub || strings.HasPrefix(sub, "mch_"):
			return "its user is not its sub"
		case sid == "" || s.SessionID != sid:
			return "its session is not its sid"
		case exp-iat > MaxTokenLifetime.Seconds():
			return "it lives longer than MaxTokenLifetime"
		}
	case TokenTypeM2M:
		switch {
		case s.MachineID != sub || sub == "mch_" || s.UserID != "":
			return "its machine is not its sub"
		case !slices.Contains(m2mCallees(pl), fuzzMachine):
			return "it may not call this machine"
		}
	case TokenTypeOAuth:
		clientID, _ := pl["client_id"].(string)
		switch {
		case s.UserID != sub || strings.HasPrefix(sub, "mch_"):
			return "its user is not its sub"
		case clientID == "" || s.ClientID != clientID:
			return "its client is not its client_id"
		case !slices.Equal(s.Scopes, oauthScopes(pl)):
			return "its scopes are not its scp or scope"
		}
	default:
		return "its type is " + s.TokenType
	}
	return ""
}

// m2mCallees are the machines an M2M token may call, read as Clerk's
// M2MToken.fromJwtPayload reads them: scopes?.split(' ') ?? aud.
func m2mCallees(pl map[string]any) []string {
	if scopes, ok := pl["scopes"].(string); ok {
		return strings.Split(scopes, " ")
	}
	switch aud := pl["aud"].(type) {
	case string:
		return []string{aud}
	case []any:
		var out []string
		for _, a := range aud {
			s, _ := a.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// oauthScopes are an OAuth token's scopes, read as Clerk's
// IdPOAuthAccessToken.fromJwtPayload reads them, scp ?? scope?.split(' '),
// without the empty entries, which name no scope.
func oauthScopes(pl map[string]any) []string {
	var out []string
	if scp, ok := pl["scp"].([]any); ok {
		for _, s := range scp {
			str, _ := s.(string)
			out = append(out, str)
		}
		return out
	}
	scope, _ := pl["scope"].(string)
	for _, s := range strings.Split(scope, " ") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
