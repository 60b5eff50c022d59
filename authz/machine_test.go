package authz

import (
	"fmt"
	"testing"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// everyType is what TestEveryCallerEveryCheck sends through the org tags:
// the token-type check passes for every known type, so only the tags decide.
var everyType = []string{TagAcceptsSessionToken, TagAcceptsAPIKey, TagAcceptsM2MToken, TagAcceptsOAuthToken}

// The checks every caller meets, each asking for something member has.
var checks = []struct {
	name   string
	decide func(*clerkauth.AuthData) *errs.Error
}{
	{"Organization", Organization},
	{"Role org:member", func(d *clerkauth.AuthData) *errs.Error { return Role(d, "org:member") }},
	{"Permission org:reports:read", func(d *clerkauth.AuthData) *errs.Error { return Permission(d, "org:reports:read") }},
	{"Feature export", func(d *clerkauth.AuthData) *errs.Error { return Feature(d, "export") }},
	{"Plan pro", func(d *clerkauth.AuthData) *errs.Error { return Plan(d, "pro") }},
	{"Scope reports:read", func(d *clerkauth.AuthData) *errs.Error { return Scope(d, "reports:read") }},
	{"Reverification lax", func(d *clerkauth.AuthData) *errs.Error { return Reverification(d, Lax) }},
	{"tag org_member", func(d *clerkauth.AuthData) *errs.Error { return Decide(d, append(everyType, TagOrgMember)) }},
	{"tag org_admin", func(d *clerkauth.AuthData) *errs.Error { return Decide(d, append(everyType, TagOrgAdmin)) }},
}

// TestEveryCallerEveryCheck runs every kind of caller through every check.
// Machine tokens are refused what only a user's session carries, whatever
// claims their auth data holds: forged carries every session claim a member
// has, and is refused them all because it is an API key.
func TestEveryCallerEveryCheck(t *testing.T) {
	forged := *member
	forged.TokenType = apiKey
	forged.Scopes = nil
	untyped := *member
	untyped.TokenType = ""
	unknown := *member
	unknown.TokenType = "jwt_template"
	// Only an API key acts in the organization in its auth data.
	orgOAuth := &clerkauth.AuthData{TokenType: oauth, Subject: "user_1", UserID: "user_1", OrgID: "org_1", Scopes: []string{"reports:read"}}
	orgMachine := &clerkauth.AuthData{TokenType: m2m, Subject: "mch_1", MachineID: "mch_1", OrgID: "org_1"}

	actsInNone := func(typ string) outcome {
		return outcome{errs.PermissionDenied, fmt.Sprintf("an active organization is required, and a token of type %s acts in none", typ)}
	}
	carriesNone := func(typ string) outcome {
		return outcome{errs.PermissionDenied, "is required, and a token of type " + typ + " carries none"}
	}
	cannotReverify := func(typ string) outcome {
		return outcome{errs.PermissionDenied, "reverification is required, and a token of type " + typ + " cannot reverify"}
	}
	noScope := outcome{errs.PermissionDenied, "the reports:read scope is required, and this api_key does not have it"}

	callers := []struct {
		name string
		data *clerkauth.AuthData
		want []outcome // in the order of checks
	}{
		{"no auth data", nil, []outcome{
			signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst,
		}},
		{"session token, member", member, []outcome{
			allowed, allowed, allowed, allowed, allowed, allowed, allowed, allowed, needAdmin,
		}},
		{"session token, no organization", noOrg, []outcome{
			selectOrg, selectOrg, selectOrg, {errs.PermissionDenied, "the export feature is required"}, {errs.PermissionDenied, "the pro plan is required"},
			allowed, {errs.PermissionDenied, "reverification is required (lax"}, selectOrg, selectOrg,
		}},
		{"user's API key", userKey, []outcome{
			actsInNone(apiKey), carriesNone(apiKey), carriesNone(apiKey), carriesNone(apiKey), carriesNone(apiKey),
			allowed, cannotReverify(apiKey), actsInNone(apiKey), carriesNone(apiKey),
		}},
		{"organization's API key", orgKey, []outcome{
			allowed, carriesNone(apiKey), carriesNone(apiKey), carriesNone(apiKey), carriesNone(apiKey),
			allowed, cannotReverify(apiKey), allowed, carriesNone(apiKey),
		}},
		{"API key with a member's session claims", &forged, []outcome{
			allowed, carriesNone(apiKey), carriesNone(apiKey), carriesNone(apiKey), carriesNone(apiKey),
			noScope, cannotReverify(apiKey), allowed, carriesNone(apiKey),
		}},
		{"M2M token", machine, []outcome{
			actsInNone(m2m), carriesNone(m2m), carriesNone(m2m), carriesNone(m2m), carriesNone(m2m),
			allowed, cannotReverify(m2m), actsInNone(m2m), carriesNone(m2m),
		}},
		{"OAuth token", app, []outcome{
			actsInNone(oauth), carriesNone(oauth), carriesNone(oauth), carriesNone(oauth), carriesNone(oauth),
			allowed, cannotReverify(oauth), actsInNone(oauth), carriesNone(oauth),
		}},
		{"OAuth token with an organization", orgOAuth, []outcome{
			actsInNone(oauth), carriesNone(oauth), carriesNone(oauth), carriesNone(oauth), carriesNone(oauth),
			allowed, cannotReverify(oauth), actsInNone(oauth), carriesNone(oauth),
		}},
		{"M2M token with an organization", orgMachine, []outcome{
			actsInNone(m2m), carriesNone(m2m), carriesNone(m2m), carriesNone(m2m), carriesNone(m2m),
			allowed, cannotReverify(m2m), actsInNone(m2m), carriesNone(m2m),
		}},
		{"member's claims without a token type", &untyped, []outcome{
			signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, mismatch, mismatch,
		}},
		{"member's claims with an unknown token type", &unknown, []outcome{
			signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, signInFirst, mismatch, mismatch,
		}},
	}
	for _, c := range callers {
		if len(c.want) != len(checks) {
			t.Fatalf("%s: %d outcomes for %d checks", c.name, len(c.want), len(checks))
		}
		for i, chk := range checks {
			t.Run(c.name+"/"+chk.name, func(t *testing.T) { check(t, chk.decide(c.data), c.want[i]) })
		}
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		name string
		err  *errs.Error
		want outcome
	}{
		{"API key, held", Scope(orgKey, "reports:read"), allowed},
		{"API key, not held", Scope(orgKey, "reports:write"), outcome{errs.PermissionDenied, "the reports:write scope is required, and this api_key does not have it"}},
		{"API key, case differs", Scope(orgKey, "Reports:Read"), outcome{errs.PermissionDenied, "the Reports:Read scope is required"}},
		{"API key, prefix of a held scope", Scope(orgKey, "reports"), outcome{errs.PermissionDenied, "the reports scope is required"}},
		{"API key, empty scope", Scope(&clerkauth.AuthData{TokenType: apiKey, Scopes: []string{""}}, ""), outcome{errs.PermissionDenied, "scope is required"}},
		{"OAuth token, held", Scope(app, "reports:read"), allowed},
		{"OAuth token, not held", Scope(app, "email"), outcome{errs.PermissionDenied, "the email scope is required, and this oauth_token does not have it"}},
		{"M2M token", Scope(machine, "anything"), allowed},
		{"session token", Scope(member, "anything"), allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.err, tt.want) })
	}
}
