package authz

import (
	"context"
	"net/http"
	"strings"
	"testing"

	encore "encore.dev"
	"encore.dev/beta/errs"
	"encore.dev/middleware"

	"encore.app/auth/clerkauth"
)

const (
	session = clerkauth.TokenTypeSession
	apiKey  = clerkauth.TokenTypeAPIKey
	m2m     = clerkauth.TokenTypeM2M
	oauth   = clerkauth.TokenTypeOAuth
)

// Callers the tests decide about, one of each kind of token.
var (
	noOrg = &clerkauth.AuthData{TokenType: session, Subject: "user_1", UserID: "user_1", SessionID: "sess_1"}
	// member's role grants reports:read but not settings:manage; they
	// verified both factors 5 minutes ago.
	member = &clerkauth.AuthData{
		TokenType: session, Subject: "user_1", UserID: "user_1", SessionID: "sess_1",
		OrgID: "org_1", OrgRole: "org:member",
		OrgPermissions:        []string{"org:reports:read"},
		Features:              []string{"o:reports", "u:export"},
		Plans:                 []string{"u:pro"},
		FactorVerificationAge: []int{5, 5},
	}
	// admin's token has no fva: reverification refuses it.
	admin = &clerkauth.AuthData{
		TokenType: session, Subject: "user_2", UserID: "user_2", SessionID: "sess_2",
		OrgID: "org_1", OrgRole: "org:admin",
		OrgPermissions: []string{"org:reports:read", "org:settings:manage"},
	}
	userKey = &clerkauth.AuthData{
		TokenType: apiKey, Subject: "user_1", UserID: "user_1",
		Scopes: []string{"reports:read"}, TokenID: "ak_1", Name: "ci",
	}
	orgKey = &clerkauth.AuthData{
		TokenType: apiKey, Subject: "org_1", OrgID: "org_1",
		Scopes: []string{"reports:read"}, TokenID: "ak_2", Name: "export",
	}
	machine = &clerkauth.AuthData{TokenType: m2m, Subject: "mch_1", MachineID: "mch_1", TokenID: "mt_1"}
	app     = &clerkauth.AuthData{
		TokenType: oauth, Subject: "user_1", UserID: "user_1",
		Scopes: []string{"reports:read"}, ClientID: "client_1", TokenID: "oat_1",
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
	mismatch    = outcome{errs.Unauthenticated, "token-type-mismatch"}
	reverify    = outcome{errs.PermissionDenied, "reverification is required ("}
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
		{"org_admin, admin role without org: prefix", &clerkauth.AuthData{TokenType: session, UserID: "user_1", OrgID: "org_1", OrgRole: "admin"}, []string{TagOrgAdmin}, allowed},
		{"both tags, member", member, []string{TagOrgMember, TagOrgAdmin}, needAdmin},
		{"both tags, admin", admin, []string{TagOrgAdmin, TagOrgMember}, allowed},
		{"both tags, no organization", noOrg, []string{TagOrgMember, TagOrgAdmin}, selectOrg},
		{"unknown tags, no auth data", nil, []string{"cache", "org-admin", "ORG_ADMIN", "reverify-strict", "accepts_any"}, allowed},
		{"unknown tags beside org_member", noOrg, []string{"cache", TagOrgMember}, selectOrg},
		{"no tags, no auth data", nil, nil, allowed},
		{"no tags, session", noOrg, nil, allowed},

		// The order: token type, organization, reverification.
		{"org_admin, M2M token: its type first", machine, []string{TagOrgAdmin}, mismatch},
		{"org_admin and reverify_strict, member: the role first", member, []string{TagReverifyStrict, TagOrgAdmin}, needAdmin},
		{"org_admin and reverify_strict, admin without fva", admin, []string{TagOrgAdmin, TagReverifyStrict}, reverify},
		{"org_admin and reverify_strict, admin just verified", withFVA(admin, 0, -1), []string{TagOrgAdmin, TagReverifyStrict}, allowed},
		{"reverify_strict, no auth data", nil, []string{TagReverifyStrict}, signInFirst},
		{"reverify_lax, API key allowed on the endpoint", userKey, []string{TagAcceptsAPIKey, TagReverifyLax}, outcome{errs.PermissionDenied, "a token of type api_key cannot reverify"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, Decide(tt.data, tt.tags), tt.want) })
	}
}

