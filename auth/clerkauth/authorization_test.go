package clerkauth_test

import (
	"reflect"
	"strings"
	"testing"

	"encore.app/auth/clerkauth"
	"encore.app/internal/testutil"
)

// hasCase is one has() question and Clerk's answer to it.
type hasCase struct {
	ask  string // "role", "permission", "feature" or "plan"
	arg  string
	want bool
}

func ask(d *clerkauth.AuthData, c hasCase) bool {
	switch c.ask {
	case "role":
		return d.HasRole(c.arg)
	case "permission":
		return d.HasPermission(c.arg)
	case "feature":
		return d.HasFeature(c.arg)
	case "plan":
		return d.HasPlan(c.arg)
	}
	panic("unknown question " + c.ask)
}

func checkHas(t *testing.T, d *clerkauth.AuthData, cases []hasCase) {
	t.Helper()
	for _, c := range cases {
		if got := ask(d, c); got != c.want {
			t.Errorf("has({ %s: %q }) = %v, want %v", c.ask, c.arg, got, c.want)
		}
	}
}

// split is how the verifier turns a fea or pla claim into AuthData.
func split(claim string) []string {
	if claim == "" {
		return nil
	}
	return strings.Split(claim, ",")
}

// TestHasClerkCases translates the cases of Clerk's
// packages/shared/src/__tests__/authorization.spec.ts (createCheckAuthorization
// and splitByScope); has() asked about several dimensions at once is the AND
// of the single questions here.
func TestHasClerkCases(t *testing.T) {
	tests := []struct {
		name string
		data clerkauth.AuthData
		want []hasCase
	}{{
		name: "correctly parses features",
		data: clerkauth.AuthData{
			UserID: "user_123", OrgID: "org_123", OrgRole: "admin",
			OrgPermissions: []string{"org:read"},
			Features:       split("o:reservations,u:dashboard"),
			Plans:          split("free_user,plus_user"),
		},
		want: []hasCase{
			{"feature", "o:reservations", true},
			{"feature", "org:reservations", true},
			{"feature", "organization:reservations", true},
			{"feature", "reservations", true},
			{"feature", "u:dashboard", true},
			{"feature", "user:dashboard", true},
			{"feature", "dashboard", true},
			// Clerk: throws 'Invalid scope: lol', which has() turns into false.
			{"feature", "lol:dashboard", false},
			// The scope is honoured both ways.
			{"feature", "user:reservations", false},
			{"feature", "org:dashboard", false},
			// orgRole "admin" without its prefix still matches.
			{"role", "org:admin", true},
			{"role", "admin", true},
			{"permission", "org:read", true},
			{"permission", "read", true},
			// "free_user,plus_user" has no scopes: splitByScope throws.
			{"plan", "free_user", false},
			{"plan", "plus_user", false},
		},
	}, {
		name: "permission and role fail when org context is missing",
		data: clerkauth.AuthData{UserID: "user_123"},
		want: []hasCase{
			{"permission", "org:sys_profile:delete", false},
			{"role", "org:admin", false},
		},
	}, {
		name: "billing and org requested together",
		data: clerkauth.AuthData{
			UserID: "user_123", OrgID: "org_123", OrgRole: "org:admin",
			OrgPermissions: []string{"org:sys_memberships:read"},
			Features:       split("o:reservations"),
		},
		want: []hasCase{
			{"permission", "org:sys_profile:delete", false},
			{"permission", "org:sys_memberships:read", true},
			{"feature", "org:reservations", true},
			// Role matches, permission does not: AND of the two is false.
			{"role", "org:admin", true},
			{"role", "org:member", false},
		},
	}, {
		name: "feature and plan requested together",
		data: clerkauth.AuthData{
			UserID: "user_123", OrgID: "org_123", OrgRole: "org:admin",
			OrgPermissions: []string{"org:read"},
			Features:       split("o:reservations"),
			Plans:          split("u:plus"),
		},
		want: []hasCase{
			{"feature", "org:reservations", true},
			{"plan", "u:plus", true},
			{"plan", "u:free", false},
			{"feature", "org:missing", false},
		},
	}, {
		name: "feature check fails when the features claim is empty",
		data: clerkauth.AuthData{
			UserID: "user_123", OrgID: "org_123", OrgRole: "org:admin",
			OrgPermissions: []string{"org:read"},
			Features:       split(""),
		},
		want: []hasCase{{"feature", "org:premium", false}},
	}, {
		name: "splitByScope with multiple scopes",
		data: clerkauth.AuthData{
			UserID:   "user_123",
			Features: split("o:reservations,u:dashboard,ou:support-chat,uo:billing"),
		},
		want: []hasCase{
			{"feature", "org:reservations", true},
			{"feature", "org:support-chat", true},
			{"feature", "org:billing", true},
			{"feature", "org:dashboard", false},
			{"feature", "user:dashboard", true},
			{"feature", "user:support-chat", true},
			{"feature", "user:billing", true},
			{"feature", "user:reservations", false},
		},
	}, {
		name: "splitByScope with an element missing its colon",
		data: clerkauth.AuthData{UserID: "user_123", Features: split("reservations,dashboard")},
		want: []hasCase{
			{"feature", "reservations", false},
			{"feature", "dashboard", false},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkHas(t, &tt.data, tt.want) })
	}
}

