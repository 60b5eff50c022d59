package clerkcredential

import (
	"errors"
	"strings"
	"testing"
	"time"

	"encore.app/auth/internal/compactjws"
	"encore.app/auth/internal/tokenerr"
)

const shapedToken = "aGVhZGVy.cGF5bG9hZA.c2ln"

// tokenFrom is what Authenticate does with a request's credentials before
// the verifier's header checks: credential, then the shape check.
func tokenFrom(authorization, cookie string) (string, error) {
	token, _, err := credential(authorization, cookie)
	if err != nil {
		return "", err
	}
	if _, _, _, err := compactjws.Split(token); err != nil {
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
		{"Bearer", "", tokenerr.ErrInvalidToken},
		{"Bearer   ", "", tokenerr.ErrInvalidToken},
		{"Basic dXNlcjpwYXNz", "", tokenerr.ErrInvalidToken},
		{"Token " + shapedToken, "", tokenerr.ErrInvalidToken},
		{"Bearer" + shapedToken, "", tokenerr.ErrInvalidToken},
		{shapedToken, "", tokenerr.ErrInvalidToken},
		{"Bearer not-a-jwt", "", tokenerr.ErrInvalidToken},
		{"Bearer a.b", "", tokenerr.ErrInvalidToken},
		{"Bearer a.b.c.d", "", tokenerr.ErrInvalidToken},
		{"Bearer a..c", "", tokenerr.ErrInvalidToken},
		{"Bearer .b.c", "", tokenerr.ErrInvalidToken},
		{"Bearer a.b.", "", tokenerr.ErrInvalidToken},
		{"Bearer a.b.c d", "", tokenerr.ErrInvalidToken},
		{"Bearer a.b+/.c=", "", tokenerr.ErrInvalidToken},
		{`Bearer {"payload":"x","signatures":[]}`, "", tokenerr.ErrInvalidToken},
		{"Bearer " + longest, longest, nil},
		{"Bearer " + longest + "c", "", tokenerr.ErrInvalidToken},
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
	if _, _, err := credential("Bearer "+huge, ""); !errors.Is(err, tokenerr.ErrInvalidToken) {
		t.Fatalf("header: %d-byte token: %v, want ErrInvalidToken", len(huge), err)
	}
	if _, _, err := credential("", huge); !errors.Is(err, tokenerr.ErrInvalidToken) {
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
		{"bad header is not rescued by cookie", "Basic abc", shapedToken, "", false, tokenerr.ErrInvalidToken},
		{"nothing", "", "", "", false, ErrNoCredentials},
		{"blank cookie", "", "  ", "", false, ErrNoCredentials},
		{"cookie with scheme", "", "Bearer " + shapedToken, "", false, tokenerr.ErrInvalidToken},
		{"malformed cookie", "", "a.b", "", false, tokenerr.ErrInvalidToken},
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

// tokenFromRequest is tokenFrom for a whole request, its Cookie header
// read by c.
func tokenFromRequest(c *Reader, authorization, cookie string) (string, error) {
	token, _, _, err := c.Credential(authorization, cookie, time.Now)
	if err != nil {
		return "", err
	}
	if _, _, _, err := compactjws.Split(token); err != nil {
		return "", err
	}
	return token, nil
}

// FuzzCredential: any Authorization and Cookie headers give a token or a
// clear error, never a panic, with or without a publishable key, and a
// token given back is a bounded compact JWS taken from the Authorization
// header when it is there, else from the Cookie header.
func FuzzCredential(f *testing.F) {
	keyed, err := NewReader(testPublishableKey)
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
		for _, c := range []*Reader{{}, &keyed} {
			token, err := tokenFromRequest(c, header, cookie)
			if err != nil {
				if token != "" {
					t.Fatalf("token %q returned with error %v", token, err)
				}
				if !errors.Is(err, ErrNoCredentials) && !errors.Is(err, tokenerr.ErrInvalidToken) {
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
