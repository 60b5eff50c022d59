package localclerk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkusers"
	"encore.app/auth/localclerk"
)

const party = "http://localhost:3000"

// newClerk is a Clerk with Acme's admin Alice, member Bob and Carol, in no
// organization, served on a test server.
func newClerk(t *testing.T) (*localclerk.Clerk, string) {
	t.Helper()
	c := localclerk.New()
	c.SecretKey, c.Issuer, c.AuthorizedParty = localclerk.NewSecretKey(), "https://clerk.localclerk.example", party
	c.AddUser("user_alice", "alice@example.com")
	c.AddUser("user_bob", "bob@example.com")
	c.AddUser("user_carol", "carol@example.com")
	c.SetOrganization(localclerk.Organization{ID: "org_acme", Name: "Acme", Slug: "acme"})
	for _, err := range []error{
		c.SetRole("org:admin", "org:reports:read", "org:reports:manage", "org:billing:manage"),
		c.SetRole("org:member", "org:reports:read"),
		c.SetMembership(localclerk.Membership{OrgID: "org_acme", UserID: "user_alice", Role: "org:admin"}),
		c.SetMembership(localclerk.Membership{OrgID: "org_acme", UserID: "user_bob", Role: "org:member"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(c.Handler(nil))
	t.Cleanup(srv.Close)
	return c, srv.URL + "/v1"
}

// authenticator is the real Authenticator against the Clerk, with the
// default settings of auth/config.cue: Issuer empty, azp checked.
func authenticator(t *testing.T, c *localclerk.Clerk, apiURL string) *clerkauth.Authenticator {
	t.Helper()
	users, err := clerkusers.NewUserCache(clerkusers.Config{SecretKey: c.SecretKey, APIURL: apiURL})
	if err != nil {
		t.Fatal(err)
	}
	a, err := clerkauth.New(clerkauth.Config{SecretKey: c.SecretKey, APIURL: apiURL, AuthorizedParties: []string{party}, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mint(t *testing.T, c *localclerk.Clerk, o localclerk.SessionTokenOptions) (string, string) {
	t.Helper()
	token, sid, err := c.SessionToken(o)
	if err != nil {
		t.Fatal(err)
	}
	return token, sid
}

func authenticate(t *testing.T, a *clerkauth.Authenticator, token string) *clerkauth.AuthData {
	t.Helper()
	data, err := a.Authenticate(context.Background(), clerkauth.Request{Authorization: "Bearer " + token})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// payload is the token's claims.
func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// A token with an active organization carries Clerk's v2 claims, and the
// real Authenticator reads from them what Clerk's has() reads: the role,
// the permissions from o.per and o.fpm, features, plans and fva. The user's
// email comes from the Clerk's users endpoint.
func TestSessionTokenCarriesClerksClaims(t *testing.T) {
	c, apiURL := newClerk(t)
	a := authenticator(t, c, apiURL)

	token, sid := mint(t, c, localclerk.SessionTokenOptions{
		UserID: "user_alice", OrgID: "org_acme",
		Features: []string{"u:beta", "o:analytics"}, Plans: []string{"u:pro"}, FactorAges: []int{3, 7},
	})
	claims := payload(t, token)
	o, _ := claims["o"].(map[string]any)
	// fea lists the organization features in order: analytics (no
	// permission), then reports (read and manage: bits 0 and 1) and billing
	// (manage: bit 1), added by the role.
	if claims["v"] != 2.0 || claims["sid"] != sid || claims["azp"] != party || claims["fea"] != "u:beta,o:analytics,o:reports,o:billing" || claims["pla"] != "u:pro" ||
		o["id"] != "org_acme" || o["slg"] != "acme" || o["rol"] != "admin" || o["per"] != "read,manage" || o["fpm"] != "0,3,2" {
		t.Fatalf("claims %v", claims)
	}
	data := authenticate(t, a, token)
	slices.Sort(data.OrgPermissions)
	if data.UserID != "user_alice" || data.Email != "alice@example.com" || data.SessionID != sid || data.OrgID != "org_acme" || data.OrgSlug != "acme" ||
		data.OrgRole != "org:admin" || !slices.Equal(data.OrgPermissions, []string{"org:billing:manage", "org:reports:manage", "org:reports:read"}) ||
		!data.HasFeature("u:beta") || !data.HasFeature("o:analytics") || !data.HasPlan("u:pro") || !slices.Equal(data.FactorVerificationAge, []int{3, 7}) {
		t.Fatalf("auth data %+v", data)
	}

	token, _ = mint(t, c, localclerk.SessionTokenOptions{UserID: "user_bob", OrgID: "org_acme"})
	data = authenticate(t, a, token)
	if !data.HasRole("org:member") || !slices.Equal(data.OrgPermissions, []string{"org:reports:read"}) || data.HasPermission("org:reports:manage") {
		t.Fatalf("member: %+v", data)
	}
	token, _ = mint(t, c, localclerk.SessionTokenOptions{UserID: "user_bob", OrgID: "org_acme", OrgRole: "org:admin"})
	if data = authenticate(t, a, token); !data.HasRole("org:admin") || !data.HasPermission("org:billing:manage") {
		t.Fatalf("member with the admin role: %+v", data)
	}
	token, _ = mint(t, c, localclerk.SessionTokenOptions{UserID: "user_carol"})
	if claims := payload(t, token); claims["o"] != nil || claims["fea"] != nil || claims["pla"] != nil {
		t.Fatalf("no organization: %v", claims)
	}
	if data = authenticate(t, a, token); data.OrgID != "" || data.OrgRole != "" {
		t.Fatalf("no organization: %+v", data)
	}
}

// A token continues its session until the session ends; deleting a user
// ends its sessions and memberships.
func TestSessions(t *testing.T) {
	c, _ := newClerk(t)
	_, sid := mint(t, c, localclerk.SessionTokenOptions{UserID: "user_bob"})
	if _, again := mint(t, c, localclerk.SessionTokenOptions{UserID: "user_bob", SessionID: sid}); again != sid {
		t.Fatalf("session %s continued as %s", sid, again)
	}
	if _, other := mint(t, c, localclerk.SessionTokenOptions{UserID: "user_bob"}); other == sid || !strings.HasPrefix(other, "sess_") {
		t.Fatalf("a new session is %q", other)
	}
	if user, err := c.EndSession(sid); err != nil || user != "user_bob" {
		t.Fatalf("EndSession: %q, %v", user, err)
	}
	if _, _, err := c.SessionToken(localclerk.SessionTokenOptions{UserID: "user_bob", SessionID: sid}); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Fatalf("minted in an ended session: %v", err)
	}
	if _, err := c.EndSession("sess_unknown"); !localclerk.IsNotFound(err) {
		t.Fatalf("ending an unknown session: %v", err)
	}

	_, alive := mint(t, c, localclerk.SessionTokenOptions{UserID: "user_alice"})
	if !c.DeleteUser("user_alice") || c.DeleteUser("user_alice") {
		t.Fatal("DeleteUser reports wrongly whether the user existed")
	}
	if _, ok := c.User("user_alice"); ok || len(c.Memberships("user_alice")) != 0 {
		t.Fatal("a deleted user or its memberships remain")
	}
	if _, _, err := c.SessionToken(localclerk.SessionTokenOptions{UserID: "user_alice", SessionID: alive}); !localclerk.IsNotFound(err) {
		t.Fatalf("minted for a deleted user: %v", err)
	}
}

// What Clerk would never mint is refused with an error saying why.
func TestSessionTokenRefusals(t *testing.T) {
	c, _ := newClerk(t)
	_, alicesSession := mint(t, c, localclerk.SessionTokenOptions{UserID: "user_alice"})
	for name, tt := range map[string]struct {
		opts     localclerk.SessionTokenOptions
		notFound bool
		says     string
	}{
		"unknown user":         {localclerk.SessionTokenOptions{UserID: "user_nobody"}, true, "user_nobody"},
		"unknown organization": {localclerk.SessionTokenOptions{UserID: "user_alice", OrgID: "org_none"}, true, "org_none"},
		"not a member":         {localclerk.SessionTokenOptions{UserID: "user_carol", OrgID: "org_acme"}, false, "not a member"},
		"undefined role":       {localclerk.SessionTokenOptions{UserID: "user_bob", OrgID: "org_acme", OrgRole: "org:owner"}, false, "org:admin, org:member"},
		"another's session":    {localclerk.SessionTokenOptions{UserID: "user_bob", SessionID: alicesSession}, true, alicesSession},
		"unscoped feature":     {localclerk.SessionTokenOptions{UserID: "user_bob", Features: []string{"beta"}}, false, `"beta"`},
		"unknown scope":        {localclerk.SessionTokenOptions{UserID: "user_bob", Features: []string{"x:beta"}}, false, "scope"},
		"two in one entry":     {localclerk.SessionTokenOptions{UserID: "user_bob", Plans: []string{"u:a,u:b"}}, false, "plans"},
		"empty plan":           {localclerk.SessionTokenOptions{UserID: "user_bob", Plans: []string{"u:"}}, false, "plans"},
		"one factor age":       {localclerk.SessionTokenOptions{UserID: "user_bob", FactorAges: []int{1}}, false, "fva"},
		"negative age":         {localclerk.SessionTokenOptions{UserID: "user_bob", FactorAges: []int{-2, 0}}, false, "fva"},
	} {
		token, _, err := c.SessionToken(tt.opts)
		if err == nil || token != "" || localclerk.IsNotFound(err) != tt.notFound || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %q, %v", name, token, err)
		}
	}
}

func TestRolesAndMembershipsRefuseWhatClerkWould(t *testing.T) {
	c, _ := newClerk(t)
	for _, err := range []error{
		c.SetRole("admin"),
		c.SetRole("org:"),
		c.SetRole("org:auditor", "reports:read"),
		c.SetRole("org:auditor", "org:reports:read:all"),
		c.SetRole("org:auditor", "org:re ports:read"),
		c.SetMembership(localclerk.Membership{OrgID: "org_acme", UserID: "user_carol", Role: "org:auditor"}),
	} {
		if err == nil || localclerk.IsNotFound(err) {
			t.Errorf("accepted, or not found: %v", err)
		}
	}
	for _, m := range []localclerk.Membership{
		{OrgID: "org_none", UserID: "user_carol", Role: "org:member"},
		{OrgID: "org_acme", UserID: "user_nobody", Role: "org:member"},
	} {
		if err := c.SetMembership(m); !localclerk.IsNotFound(err) {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if _, err := c.DeleteMembership("org_acme", "user_carol"); !localclerk.IsNotFound(err) {
		t.Errorf("deleting a membership that is not: %v", err)
	}
}

// Membership events have the shape of Clerk's OrganizationMembership.
func TestMembershipEventBody(t *testing.T) {
	c, _ := newClerk(t)
	at := time.UnixMilli(1654013202977)
	var ev struct {
		Type      string `json:"type"`
		Timestamp int64  `json:"timestamp"`
		Data      struct {
			Object       string   `json:"object"`
			ID           string   `json:"id"`
			Role         string   `json:"role"`
			Permissions  []string `json:"permissions"`
			UpdatedAt    int64    `json:"updated_at"`
			Organization struct {
				Object, ID, Name, Slug string
			} `json:"organization"`
			PublicUserData struct {
				UserID     string `json:"user_id"`
				Identifier string `json:"identifier"`
			} `json:"public_user_data"`
		} `json:"data"`
	}
	m := localclerk.Membership{OrgID: "org_acme", UserID: "user_bob", Role: "org:member"}
	body := c.MembershipEventBody("organizationMembership.updated", m, at)
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	d := ev.Data
	if ev.Type != "organizationMembership.updated" || ev.Timestamp != at.UnixMilli() || d.Object != "organization_membership" || !strings.HasPrefix(d.ID, "orgmem_") ||
		d.Role != "org:member" || !slices.Equal(d.Permissions, []string{"org:reports:read"}) || d.UpdatedAt != at.UnixMilli() ||
		d.Organization.Object != "organization" || d.Organization.ID != "org_acme" || d.Organization.Slug != "acme" || d.Organization.Name != "Acme" ||
		d.PublicUserData.UserID != "user_bob" || d.PublicUserData.Identifier != "bob@example.com" {
		t.Fatalf("membership event: %s", body)
	}
}

// The Backend API answers only the secret key: a Clerk whose key is not
// set yet accepts no empty Bearer credential, a wrong key is refused.
func TestBackendAPIWantsTheSecretKey(t *testing.T) {
	c := localclerk.New()
	c.AddUser("user_alice", "alice@example.com")
	h := c.Handler(nil)
	for _, header := range []string{"", "Bearer ", "Bearer sk_test_wrong", "Basic x"} {
		req := httptest.NewRequest(http.MethodGet, "/v1/users/user_alice", nil)
		req.Header.Set("Authorization", header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d", header, rec.Code)
		}
	}
}