// TestHasRules pins each rule of authorization.ts that the Clerk cases above
// leave implicit; every case fails if its rule is dropped.
func TestHasRules(t *testing.T) {
	member := func(edit func(*clerkauth.AuthData)) *clerkauth.AuthData {
		d := &clerkauth.AuthData{
			UserID: "user_1", OrgID: "org_1", OrgRole: "org:member",
			OrgPermissions: []string{"org:reports:read"},
			Features:       split("o:reports,u:export"),
			Plans:          split("u:pro,o:team"),
		}
		if edit != nil {
			edit(d)
		}
		return d
	}
	tests := []struct {
		name string
		data *clerkauth.AuthData
		want []hasCase
	}{
		{"nil auth data", nil, []hasCase{
			{"role", "org:member", false}, {"permission", "org:reports:read", false},
			{"feature", "reports", false}, {"plan", "pro", false},
		}},
		{"no user: has() is false without a userId", member(func(d *clerkauth.AuthData) { d.UserID = "" }), []hasCase{
			{"role", "org:member", false}, {"permission", "org:reports:read", false},
			{"feature", "reports", false}, {"plan", "pro", false},
		}},
		{"no active organization", member(func(d *clerkauth.AuthData) { d.OrgID = "" }), []hasCase{
			{"role", "org:member", false},
			{"permission", "org:reports:read", false},
			// Features and plans do not look at OrgID.
			{"feature", "org:reports", true},
			{"plan", "user:pro", true},
		}},
		{"org: prefixes are optional and repeatable", member(nil), []hasCase{
			{"role", "member", true},
			{"role", "org:member", true},
			{"role", "org:org:member", true},
			{"role", "org:admin", false},
			{"permission", "reports:read", true},
			{"permission", "org:org:reports:read", true},
			{"permission", "org:reports:manage", false},
		}},
		{"the token's permissions are not normalised", member(func(d *clerkauth.AuthData) {
			d.OrgPermissions = []string{"reports:read"}
		}), []hasCase{
			{"permission", "reports:read", false},
			{"permission", "org:reports:read", false},
		}},
		{"permissions hold without a role", member(func(d *clerkauth.AuthData) { d.OrgRole = "" }), []hasCase{
			{"permission", "org:reports:read", true},
			{"role", "", false},
			{"role", "org:", false},
		}},
		{"role org: (the Go SDK's spelling of a missing rol) is no role", member(func(d *clerkauth.AuthData) { d.OrgRole = "org:" }), []hasCase{
			{"role", "", false},
			{"role", "org:", false},
		}},
		{"empty arguments", member(func(d *clerkauth.AuthData) {
			d.OrgPermissions = []string{"org:"}
			d.Features = split("o:")
			d.Plans = split("u:")
		}), []hasCase{
			{"permission", "", false},
			{"permission", "org:", false},
			{"feature", "", false},
			{"plan", "", false},
		}},
		{"scopes of arguments", member(nil), []hasCase{
			{"feature", "org:reports", true},
			{"feature", "o:reports", true},
			{"feature", "organization:reports", true},
			{"feature", "user:reports", false},
			{"feature", "u:reports", false},
			{"feature", "u:export", true},
			{"feature", "org:export", false},
			{"feature", "export", true},
			{"plan", "pro", true},
			{"plan", "team", true},
			{"plan", "user:team", false},
			{"plan", "org:pro", false},
			{"plan", "o:team", true},
			// Scopes are case-sensitive, as in Clerk.
			{"feature", "ORG:reports", false},
			{"feature", ":reports", false},
		}},
		{"an argument's id stops at its second colon", member(func(d *clerkauth.AuthData) {
			d.Features = split("o:a")
		}), []hasCase{
			{"feature", "org:a:b", true}, // asks for "a"
			{"feature", "a:b", false},    // scope "a" is invalid
		}},
		{"an argument with an empty id falls back to its scope", member(func(d *clerkauth.AuthData) {
			d.Features = split("o:org,u:user")
		}), []hasCase{
			{"feature", "org:", true},
			{"feature", "user:", true},
			{"feature", "org", true},
		}},
		{"a token entry's value is everything after its first colon", member(func(d *clerkauth.AuthData) {
			d.Features = split("o:a:b")
		}), []hasCase{
			{"feature", "org:a", false},
			{"feature", "a", false},
		}},
		{"token scopes other than o, u, ou, uo are skipped", member(func(d *clerkauth.AuthData) {
			d.Features = split("org:x,user:y,x:z,O:w")
		}), []hasCase{
			{"feature", "x", false}, {"feature", "org:x", false},
			{"feature", "y", false}, {"feature", "z", false}, {"feature", "w", false},
		}},
		{"one entry without a colon spoils the claim", member(func(d *clerkauth.AuthData) {
			d.Features = split("o:reports,broken")
			d.Plans = split("u:pro,")
		}), []hasCase{
			{"feature", "reports", false},
			{"plan", "pro", false},
		}},
		{"entries are trimmed as JavaScript trims them", member(func(d *clerkauth.AuthData) {
			d.Features = split(" o:a ,\tu:b\n,\uFEFFo:c\u00A0")
			d.Plans = split("\u0085u:pro")
		}), []hasCase{
			{"feature", "org:a", true},
			{"feature", "user:b", true},
			{"feature", "c", true},
			// U+0085 is Unicode space but not JavaScript's: scope "\u0085u".
			{"plan", "pro", false},
		}},
		{"arguments are not trimmed", member(nil), []hasCase{
			{"role", " member", false},
			{"permission", "org:reports:read ", false},
			{"feature", " reports", false},
			{"plan", "pro ", false},
		}},
		{"an unsplit claim answers as a split one", member(func(d *clerkauth.AuthData) {
			d.Features = []string{"o:reports,u:export"}
		}), []hasCase{
			{"feature", "org:reports", true},
			{"feature", "user:export", true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkHas(t, tt.data, tt.want) })
	}
}

// TestHasNeverPanics asks odd questions of odd data.
func TestHasNeverPanics(t *testing.T) {
	odd := []string{"", ":", "::", ",", " ", "org:", "org:org:", "o:", "u:", "ou:", ":x", "x:", "a:b:c", "\x00", "\uFFFD"}
	datas := []*clerkauth.AuthData{nil, {}, {UserID: "u", OrgID: "o", OrgRole: "org:", OrgPermissions: odd, Features: odd, Plans: odd}}
	for _, d := range datas {
		for _, arg := range odd {
			d.HasRole(arg)
			d.HasPermission(arg)
			d.HasFeature(arg)
			d.HasPlan(arg)
		}
	}
}

// TestHasOnVerifiedToken goes through the real verifier: the claims of a v2
// session token must reach AuthData in the form the Has methods expect.
//
//	o.id, o.slg   → OrgID, OrgSlug
//	o.rol         → OrgRole, "org:"-prefixed; none without rol
//	o.per + o.fpm → OrgPermissions ("org:<feature>:<permission>"): one fpm
//	                mask per organization feature of fea, in order
//	fea           → Features, the claim split on commas, empty entries kept
//	pla           → Plans, the claim split on commas, empty entries kept
//
// A fea or pla that is not a string must refuse the token.
func TestHasOnVerifiedToken(t *testing.T) {
	srv := startWithUser(t)
	a := newAuthenticator(t, srv, nil)

	t.Run("with an active organization", func(t *testing.T) {
		claims := srv.Claims(userID)
		claims["fea"] = "o:reports,u:export"
		claims["pla"] = "u:pro,o:team"
		claims["o"] = map[string]any{"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}
		data := mustAccept(t, a, srv.Sign(claims), userID)

		if data.OrgID != "org_1" || data.OrgSlug != "acme" || data.OrgRole != "org:admin" {
			t.Errorf("organization = %q %q %q", data.OrgID, data.OrgSlug, data.OrgRole)
		}
		if want := []string{"org:reports:read", "org:reports:manage"}; !reflect.DeepEqual(data.OrgPermissions, want) {
			t.Errorf("OrgPermissions = %q, want %q", data.OrgPermissions, want)
		}
		if want := []string{"o:reports", "u:export"}; !reflect.DeepEqual(data.Features, want) {
			t.Errorf("Features = %q, want %q", data.Features, want)
		}
		if want := []string{"u:pro", "o:team"}; !reflect.DeepEqual(data.Plans, want) {
			t.Errorf("Plans = %q, want %q", data.Plans, want)
		}
		checkHas(t, data, []hasCase{
			{"role", "admin", true},
			{"role", "org:admin", true},
			{"role", "org:member", false},
			{"permission", "reports:read", true},
			{"permission", "org:reports:manage", true},
			{"permission", "org:reports:delete", false},
			{"feature", "reports", true},
			{"feature", "org:reports", true},
			{"feature", "user:reports", false},
			{"feature", "u:export", true},
			{"plan", "pro", true},
			{"plan", "org:team", true},
			{"plan", "user:team", false},
		})
	})

	t.Run("without an organization", func(t *testing.T) {
		claims := srv.Claims(userID)
		claims["fea"] = "u:export"
		claims["pla"] = "u:pro"
		data := mustAccept(t, a, srv.Sign(claims), userID)

		if data.OrgID != "" || data.OrgRole != "" || len(data.OrgPermissions) != 0 {
			t.Errorf("organization = %q %q %q", data.OrgID, data.OrgRole, data.OrgPermissions)
		}
		checkHas(t, data, []hasCase{
			{"role", "org:admin", false},
			{"permission", "org:reports:read", false},
			{"feature", "export", true},
			{"feature", "user:export", true},
			{"feature", "org:export", false},
			{"plan", "user:pro", true},
			{"plan", "org:pro", false},
		})
	})

	t.Run("without fea and pla", func(t *testing.T) {
		data := mustAccept(t, a, srv.Token(userID), userID)
		if len(data.Features) != 0 || len(data.Plans) != 0 {
			t.Errorf("Features, Plans = %q, %q, want none", data.Features, data.Plans)
		}
		checkHas(t, data, []hasCase{{"feature", "export", false}, {"plan", "pro", false}})
	})

	t.Run("an empty entry spoils the claim, as in Clerk", func(t *testing.T) {
		// Clerk's splitByScope throws on the "" after the trailing comma, so
		// has() is false for every feature: the verifier must keep it.
		claims := srv.Claims(userID)
		claims["fea"] = "u:export,"
		claims["pla"] = ",u:pro"
		data := mustAccept(t, a, srv.Sign(claims), userID)
		checkHas(t, data, []hasCase{{"feature", "export", false}, {"plan", "pro", false}})
	})

	for name, edit := range map[string]func(map[string]any){
		"fea as number": func(c map[string]any) { c["fea"] = 42 },
		"fea as array":  func(c map[string]any) { c["fea"] = []string{"u:export"} },
		"pla as number": func(c map[string]any) { c["pla"] = 42 },
		"pla as array":  func(c map[string]any) { c["pla"] = []string{"u:pro"} },
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			claims := srv.Claims(userID)
			edit(claims)
			data, err := authenticate(a, srv.Sign(claims))
			if err == nil {
				t.Fatalf("accepted as %+v", data)
			}
			testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		})
	}
}
