package authz

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"encore.dev/beta/errs"
	"encore.dev/middleware"

	"encore.app/auth/clerkauth"
)

// Callers the tests decide about.
var (
	noOrg = &clerkauth.AuthData{UserID: "user_1"}
	// member's role grants reports:read but not settings:manage.
	member = &clerkauth.AuthData{
		UserID: "user_1", OrgID: "org_1", OrgRole: "org:member",
		OrgPermissions: []string{"org:reports:read"},
		Features:       []string{"o:reports", "u:export"},
		Plans:          []string{"u:pro"},
	}
	admin = &clerkauth.AuthData{
		UserID: "user_1", OrgID: "org_1", OrgRole: "org:admin",
		OrgPermissions: []string{"org:reports:read", "org:settings:manage"},
	}
)

// outcome is what a decision must be: allowed, or a code and the words the
// message must contain.
type outcome struct {
	code errs.ErrCode // errs.OK: allowed
	says string
}

var (
	allowed     = outcome{code: errs.OK}
	signInFirst = outcome{errs.Unauthenticated, "session token"}
	selectOrg   = outcome{errs.PermissionDenied, "an active organization is required: select one in your app"}
	needAdmin   = outcome{errs.PermissionDenied, "the org:admin role in the active organization is required"}
)

func check(t *testing.T, err *errs.Error, want outcome) {
	t.Helper()
	if want.code == errs.OK {
		if err != nil {
			t.Fatalf("refused: %s %q", err.Code, err.Message)
		}
		return
	}
	if err == nil {
		t.Fatalf("allowed, want %s %q", want.code, want.says)
	}
	if err.Code != want.code || !strings.Contains(err.Message, want.says) {
		t.Fatalf("refused with %s %q, want %s containing %q", err.Code, err.Message, want.code, want.says)
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name string
		data *clerkauth.AuthData
		tags []string
		want outcome
	}{
		{"org_member, no auth data", nil, []string{TagOrgMember}, signInFirst},
		{"org_member, no organization", noOrg, []string{TagOrgMember}, selectOrg},
		{"org_member, member", member, []string{TagOrgMember}, allowed},
		{"org_member, admin", admin, []string{TagOrgMember}, allowed},
		{"org_admin, no auth data", nil, []string{TagOrgAdmin}, signInFirst},
		{"org_admin, no organization", noOrg, []string{TagOrgAdmin}, selectOrg},
		{"org_admin, member", member, []string{TagOrgAdmin}, needAdmin},
		{"org_admin, admin", admin, []string{TagOrgAdmin}, allowed},
		{"org_admin, admin role without org: prefix", &clerkauth.AuthData{UserID: "user_1", OrgID: "org_1", OrgRole: "admin"}, []string{TagOrgAdmin}, allowed},
		{"both tags, member", member, []string{TagOrgMember, TagOrgAdmin}, needAdmin},
		{"both tags, admin", admin, []string{TagOrgAdmin, TagOrgMember}, allowed},
		{"both tags, no organization", noOrg, []string{TagOrgMember, TagOrgAdmin}, selectOrg},
		{"unknown tags, no auth data", nil, []string{"cache", "org-admin", "ORG_ADMIN"}, allowed},
		{"unknown tags beside org_member", noOrg, []string{"cache", TagOrgMember}, selectOrg},
		{"no tags, no auth data", nil, nil, allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Decide(tt.data, tt.tags), tt.want) })
	}
}

