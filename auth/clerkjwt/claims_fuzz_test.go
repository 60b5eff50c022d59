package clerkjwt

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// addParityPayloads seeds a fuzz target with the payloads of the parity
// corpus, which clerkauth's TestClaimsParity holds the Authenticator to
// (../clerkauth/testdata/parity/recorded.json).
func addParityPayloads(f *testing.F) {
	raw, err := os.ReadFile("../clerkauth/testdata/parity/recorded.json")
	if err != nil {
		f.Fatal(err)
	}
	var recorded struct{ Cases []struct{ Payload string } }
	if err := json.Unmarshal(raw, &recorded); err != nil {
		f.Fatal(err)
	}
	for _, c := range recorded.Cases {
		f.Add([]byte(c.Payload))
	}
	for _, seed := range []string{
		`{}`, `{"SUB":1}`, `{"o":{"ID":1}}`, `{"sub":"a","sub":"b"}`, `{"\u017fid":"x"}`, `{"o":[]}`,
		`{"fva":[1,2,3]}`, `{"exp":9223372036854775807,"iat":-9223372036854775808}`, `{"s\u0075b":"x"}`,
	} {
		f.Add([]byte(seed))
	}
}

// decodeAsSDK decodes data with encoding/json, as the Go SDK's claim
// structs are decoded, into a struct with one raw field per name.
func decodeAsSDK(t *testing.T, data []byte, names []string) []json.RawMessage {
	fields := make([]reflect.StructField, len(names))
	for i, name := range names {
		fields[i] = reflect.StructField{Name: "F" + string(rune('A'+i)), Type: reflect.TypeFor[json.RawMessage](), Tag: reflect.StructTag(`json:"` + name + `"`)}
	}
	v := reflect.New(reflect.StructOf(fields))
	if err := json.Unmarshal(data, v.Interface()); err != nil {
		t.Fatalf("encoding/json refuses what the reader accepted: %v", err)
	}
	out := make([]json.RawMessage, len(names))
	for i := range names {
		out[i] = v.Elem().Field(i).Interface().(json.RawMessage)
	}
	return out
}

// sameJSON reports whether two raw values are the same JSON text, absent
// counting as absent only.
func sameJSON(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && ca.String() == cb.String()
}

// FuzzReadClaims: the claim reader never panics, accepts only JSON
// objects, and whatever it accepts Go's case-insensitive encoding/json
// decodes to the very same registered claims, in the payload and in o:
// no payload reads one way here and another way through the Go SDK.
func FuzzReadClaims(f *testing.F) {
	addParityPayloads(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		var c claims
		if err := c.read(payload, "email"); err != nil {
			return
		}
		if !json.Valid(payload) {
			t.Fatalf("accepted a payload that is not JSON: %q", payload)
		}
		for i, got := range decodeAsSDK(t, payload, registeredClaims.names) {
			if !sameJSON(got, c.raw[i]) {
				t.Fatalf("%s: encoding/json reads %s, the reader %s", registeredClaims.names[i], got, c.raw[i])
			}
		}
		o := c.raw[claimO]
		var members [orgMemberCount][]byte
		if len(o) == 0 || o[0] != '{' || orgMembers.read(o, members[:], nil) != nil {
			return
		}
		for i, got := range decodeAsSDK(t, o, orgMembers.names) {
			if !sameJSON(got, members[i]) {
				t.Fatalf("o.%s: encoding/json reads %s, the reader %s", orgMembers.names[i], got, members[i])
			}
		}
	})
}

// FuzzOrgPermissions: orgPermissions, over fea as the session path splits
// it, answers exactly as Clerk's own computation transcribed
// (jsOrgPermissions), and refuses (SplitByScope not ok) exactly where
// Clerk's throws.
func FuzzOrgPermissions(f *testing.F) {
	for _, seed := range [][3]string{
		{"u:premium,o:billing,o:reports", "read,manage", "1,3"},
		{"o:a", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z", "36893488147419103232"},
		{"o:a,o:b", " read ,manage", " 3 ,+1"},
		{"o:a,broken", "read", "1"},
		{"o:a,", "read", "1"},
		{"ou:a,uo:b,x:c", "read,,manage", "7,5,0x1"},
		{"o:a", "read", strings.Repeat("9", 40)},
		{"\u00a0o:a\ufeff", "r\u2028", "\u00851"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, fea, per, fpm string) {
		if len(fea)+len(per)+len(fpm) > 512 {
			return // the reference divides decimals digit by digit
		}
		want, throws := jsOrgPermissions(fea, per, fpm)
		features, _, ok := SplitByScope(splitList([]byte(fea)))
		if ok == throws {
			t.Fatalf("fea %q: ok %v, Clerk throws %v", fea, ok, throws)
		}
		if !ok {
			return
		}
		if got := orgPermissions(features, per, fpm); !slices.Equal(got, want) {
			t.Fatalf("fea %q per %q fpm %q: %q, Clerk %q", fea, per, fpm, got, want)
		}
	})
}

// FuzzSessionClaims: whatever payload a token signed by Clerk's key
// carries, the session path never panics, and a session it returns meets
// every check: a user's sub, a sid, an authorized azp, the Clerk issuer,
// a live exp at most MaxTokenLifetime after iat, and two valid factor
// ages or none.
func FuzzSessionClaims(f *testing.F) {
	addParityPayloads(f)
	const now = 1700000000
	const issuer, party = "https://clerk.parity.example", "https://app.parity.example"
	v := New(nil, Config{Issuer: issuer, AuthorizedParties: []string{party}, Leeway: 5 * time.Second, EmailClaim: "email"})
	f.Fuzz(func(t *testing.T, payload []byte) {
		var c claims
		if c.read(payload, v.emailClaim) != nil {
			return
		}
		s, err := v.sessionOf(&c, time.Unix(now, 0))
		if err != nil {
			return
		}
		var std struct {
			Sub, Sid, Azp, Iss string
			Exp, Iat           float64
		}
		if err := json.Unmarshal(payload, &std); err != nil {
			t.Fatalf("accepted a payload encoding/json cannot read: %v", err)
		}
		exp := s.Expiry.Unix()
		switch {
		case s.UserID != std.Sub || !isClerkID(s.UserID) || strings.HasPrefix(s.UserID, "mch_"):
			t.Fatalf("sub %q accepted as %q", std.Sub, s.UserID)
		case s.SessionID == "" || s.SessionID != std.Sid:
			t.Fatalf("sid %q accepted as %q", std.Sid, s.SessionID)
		case std.Azp != party || std.Iss != issuer:
			t.Fatalf("azp %q, iss %q accepted", std.Azp, std.Iss)
		case float64(exp) != std.Exp || float64(s.IssuedAt) != std.Iat:
			t.Fatalf("exp %v, iat %v accepted as %d, %d", std.Exp, std.Iat, exp, s.IssuedAt)
		case exp <= now-5 || s.IssuedAt > now+5 || exp-s.IssuedAt > int64(MaxTokenLifetime/time.Second):
			t.Fatalf("exp %d, iat %d accepted at %d", exp, s.IssuedAt, now)
		case s.FactorVerificationAge != nil && (len(s.FactorVerificationAge) != 2 || s.FactorVerificationAge[0] < -1 || s.FactorVerificationAge[1] < -1):
			t.Fatalf("fva %v", s.FactorVerificationAge)
		}
	})
}
