package clerkauth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
)

// parityCase is one payload of testdata/parity/recorded.json and what
// Clerk's backend SDK made of it (see parity.js there).
type parityCase struct {
	Name              string
	Payload           string
	AuthorizedParties []string
	// GoRefuses says why clerkauth refuses a token Clerk accepts.
	GoRefuses string
	Accepted  bool
	Reason    string
	Auth      struct {
		UserID                any `json:"userId"`
		SessionID             any `json:"sessionId"`
		OrgID                 any `json:"orgId"`
		OrgRole               any `json:"orgRole"`
		OrgSlug               any `json:"orgSlug"`
		OrgPermissions        any `json:"orgPermissions"`
		FactorVerificationAge any `json:"factorVerificationAge"`
	}
	Has []struct {
		Ask    map[string]string
		Answer bool
	}
}

// TestClaimsParity holds clerkauth to Clerk's own answers: every payload
// Clerk's backend refuses is refused, every one it accepts is accepted
// (but for the recorded GoRefuses), with the same user, session,
// organization, permissions and factor ages, and the same has() answers.
func TestClaimsParity(t *testing.T) {
	raw, err := os.ReadFile("testdata/parity/recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	var recorded struct {
		Now    int64
		Issuer string
		Cases  []parityCase
	}
	if err := json.Unmarshal(raw, &recorded); err != nil {
		t.Fatal(err)
	}
	srv := startWithUser(t)
	srv.AddUser("user_1", "one@example.com")
	key := srv.SigningKey()
	for _, c := range recorded.Cases {
		t.Run(c.Name, func(t *testing.T) {
			a := newAuthenticator(t, srv, func(cfg *clerkauth.Config) {
				cfg.JWTKey = key.PublicKeyPEM()
				cfg.Issuer = recorded.Issuer
				cfg.AuthorizedParties = c.AuthorizedParties
				cfg.Now = func() time.Time { return time.Unix(recorded.Now, 0) }
			})
			token := key.SignSegments(clerktest.EncodeSegment(key.Header()), base64.RawURLEncoding.EncodeToString([]byte(c.Payload)))
			data, err := authenticate(a, token)
			switch {
			case !c.Accepted || c.GoRefuses != "":
				if err == nil {
					t.Fatalf("accepted as %+v; Clerk: %s%s", data, c.Reason, c.GoRefuses)
				}
				if !errors.Is(err, clerkauth.ErrInvalidToken) {
					t.Fatalf("error %v, want an invalid-token error", err)
				}
				return
			case err != nil:
				t.Fatalf("refused (%v); Clerk accepts %s", err, c.Payload)
			}
			checkParity(t, data, c)
		})
	}
}

func checkParity(t *testing.T, data *clerkauth.AuthData, c parityCase) {
	t.Helper()
	for _, f := range []struct {
		name string
		got  string
		js   any
	}{
		{"userId", data.UserID, c.Auth.UserID},
		{"sessionId", data.SessionID, c.Auth.SessionID},
		{"orgId", data.OrgID, c.Auth.OrgID},
		{"orgRole", data.OrgRole, c.Auth.OrgRole},
		{"orgSlug", data.OrgSlug, c.Auth.OrgSlug},
	} {
		if want := jsString(t, f.name, f.js); f.got != want {
			t.Errorf("%s = %q, Clerk %q", f.name, f.got, want)
		}
	}
	var permissions []string
	if list, ok := c.Auth.OrgPermissions.([]any); ok {
		for i := range list {
			permissions = append(permissions, jsString(t, "orgPermissions", list[i]))
		}
	} else if c.Auth.OrgPermissions != nil {
		t.Fatalf("Clerk's orgPermissions are %#v: the case needs a goRefuses", c.Auth.OrgPermissions)
	}
	if !slices.Equal(data.OrgPermissions, permissions) {
		t.Errorf("OrgPermissions = %q, Clerk %q", data.OrgPermissions, permissions)
	}
	if want := validFactorAges(c.Auth.FactorVerificationAge); !reflect.DeepEqual(data.FactorVerificationAge, want) {
		t.Errorf("FactorVerificationAge = %v, want %v (Clerk's fva: %v)", data.FactorVerificationAge, want, c.Auth.FactorVerificationAge)
	}
	for _, h := range c.Has {
		if got := ask(data, toHasCase(t, h.Ask)); got != h.Answer {
			t.Errorf("has(%v) = %v, Clerk %v", h.Ask, got, h.Answer)
		}
	}
}

// jsString is a JavaScript string, or "" for null (undefined).
func jsString(t *testing.T, field string, v any) string {
	t.Helper()
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	t.Fatalf("Clerk's %s is %#v: the case needs a goRefuses", field, v)
	return ""
}

// validFactorAges is what AuthData.FactorVerificationAge must hold for
// Clerk's fva: the two ages when Clerk's isValidFactorAge accepts both
// and each is a whole number within int, nil otherwise.
func validFactorAges(fva any) []int {
	list, ok := fva.([]any)
	if !ok || len(list) != 2 {
		return nil
	}
	ages := make([]int, 2)
	for i, v := range list {
		age, ok := v.(float64)
		if !ok || age != math.Trunc(age) || age < -1 || age >= -float64(math.MinInt) {
			return nil
		}
		ages[i] = int(age)
	}
	return ages
}

func toHasCase(t *testing.T, question map[string]string) hasCase {
	t.Helper()
	for kind, arg := range question {
		return hasCase{ask: kind, arg: arg}
	}
	t.Fatalf("empty has() question")
	return hasCase{}
}