func TestHTTPStatuses(t *testing.T) {
	for _, tt := range []struct {
		err  *errs.Error
		want int
	}{
		{Decide(nil, []string{TagOrgMember}), http.StatusUnauthorized},
		{Decide(noOrg, []string{TagOrgMember}), http.StatusForbidden},
		{Decide(member, []string{TagOrgAdmin}), http.StatusForbidden},
		{Permission(member, "org:settings:manage"), http.StatusForbidden},
		{Feature(noOrg, "export"), http.StatusForbidden},
	} {
		if got := tt.err.Code.HTTPStatus(); got != tt.want {
			t.Errorf("%s %q: HTTP %d, want %d", tt.err.Code, tt.err.Message, got, tt.want)
		}
	}
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name string
		err  *errs.Error
		want outcome
	}{
		{"organization, no auth data", Organization(nil), signInFirst},
		{"organization, none", Organization(noOrg), selectOrg},
		{"organization, member", Organization(member), allowed},

		{"role, no auth data", Role(nil, "org:admin"), signInFirst},
		{"role, no organization", Role(noOrg, "org:member"), selectOrg},
		{"role, held", Role(member, "org:member"), allowed},
		{"role, held, unprefixed", Role(member, "member"), allowed},
		{"role, not held", Role(member, "org:billing"), outcome{errs.PermissionDenied, "the org:billing role in the active organization is required"}},

		{"permission, no auth data", Permission(nil, "org:settings:manage"), signInFirst},
		{"permission, no organization", Permission(noOrg, "org:settings:manage"), selectOrg},
		{"permission, granted", Permission(admin, "org:settings:manage"), allowed},
		{"permission, granted, unprefixed", Permission(admin, "settings:manage"), allowed},
		{"permission, not granted", Permission(member, "org:settings:manage"), outcome{errs.PermissionDenied, "the org:settings:manage permission in the active organization is required"}},

		{"feature, no auth data", Feature(nil, "export"), signInFirst},
		{"feature, user feature without organization", Feature(&clerkauth.AuthData{UserID: "user_1", Features: []string{"u:export"}}, "export"), allowed},
		{"feature, org feature", Feature(member, "org:reports"), allowed},
		{"feature, wrong scope", Feature(member, "user:reports"), outcome{errs.PermissionDenied, "the user:reports feature is required"}},
		{"feature, missing", Feature(noOrg, "export"), outcome{errs.PermissionDenied, "the export feature is required"}},

		{"plan, no auth data", Plan(nil, "pro"), signInFirst},
		{"plan, subscribed", Plan(member, "pro"), allowed},
		{"plan, not subscribed", Plan(member, "org:team"), outcome{errs.PermissionDenied, "the org:team plan is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.err, tt.want) })
	}
}

// withAuthData stands in for the request's auth data for one test.
func withAuthData(t *testing.T, data *clerkauth.AuthData) {
	t.Helper()
	saved := authData
	authData = func() *clerkauth.AuthData { return data }
	t.Cleanup(func() { authData = saved })
}

func TestMiddleware(t *testing.T) {
	type mw = func(middleware.Request, middleware.Next) middleware.Response
	tests := []struct {
		name string
		mw   mw
		data *clerkauth.AuthData
		want outcome
	}{
		{"OrgMember, no auth data", OrgMember, nil, signInFirst},
		{"OrgMember, no organization", OrgMember, noOrg, selectOrg},
		{"OrgMember, member", OrgMember, member, allowed},
		{"OrgAdmin, no organization", OrgAdmin, noOrg, selectOrg},
		{"OrgAdmin, member", OrgAdmin, member, needAdmin},
		{"OrgAdmin, admin", OrgAdmin, admin, allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withAuthData(t, tt.data)
			called := false
			next := func(middleware.Request) middleware.Response {
				called = true
				return middleware.Response{Payload: "handled"}
			}
			resp := tt.mw(middleware.Request{}, next)
			if tt.want.code == errs.OK {
				if !called || resp.Err != nil || resp.Payload != "handled" {
					t.Fatalf("called=%v, response %+v: want the handler's", called, resp)
				}
				return
			}
			if called {
				t.Fatal("handler called despite the refusal")
			}
			e, ok := resp.Err.(*errs.Error)
			if !ok {
				t.Fatalf("Err = %#v, want *errs.Error", resp.Err)
			}
			check(t, e, tt.want)
		})
	}
}

func TestRequire(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		data    *clerkauth.AuthData
		require func() error
		want    outcome
	}{
		{"organization, member", member, func() error { return RequireOrganization(ctx) }, allowed},
		{"organization, none", noOrg, func() error { return RequireOrganization(ctx) }, selectOrg},
		{"role, admin", admin, func() error { return RequireRole(ctx, AdminRole) }, allowed},
		{"role, member", member, func() error { return RequireRole(ctx, AdminRole) }, needAdmin},
		{"role, other than admin", member, func() error { return RequireRole(ctx, "org:member") }, allowed},
		{"permission, granted", admin, func() error { return RequirePermission(ctx, "org:settings:manage") }, allowed},
		{"permission, not granted", member, func() error { return RequirePermission(ctx, "org:settings:manage") }, outcome{errs.PermissionDenied, "org:settings:manage permission"}},
		{"permission, no auth data", nil, func() error { return RequirePermission(ctx, "org:settings:manage") }, signInFirst},
		{"feature, granted", member, func() error { return RequireFeature(ctx, "export") }, allowed},
		{"feature, missing", admin, func() error { return RequireFeature(ctx, "export") }, outcome{errs.PermissionDenied, "export feature"}},
		{"plan, subscribed", member, func() error { return RequirePlan(ctx, "pro") }, allowed},
		{"plan, not subscribed", admin, func() error { return RequirePlan(ctx, "pro") }, outcome{errs.PermissionDenied, "pro plan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withAuthData(t, tt.data)
			err := tt.require()
			if tt.want.code == errs.OK {
				// A nil *errs.Error inside a non-nil error would fail here.
				if err != nil {
					t.Fatalf("err = %#v, want a nil error", err)
				}
				return
			}
			e, ok := err.(*errs.Error)
			if !ok {
				t.Fatalf("err = %#v, want *errs.Error", err)
			}
			check(t, e, tt.want)
		})
	}
}

// TestDirectivesMatchTags reads the //encore:middleware directives, which no
// compiler checks: a typo there would leave a tag silently unenforced.
func TestDirectivesMatchTags(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "middleware.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	directive := regexp.MustCompile(`^//encore:middleware global target=tag:([a-z0-9_-]+)$`)
	got := map[string]string{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Doc == nil {
			continue
		}
		for _, c := range fn.Doc.List {
			if strings.HasPrefix(c.Text, "//encore:middleware") {
				m := directive.FindStringSubmatch(c.Text)
				if m == nil {
					t.Fatalf("%s: malformed directive %q", fn.Name.Name, c.Text)
				}
				got[fn.Name.Name] = m[1]
			}
		}
	}
	want := map[string]string{"OrgMember": "org_member", "OrgAdmin": "org_admin"}
	if len(got) != len(want) || got["OrgMember"] != want["OrgMember"] || got["OrgAdmin"] != want["OrgAdmin"] {
		t.Fatalf("directives = %v, want %v", got, want)
	}
	if TagOrgMember != want["OrgMember"] || TagOrgAdmin != want["OrgAdmin"] {
		t.Fatalf("tags = %q, %q; directives say %v", TagOrgMember, TagOrgAdmin, want)
	}
}