// withFVA is data with another fva claim.
func withFVA(data *clerkauth.AuthData, first, second int) *clerkauth.AuthData {
	c := *data
	c.FactorVerificationAge = []int{first, second}
	return &c
}

func TestHTTPStatuses(t *testing.T) {
	for _, tt := range []struct {
		err  *errs.Error
		want int
	}{
		{Decide(nil, []string{TagOrgMember}), http.StatusUnauthorized},
		{Decide(noOrg, []string{TagOrgMember}), http.StatusForbidden},
		{Decide(member, []string{TagOrgAdmin}), http.StatusForbidden},
		{Decide(userKey, nil), http.StatusUnauthorized},
		{Decide(admin, []string{TagReverifyStrict}), http.StatusForbidden},
		{Permission(member, "org:settings:manage"), http.StatusForbidden},
		{Feature(noOrg, "export"), http.StatusForbidden},
		{Scope(userKey, "reports:write"), http.StatusForbidden},
		{Reverification(member, "sometimes"), http.StatusInternalServerError},
	} {
		if got := tt.err.Code.HTTPStatus(); got != tt.want {
			t.Errorf("%s %q: HTTP %d, want %d", tt.err.Code, tt.err.Message, got, tt.want)
		}
	}
}

// TestChecks covers session tokens; machine_test.go every other caller.
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
		{"feature, user feature without organization", Feature(&clerkauth.AuthData{TokenType: session, UserID: "user_1", Features: []string{"u:export"}}, "export"), allowed},
		{"feature, org feature", Feature(member, "org:reports"), allowed},
		{"feature, wrong scope", Feature(member, "user:reports"), outcome{errs.PermissionDenied, "the user:reports feature is required"}},
		{"feature, missing", Feature(noOrg, "export"), outcome{errs.PermissionDenied, "the export feature is required"}},

		{"plan, no auth data", Plan(nil, "pro"), signInFirst},
		{"plan, subscribed", Plan(member, "pro"), allowed},
		{"plan, not subscribed", Plan(member, "org:team"), outcome{errs.PermissionDenied, "the org:team plan is required"}},

		{"scope, no auth data", Scope(nil, "reports:read"), signInFirst},
		{"scope, session token without scopes", Scope(noOrg, "reports:write"), allowed},

		{"reverification, no auth data", Reverification(nil, Lax), signInFirst},
		{"reverification, fresh", Reverification(member, Strict), allowed},
		{"reverification, no fva", Reverification(admin, Lax), outcome{errs.PermissionDenied, "reverification is required (lax: second_factor within 1440 minutes)"}},
		{"reverification, unknown level", Reverification(member, "Strict"), outcome{errs.Internal, `unknown reverification level "Strict"`}},
		{"reverification, unknown level, no auth data", Reverification(nil, ""), outcome{errs.Internal, `unknown reverification level ""`}},
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

// withEndpointTags stands in for the called endpoint's tags for one test.
func withEndpointTags(t *testing.T, tags ...string) {
	t.Helper()
	withAPI(t, &encore.APIDesc{Tags: tags})
}

// withAPI stands in for the called endpoint's description for one test.
func withAPI(t *testing.T, api *encore.APIDesc) {
	t.Helper()
	saved := currentAPI
	currentAPI = func() *encore.APIDesc { return api }
	t.Cleanup(func() { currentAPI = saved })
}

