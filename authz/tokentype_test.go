package authz

import (
	"strings"
	"testing"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// TestTokenType runs every token type against every set of accepts_ tags
// (all 16, each also with unrelated tags beside it): a type passes exactly
// when its tag is in the set, or, for a session token, when the set is
// empty. A refusal is a 401 naming the token's type and every accepted one.
func TestTokenType(t *testing.T) {
	types := []string{session, apiKey, m2m, oauth, "", "jwt_template", `"><script>`}
	tagOf := map[string]string{
		session: TagAcceptsSessionToken, apiKey: TagAcceptsAPIKey,
		m2m: TagAcceptsM2MToken, oauth: TagAcceptsOAuthToken,
	}
	order := []string{session, apiKey, m2m, oauth}
	for mask := range 1 << len(order) {
		var tags, accepted []string
		for i, typ := range order {
			if mask&(1<<i) != 0 {
				tags = append(tags, tagOf[typ])
				accepted = append(accepted, typ)
			}
		}
		if len(accepted) == 0 {
			accepted = []string{session}
		}
		for _, extra := range [][]string{nil, {"cache", TagOrgMember, "accepts_everything", "accepts_"}} {
			endpoint := append(append([]string{}, extra...), tags...)
			for _, typ := range types {
				t.Run(strings.Join(endpoint, ",")+"/"+typ, func(t *testing.T) {
					err := TokenType(&clerkauth.AuthData{TokenType: typ}, endpoint)
					pass := false
					for _, a := range accepted {
						pass = pass || a == typ
					}
					if pass {
						check(t, err, allowed)
						return
					}
					check(t, err, outcome{errs.Unauthenticated, "token-type-mismatch: this endpoint accepts " + strings.Join(accepted, ", ") + ", not "})
					if !strings.HasSuffix(err.Message, ", not "+typeName(typ)) {
						t.Fatalf("message %q does not name the token's type %s", err.Message, typeName(typ))
					}
				})
			}
		}
	}
}

func TestTokenTypeMessages(t *testing.T) {
	for _, tt := range []struct {
		data *clerkauth.AuthData
		tags []string
		want string
	}{
		{userKey, nil, "token-type-mismatch: this endpoint accepts session_token, not api_key"},
		{machine, []string{TagAcceptsOAuthToken, TagAcceptsSessionToken}, "token-type-mismatch: this endpoint accepts session_token, oauth_token, not m2m_token"},
		{&clerkauth.AuthData{}, nil, `token-type-mismatch: this endpoint accepts session_token, not ""`},
		{&clerkauth.AuthData{TokenType: "a\nb"}, nil, `token-type-mismatch: this endpoint accepts session_token, not "a\nb"`},
	} {
		err := TokenType(tt.data, tt.tags)
		if err == nil || err.Message != tt.want {
			t.Errorf("TokenType(%q, %v) = %v, want %q", tt.data.TokenType, tt.tags, err, tt.want)
		}
	}
	if err := TokenType(nil, []string{TagAcceptsAPIKey}); err != nil {
		t.Errorf("no auth data: %q, want nil (nothing to check)", err.Message)
	}
}

// TestDecideAllocatesNothing: the middleware decides on every request, so
// an allowed request costs no allocation (time is BenchmarkDecide's).
func TestDecideAllocatesNothing(t *testing.T) {
	for _, tt := range []struct {
		data *clerkauth.AuthData
		tags []string
	}{
		{member, nil},
		{nil, nil},
		{member, []string{"cache", TagOrgMember}},
		{orgKey, []string{TagAcceptsSessionToken, TagAcceptsAPIKey, TagOrgMember}},
		{member, []string{TagOrgMember, TagReverifyStrict}},
	} {
		if Decide(tt.data, tt.tags) != nil {
			t.Fatalf("Decide(%v) refused", tt.tags)
		}
		if n := testing.AllocsPerRun(100, func() { Decide(tt.data, tt.tags) }); n != 0 {
			t.Errorf("Decide(%v): %v allocations per call, want 0", tt.tags, n)
		}
	}
}

// BenchmarkDecide is the middleware's own work on a typical request.
//
//	go test -run '^$' -bench BenchmarkDecide -benchmem ./authz/
func BenchmarkDecide(b *testing.B) {
	for _, bb := range []struct {
		name string
		data *clerkauth.AuthData
		tags []string
	}{
		{"session, no tags", member, nil},
		{"session, org_member", member, []string{TagOrgMember}},
		{"api key, three tags", orgKey, []string{TagAcceptsSessionToken, TagAcceptsAPIKey, TagOrgMember}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Decide(bb.data, bb.tags)
			}
		})
	}
}