func TestMiddleware(t *testing.T) {
	tests := []struct {
		name string
		data *clerkauth.AuthData
		tags []string
		want outcome
	}{
		{"no tags, no auth data", nil, nil, allowed},
		{"no tags, session token", noOrg, nil, allowed},
		{"no tags, API key", userKey, nil, mismatch},
		{"no tags, M2M token", machine, nil, mismatch},
		{"no tags, OAuth token", app, nil, mismatch},
		{"accepts_api_key, API key", userKey, []string{TagAcceptsAPIKey}, allowed},
		{"accepts_api_key, session token", noOrg, []string{TagAcceptsAPIKey}, mismatch},
		{"org_member, no auth data", nil, []string{TagOrgMember}, signInFirst},
		{"org_member, no organization", noOrg, []string{TagOrgMember}, selectOrg},
		{"org_member, member", member, []string{TagOrgMember}, allowed},
		{"org_admin, member", member, []string{TagOrgAdmin}, needAdmin},
		{"org_admin, admin", admin, []string{TagOrgAdmin}, allowed},
		{"reverify_strict, admin without fva", admin, []string{TagReverifyStrict}, reverify},
		{"reverify_strict, member just verified", member, []string{TagReverifyStrict}, allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withAuthData(t, tt.data)
			withEndpointTags(t, tt.tags...)
			called := false
			next := func(middleware.Request) middleware.Response {
				called = true
				return middleware.Response{Payload: "handled"}
			}
			resp := EndpointTags(middleware.Request{}, next)
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

// A raw endpoint is passed through: Encore would send a refusal there as
// an empty 200, and raw endpoints check their own callers.
func TestMiddlewarePassesRawEndpoints(t *testing.T) {
	withAuthData(t, userKey)
	withAPI(t, &encore.APIDesc{Raw: true})
	called := false
	EndpointTags(middleware.Request{}, func(middleware.Request) middleware.Response {
		called = true
		return middleware.Response{}
	})
	if !called {
		t.Fatal("the raw endpoint's handler was not called")
	}
}

func TestRequire(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		data    *clerkauth.AuthData
		tags    []string
		require func() error
		want    outcome
	}{
		{"organization, member", member, nil, func() error { return RequireOrganization(ctx) }, allowed},
		{"organization, none", noOrg, nil, func() error { return RequireOrganization(ctx) }, selectOrg},
		{"role, admin", admin, nil, func() error { return RequireRole(ctx, AdminRole) }, allowed},
		{"role, member", member, nil, func() error { return RequireRole(ctx, AdminRole) }, needAdmin},
		{"role, other than admin", member, nil, func() error { return RequireRole(ctx, "org:member") }, allowed},
		{"permission, granted", admin, nil, func() error { return RequirePermission(ctx, "org:settings:manage") }, allowed},
		{"permission, not granted", member, nil, func() error { return RequirePermission(ctx, "org:settings:manage") }, outcome{errs.PermissionDenied, "org:settings:manage permission"}},
		{"permission, no auth data", nil, nil, func() error { return RequirePermission(ctx, "org:settings:manage") }, signInFirst},
		{"feature, granted", member, nil, func() error { return RequireFeature(ctx, "export") }, allowed},
		{"feature, missing", admin, nil, func() error { return RequireFeature(ctx, "export") }, outcome{errs.PermissionDenied, "export feature"}},
		{"plan, subscribed", member, nil, func() error { return RequirePlan(ctx, "pro") }, allowed},
		{"plan, not subscribed", admin, nil, func() error { return RequirePlan(ctx, "pro") }, outcome{errs.PermissionDenied, "pro plan"}},
		{"reverification, fresh", member, nil, func() error { return RequireReverification(ctx, StrictMFA) }, allowed},
		{"reverification, no fva", admin, nil, func() error { return RequireReverification(ctx, Lax) }, reverify},
		{"scope, API key has it", userKey, []string{TagAcceptsAPIKey}, func() error { return RequireScope(ctx, "reports:read") }, allowed},
		{"scope, API key lacks it", userKey, []string{TagAcceptsAPIKey}, func() error { return RequireScope(ctx, "reports:write") }, outcome{errs.PermissionDenied, "the reports:write scope is required"}},
		{"scope, session token", noOrg, nil, func() error { return RequireScope(ctx, "reports:write") }, allowed},
		{"scope, M2M token on an endpoint accepting M2M", machine, []string{TagAcceptsM2MToken}, func() error { return RequireScope(ctx, "reports:write") }, allowed},
		{"scope, M2M token on an endpoint not accepting M2M", machine, []string{TagAcceptsAPIKey}, func() error { return RequireScope(ctx, "reports:write") }, mismatch},
		{"scope, no auth data", nil, nil, func() error { return RequireScope(ctx, "reports:read") }, signInFirst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withAuthData(t, tt.data)
			withEndpointTags(t, tt.tags...)
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
