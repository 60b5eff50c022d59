package clerkauth_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/testutil"
)

// The machines and owners of the machine tokens the tests mint: the
// tests' backend is selfMachine (Config.MachineID), which callerMachine
// may call and otherMachine may not.
const (
	selfMachine   = "mch_self"
	callerMachine = "mch_caller"
	otherMachine  = "mch_other"
	ownerOrg      = "org_2owner"
	oauthClient   = "client_2app"
	userEmail     = "ada@example.com" // userID's, as startWithUser adds it
)

// allTokenTypes are the four types AcceptedTokenTypes may name.
var allTokenTypes = []string{clerkauth.TokenTypeSession, clerkauth.TokenTypeAPIKey, clerkauth.TokenTypeM2M, clerkauth.TokenTypeOAuth}

// clerkEndpoints are every endpoint an Authenticator may call.
var clerkEndpoints = []clerktest.Endpoint{clerktest.JWKS, clerktest.Users, clerktest.APIKeys, clerktest.M2MTokens, clerktest.OAuthTokens}

// machineAuthenticator is an Authenticator trusting srv that accepts the
// token types, verifies opaque tokens with a real opaquetoken.Verifier on
// srv, and is selfMachine; edit, when not nil, changes the rest. The
// verifier's budget of never-seen tokens is out of the tests' way.
func machineAuthenticator(t testing.TB, srv *clerktest.Server, types []string, edit func(*clerkauth.Config)) *clerkauth.Authenticator {
	t.Helper()
	opaque, err := opaquetoken.New(opaquetoken.Config{SecretKey: srv.SecretKey, APIURL: srv.URL, VerifyPerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.AcceptedTokenTypes, c.OpaqueTokens, c.MachineID = types, opaque, selfMachine
		if edit != nil {
			edit(c)
		}
	})
}

// clerkCalls is the number of requests that reached any of srv's endpoints.
func clerkCalls(srv *clerktest.Server) int {
	n := 0
	for _, e := range clerkEndpoints {
		n += srv.Calls(e)
	}
	return n
}

// wantNoClerkCalls fails the test if any request reached srv since its
// last ResetCalls.
func wantNoClerkCalls(t testing.TB, srv *clerktest.Server) {
	t.Helper()
	for _, e := range clerkEndpoints {
		srv.WantCalls(t, e, 0)
	}
}

// unknownToken is an opaque token of Clerk's shape that Clerk never issued.
func unknownToken(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// machineCase is one kind of machine token, as Clerk would issue it, and
// the AuthData it must authenticate as.
type machineCase struct {
	name  string
	token string
	want  clerkauth.AuthData
}

// machineCases mints one token of each kind of machine token on srv.
func machineCases(srv *clerktest.Server) []machineCase {
	userKey := srv.CreateAPIKey(clerktest.APIKey{Subject: userID, Name: "ci deploy", Scopes: []string{"read:foo", "write:bar"}})
	orgKey := srv.CreateAPIKey(clerktest.APIKey{Subject: ownerOrg, Name: "org key"})
	m2m := srv.CreateM2MToken(clerktest.M2MToken{MachineID: callerMachine, MayCall: []string{selfMachine}})
	oauth := srv.CreateOAuthToken(clerktest.OAuthToken{UserID: userID, ClientID: oauthClient, Scopes: []string{"email", "profile"}})
	m2mClaims := srv.M2MClaims(callerMachine, otherMachine, selfMachine)
	scope := srv.OAuthClaims(userID, oauthClient, "email", "profile")
	scp := srv.OAuthClaims(userID, oauthClient)
	delete(scp, "scope")
	scp["scp"] = []string{"email", "read:foo"}
	both := srv.OAuthClaims(userID, oauthClient, "ignored")
	both["scp"] = []string{"profile"}
	oauthData := func(claims map[string]any, scopes ...string) clerkauth.AuthData {
		return clerkauth.AuthData{TokenType: clerkauth.TokenTypeOAuth, Subject: userID, UserID: userID, Email: userEmail,
			Scopes: scopes, TokenID: claims["jti"].(string), ClientID: oauthClient}
	}
	return []machineCase{
		{"user API key", userKey.Secret, clerkauth.AuthData{TokenType: clerkauth.TokenTypeAPIKey, Subject: userID, UserID: userID,
			Scopes: []string{"read:foo", "write:bar"}, TokenID: userKey.ID, Name: "ci deploy"}},
		{"organization API key", orgKey.Secret, clerkauth.AuthData{TokenType: clerkauth.TokenTypeAPIKey, Subject: ownerOrg, OrgID: ownerOrg,
			TokenID: orgKey.ID, Name: "org key"}},
		{"opaque M2M token", m2m.Secret, clerkauth.AuthData{TokenType: clerkauth.TokenTypeM2M, Subject: callerMachine, MachineID: callerMachine,
			TokenID: m2m.ID}},
		{"opaque OAuth token", oauth.Secret, clerkauth.AuthData{TokenType: clerkauth.TokenTypeOAuth, Subject: userID, UserID: userID, Email: userEmail,
			Scopes: []string{"email", "profile"}, TokenID: oauth.ID, ClientID: oauthClient}},
		{"M2M JWT", srv.SignM2M(m2mClaims), clerkauth.AuthData{TokenType: clerkauth.TokenTypeM2M, Subject: callerMachine, MachineID: callerMachine,
			TokenID: m2mClaims["jti"].(string)}},
		{"OAuth JWT with scope", srv.SignOAuth(scope), oauthData(scope, "email", "profile")},
		{"OAuth JWT with scp", srv.SignOAuth(scp), oauthData(scp, "email", "read:foo")},
		{"OAuth JWT with scp and scope", srv.SignOAuth(both), oauthData(both, "profile")},
	}
}

// Each kind of machine token is accepted with the AuthData Clerk's answer
// or claims give it; refused without a single call to Clerk when its type
// is not accepted; and refused in the session cookie, where Clerk's
// backend never reads a machine token.
func TestMachineTokenTypes(t *testing.T) {
	srv := startWithUser(t)
	all := machineAuthenticator(t, srv, allTokenTypes, nil)
	uat := strconv.FormatInt(time.Now().Unix()-60, 10)
	for _, c := range machineCases(srv) {
		t.Run(c.name, func(t *testing.T) {
			data, err := authenticate(all, c.token)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !reflect.DeepEqual(*data, c.want) {
				t.Fatalf("AuthData\n got %+v\nwant %+v", *data, c.want)
			}

			others := slices.DeleteFunc(slices.Clone(allTokenTypes), func(typ string) bool { return typ == c.want.TokenType })
			refusing := machineAuthenticator(t, srv, others, nil)
			srv.ResetCalls()
			_, err = authenticate(refusing, c.token)
			testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
			wantNoClerkCalls(t, srv)

			_, err = all.Authenticate(t.Context(), browserRequest(srv, cookies("__session", c.token, "__client_uat", uat)))
			testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
		})
	}
}

// A session token is accepted only when AcceptedTokenTypes names
// session_token, and refused without a call to Clerk otherwise.
func TestSessionTokenNeedsItsType(t *testing.T) {
	srv := startWithUser(t)
	machinesOnly := machineAuthenticator(t, srv, allTokenTypes[1:], nil)
	_, err := authenticate(machinesOnly, srv.Token(userID))
	testutil.MustFailWith(t, err, clerkauth.ErrInvalidToken)
	wantNoClerkCalls(t, srv)

	data := mustAccept(t, machineAuthenticator(t, srv, allTokenTypes, nil), srv.Token(userID), userID)
	if data.TokenType != clerkauth.TokenTypeSession {
		t.Fatalf("TokenType = %q", data.TokenType)
	}
}

// Revoked, expired and unknown opaque tokens of each kind are refused as
// invalid (401), not as an outage.
func TestOpaqueTokenRefusals(t *testing.T) {
	srv := startWithUser(t)
	a := machineAuthenticator(t, srv, allTokenTypes, nil)
	create := map[string]func(expiration time.Time) clerktest.Issued{
		"API key": func(e time.Time) clerktest.Issued {
			return srv.CreateAPIKey(clerktest.APIKey{Subject: userID, Expiration: e})
		},
		"M2M token": func(e time.Time) clerktest.Issued {
			return srv.CreateM2MToken(clerktest.M2MToken{MachineID: callerMachine, MayCall: []string{selfMachine}, Expiration: e})
		},
		"OAuth token": func(e time.Time) clerktest.Issued {
			return srv.CreateOAuthToken(clerktest.OAuthToken{UserID: userID, ClientID: oauthClient, Expiration: e})
		},
	}
	prefixes := map[string]string{"API key": "ak_", "M2M token": "mt_", "OAuth token": "oat_"}
	for kind, create := range create {
		revoked := create(time.Time{})
		srv.RevokeToken(revoked.ID)
		expired := create(time.Time{})
		srv.ExpireToken(expired.ID)
		for name, token := range map[string]string{
			"revoked":              revoked.Secret,
			"expired":              expired.Secret,
			"created expired":      create(time.Now().Add(-time.Minute)).Secret,
			"unknown":              unknownToken(prefixes[kind]),
			"not of Clerk's shape": prefixes[kind] + "short",
		} {
			if _, err := authenticate(a, token); !errors.Is(err, clerkauth.ErrInvalidToken) {
				t.Errorf("%s %s: error %v, want an invalid-token error", name, kind, err)
			}
		}
	}
}

// No token passes as a kind whose rules it fails, in any direction: the
// kind is decided as Clerk's backend decides it (a mch_ sub makes an M2M
// token, else an at+jwt typ an OAuth token), and then the header must be
// that kind's.
func TestTokenKindConfusion(t *testing.T) {
	srv := startWithUser(t)
	key := srv.SigningKey()
	header := func(base map[string]any, edit func(h map[string]any)) map[string]any {
		edit(base)
		return base
	}
	m2mClaims := func() map[string]any { return srv.M2MClaims(callerMachine, selfMachine) }
	oauthClaims := func() map[string]any { return srv.OAuthClaims(userID, oauthClient, "email") }
	sessionOnly := []string{clerkauth.TokenTypeSession}
	machinesOnly := allTokenTypes[1:]
	for _, c := range []struct {
		name  string
		types []string
		token string
		// free: refused before any call to Clerk.
		free bool
	}{
		{"session token as a machine token", machinesOnly, srv.Token(userID), true},
		{"M2M JWT as a session token", sessionOnly, srv.SignM2M(m2mClaims()), true},
		{"OAuth JWT as a session token", sessionOnly, srv.SignOAuth(oauthClaims()), true},
		{"M2M claims, session cat", allTokenTypes, key.Sign(m2mClaims()), true},
		{"M2M claims, ignore cat", allTokenTypes, key.SignWithHeader(header(key.M2MHeader(), func(h map[string]any) { h["cat"] = clerktest.CategoryIgnore }), m2mClaims()), true},
		{"M2M claims, typ at+jwt", allTokenTypes, key.SignWithHeader(header(key.M2MHeader(), func(h map[string]any) { h["typ"] = clerktest.OAuthAccessTokenType }), m2mClaims()), true},
		{"M2M claims, OAuth header", allTokenTypes, srv.SignOAuth(m2mClaims()), true},
		{"M2M claims, typ application/at+jwt", allTokenTypes, key.SignWithHeader(header(key.OAuthHeader(), func(h map[string]any) { h["typ"] = "application/at+jwt" }), m2mClaims()), true},
		{"session claims, typ at+jwt", allTokenTypes, srv.SignOAuth(srv.Claims(userID)), false},
		{"JWT template cat, session claims", allTokenTypes, key.SignWithHeader(header(key.Header(), func(h map[string]any) { h["cat"] = clerktest.CategoryJWTTemplate }), srv.Claims(userID)), true},
		{"JWT template cat, M2M claims", allTokenTypes, key.SignWithHeader(header(key.M2MHeader(), func(h map[string]any) { h["cat"] = clerktest.CategoryJWTTemplate }), m2mClaims()), true},
		{"JWT template cat, OAuth token", allTokenTypes, key.SignWithHeader(header(key.OAuthHeader(), func(h map[string]any) { h["cat"] = clerktest.CategoryJWTTemplate }), oauthClaims()), true},
		{"M2M cat, user sub", allTokenTypes, key.SignWithHeader(key.M2MHeader(), srv.Claims(userID)), true},
		{"M2M cat, OAuth token", allTokenTypes, key.SignWithHeader(header(key.OAuthHeader(), func(h map[string]any) { h["cat"] = clerktest.CategoryM2MToken }), oauthClaims()), true},
	} {
		a := machineAuthenticator(t, srv, c.types, nil)
		srv.ResetCalls()
		if data, err := authenticate(a, c.token); !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Errorf("%s: accepted as %+v (error %v)", c.name, data, err)
		}
		if calls := clerkCalls(srv); c.free && calls != 0 {
			t.Errorf("%s: refused after %d calls to Clerk, want none", c.name, calls)
		}
	}

	// Each kind is accepted as itself, and only with its own header.
	a := machineAuthenticator(t, srv, allTokenTypes, nil)
	for name, c := range map[string]struct {
		token, want string
	}{
		"session token":                     {srv.Token(userID), clerkauth.TokenTypeSession},
		"session token, no cat":             {key.SignWithHeader(header(key.Header(), func(h map[string]any) { delete(h, "cat") }), srv.Claims(userID)), clerkauth.TokenTypeSession},
		"M2M JWT, no cat":                   {key.SignWithHeader(header(key.M2MHeader(), func(h map[string]any) { delete(h, "cat") }), m2mClaims()), clerkauth.TokenTypeM2M},
		"M2M JWT, no typ":                   {key.SignWithHeader(header(key.M2MHeader(), func(h map[string]any) { delete(h, "typ") }), m2mClaims()), clerkauth.TokenTypeM2M},
		"OAuth JWT, typ application/at+jwt": {key.SignWithHeader(header(key.OAuthHeader(), func(h map[string]any) { h["typ"] = "application/at+jwt" }), oauthClaims()), clerkauth.TokenTypeOAuth},
		"OAuth JWT, ignore cat":             {key.SignWithHeader(header(key.OAuthHeader(), func(h map[string]any) { h["cat"] = clerktest.CategoryIgnore }), oauthClaims()), clerkauth.TokenTypeOAuth},
	} {
		data, err := authenticate(a, c.token)
		if err != nil || data.TokenType != c.want {
			t.Errorf("%s: got %+v, %v; want a %s", name, data, err, c.want)
		}
	}
}

// An M2M JWT must name Config.MachineID among the machines it may call:
// its scopes, space-separated, or, without scopes, its aud. Without
// MachineID any machine's token is accepted.
func TestM2MTokenMustNameThisMachine(t *testing.T) {
	srv := startWithUser(t)
	a := machineAuthenticator(t, srv, allTokenTypes, nil)
	anyMachine := machineAuthenticator(t, srv, allTokenTypes, func(c *clerkauth.Config) { c.MachineID = "" })
	token := func(edit func(c map[string]any)) string {
		claims := srv.M2MClaims(callerMachine)
		edit(claims)
		return srv.SignM2M(claims)
	}
	for _, c := range []struct {
		name     string
		token    string
		accepted bool
	}{
		{"scopes name it", token(func(c map[string]any) { c["scopes"] = otherMachine + " " + selfMachine }), true},
		{"scopes name another", token(func(c map[string]any) { c["scopes"], c["aud"] = otherMachine, []string{selfMachine} }), false},
		{"scopes empty, aud names it", token(func(c map[string]any) { c["scopes"], c["aud"] = "", []string{selfMachine} }), false},
		{"scopes tab-separated", token(func(c map[string]any) { c["scopes"] = otherMachine + "\t" + selfMachine }), false},
		{"scopes null, aud names it", token(func(c map[string]any) { c["scopes"], c["aud"] = nil, selfMachine }), true},
		{"aud string names it", token(func(c map[string]any) { delete(c, "scopes"); c["aud"] = selfMachine }), true},
		{"aud string names another", token(func(c map[string]any) { delete(c, "scopes"); c["aud"] = otherMachine }), false},
		{"aud array names it", token(func(c map[string]any) { delete(c, "scopes"); c["aud"] = []string{otherMachine, selfMachine} }), true},
		{"aud array names another", token(func(c map[string]any) { delete(c, "scopes"); c["aud"] = []string{otherMachine} }), false},
		{"neither", token(func(c map[string]any) { delete(c, "scopes"); delete(c, "aud") }), false},
	} {
		_, err := authenticate(a, c.token)
		if c.accepted != (err == nil) {
			t.Errorf("%s: error %v, want accepted=%v", c.name, err, c.accepted)
		}
		if err != nil && !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Errorf("%s: error %v, want an invalid-token error", c.name, err)
		}
		if !c.accepted {
			if _, err := authenticate(anyMachine, c.token); err != nil {
				t.Errorf("%s: refused without MachineID: %v", c.name, err)
			}
		}
	}
}

// Machine JWTs' claims are checked as strictly as a session token's: the
// issuer, a well-formed subject and jti, an OAuth token's client_id, and
// the types of the scope claims, even without a MachineID to check.
func TestMachineJWTClaimsRefused(t *testing.T) {
	srv := startWithUser(t)
	a := machineAuthenticator(t, srv, allTokenTypes, func(c *clerkauth.Config) { c.MachineID = "" })
	m2m := func(edit func(c map[string]any)) string {
		claims := srv.M2MClaims(callerMachine, selfMachine)
		edit(claims)
		return srv.SignM2M(claims)
	}
	oauth := func(edit func(c map[string]any)) string {
		claims := srv.OAuthClaims(userID, oauthClient, "email")
		edit(claims)
		return srv.SignOAuth(claims)
	}
	for name, token := range map[string]string{
		"M2M, foreign issuer":     m2m(func(c map[string]any) { c["iss"] = "https://clerk.evil.example" }),
		"M2M, no issuer":          m2m(func(c map[string]any) { delete(c, "iss") }),
		"M2M, sub mch_":           m2m(func(c map[string]any) { c["sub"] = "mch_" }),
		"M2M, sub with a path":    m2m(func(c map[string]any) { c["sub"] = "mch_a/../b" }),
		"M2M, jti with a path":    m2m(func(c map[string]any) { c["jti"] = "mt_1/../2" }),
		"M2M, jti a number":       m2m(func(c map[string]any) { c["jti"] = 7 }),
		"M2M, scopes an array":    m2m(func(c map[string]any) { c["scopes"] = []string{selfMachine} }),
		"M2M, aud a number":       m2m(func(c map[string]any) { delete(c, "scopes"); c["aud"] = 7 }),
		"M2M, aud of numbers":     m2m(func(c map[string]any) { delete(c, "scopes"); c["aud"] = []int{7} }),
		"OAuth, foreign issuer":   oauth(func(c map[string]any) { c["iss"] = "https://clerk.evil.example" }),
		"OAuth, no sub":           oauth(func(c map[string]any) { delete(c, "sub") }),
		"OAuth, sub with a path":  oauth(func(c map[string]any) { c["sub"] = "user_1/../2" }),
		"OAuth, sub a session":    oauth(func(c map[string]any) { c["sub"] = "sess_2abc" }),
		"OAuth, sub an org":       oauth(func(c map[string]any) { c["sub"] = "org_2abc" }),
		"OAuth, jti with a space": oauth(func(c map[string]any) { c["jti"] = "oat_1 2" }),
		"OAuth, no client_id":     oauth(func(c map[string]any) { delete(c, "client_id") }),
		"OAuth, empty client_id":  oauth(func(c map[string]any) { c["client_id"] = "" }),
		"OAuth, client_id number": oauth(func(c map[string]any) { c["client_id"] = 7 }),
		"OAuth, scp a string":     oauth(func(c map[string]any) { c["scp"] = "email" }),
		"OAuth, scp of numbers":   oauth(func(c map[string]any) { c["scp"] = []int{7} }),
		"OAuth, scope a number":   oauth(func(c map[string]any) { c["scope"] = 7 }),
		"OAuth, scope an array":   oauth(func(c map[string]any) { c["scope"] = []string{"email"} }),
		"OAuth, sub a number":     oauth(func(c map[string]any) { c["sub"] = 7 }),
		"M2M, wrong key":          clerktest.NewKey().SignWithHeader(srv.SigningKey().M2MHeader(), srv.M2MClaims(callerMachine, selfMachine)),
		"OAuth, wrong key":        clerktest.NewKey().SignWithHeader(srv.SigningKey().OAuthHeader(), srv.OAuthClaims(userID, oauthClient)),
	} {
		if data, err := authenticate(a, token); !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Errorf("%s: got %+v, error %v; want an invalid-token error", name, data, err)
		}
	}

	// A jti is optional; scopes split on the space alone, as Clerk's split(' ').
	if _, err := authenticate(a, m2m(func(c map[string]any) { delete(c, "jti") })); err != nil {
		t.Errorf("M2M JWT without jti refused: %v", err)
	}
	data, err := authenticate(a, oauth(func(c map[string]any) { c["scope"] = " read\twrite  email " }))
	if err != nil || !slices.Equal(data.Scopes, []string{"read\twrite", "email"}) {
		t.Errorf("scope \" read\\twrite  email \": got %+v, %v; want scopes [read\\twrite email]", data, err)
	}
}

// Machine JWTs' exp, nbf and iat are checked with the leeway, as a session
// token's; but a machine chooses its token's lifetime, so one living
// longer than MaxTokenLifetime is accepted where a session token is not.
func TestMachineJWTTimes(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	a := machineAuthenticator(t, srv, allTokenTypes, func(c *clerkauth.Config) { c.Now, c.Leeway = clock.Now, 5*time.Second })
	now := clock.Now().Unix()
	long := int64((clerkauth.MaxTokenLifetime + 24*time.Hour) / time.Second)
	sign := map[string]func(edit func(c map[string]any)) string{
		"M2M JWT": func(edit func(c map[string]any)) string {
			claims := srv.M2MClaims(callerMachine, selfMachine)
			edit(claims)
			return srv.SignM2M(claims)
		},
		"OAuth JWT": func(edit func(c map[string]any)) string {
			claims := srv.OAuthClaims(userID, oauthClient)
			edit(claims)
			return srv.SignOAuth(claims)
		},
	}
	for kind, sign := range sign {
		for _, c := range []struct {
			name     string
			edit     func(c map[string]any)
			accepted bool
		}{
			{"expired beyond the leeway", func(c map[string]any) { c["iat"], c["nbf"], c["exp"] = now-60, now-60, now-6 }, false},
			{"expired within the leeway", func(c map[string]any) { c["iat"], c["nbf"], c["exp"] = now-60, now-60, now-4 }, true},
			{"not valid yet beyond the leeway", func(c map[string]any) { c["nbf"] = now + 6 }, false},
			{"not valid yet within the leeway", func(c map[string]any) { c["nbf"] = now + 4 }, true},
			{"issued in the future beyond the leeway", func(c map[string]any) { c["iat"] = now + 6 }, false},
			{"issued in the future within the leeway", func(c map[string]any) { c["iat"] = now + 4 }, true},
			{"no exp", func(c map[string]any) { delete(c, "exp") }, false},
			{"no iat", func(c map[string]any) { delete(c, "iat") }, false},
			{"exp a string", func(c map[string]any) { c["exp"] = strconv.FormatInt(now+60, 10) }, false},
			{"lives a day past MaxTokenLifetime", func(c map[string]any) { c["iat"], c["nbf"], c["exp"] = now, now, now+long }, true},
		} {
			_, err := authenticate(a, sign(c.edit))
			if c.accepted != (err == nil) {
				t.Errorf("%s %s: error %v, want accepted=%v", kind, c.name, err, c.accepted)
			}
		}
	}
	claims := srv.Claims(userID)
	claims["exp"] = now + long
	if _, err := authenticate(a, srv.Sign(claims)); !errors.Is(err, clerkauth.ErrInvalidToken) {
		t.Fatalf("session token living past MaxTokenLifetime: error %v", err)
	}
}

// A machine token acting for a user Clerk deleted is refused: OAuth tokens
// (JWT and opaque) and user API keys, through Revocations.UserDeleted, also
// once cached; an OAuth token also when Users no longer finds its user.
// An organization's API key and an M2M token act for no user.
func TestMachineTokensOfDeletedUsers(t *testing.T) {
	srv := startWithUser(t)
	srv.AddUser("user_deleted", "gone@example.com")
	revocations := fixedRevocations{users: map[string]bool{}, orgs: map[string]bool{}}
	a := machineAuthenticator(t, srv, allTokenTypes, func(c *clerkauth.Config) { c.Revocations = revocations })
	forUser := func(user string) map[string]string {
		return map[string]string{
			"OAuth JWT":          srv.SignOAuth(srv.OAuthClaims(user, oauthClient, "email")),
			"opaque OAuth token": srv.CreateOAuthToken(clerktest.OAuthToken{UserID: user, ClientID: oauthClient}).Secret,
			"user API key":       srv.CreateAPIKey(clerktest.APIKey{Subject: user}).Secret,
		}
	}
	tokens := forUser("user_deleted")
	for _, token := range tokens {
		mustAccept(t, a, token, "user_deleted")
	}
	revocations.users["user_deleted"] = true
	for name, token := range tokens {
		_, err := authenticate(a, token)
		if !errors.Is(err, clerkauth.ErrInvalidToken) {
			t.Errorf("%s of a deleted user: error %v", name, err)
		}
	}
	orgKey := srv.CreateAPIKey(clerktest.APIKey{Subject: ownerOrg}).Secret
	for name, token := range map[string]string{
		"organization API key": orgKey,
		"M2M JWT":              srv.SignM2M(srv.M2MClaims(callerMachine, selfMachine)),
	} {
		if _, err := authenticate(a, token); err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
	}
	// An organization's API key acts for nothing once Clerk deleted the
	// organization, even from the cache.
	revocations.orgs[ownerOrg] = true
	if _, err := authenticate(a, orgKey); !errors.Is(err, clerkauth.ErrInvalidToken) {
		t.Errorf("API key of a deleted organization: error %v", err)
	}

	// Users does not find user_unknown: its OAuth tokens are refused, as
	// Users' own error, which is not an outage.
	for name, token := range forUser("user_unknown") {
		_, err := authenticate(a, token)
		switch {
		case name == "user API key":
			// An API key carries no email: its user is not looked up.
		case !errors.Is(err, clerkusers.ErrUserNotFound) || errors.Is(err, clerkauth.ErrClerkUnavailable):
			t.Errorf("%s of an unknown user: error %v, want ErrUserNotFound", name, err)
		}
	}
}

// Reuse costs Clerk nothing: the second use of an M2M JWT comes from the
// verified-token cache (no RSA check, which allocates dozens of times, no
// JWKS), the second use of an API key from the opaque-token cache (no
// verify call), and concurrent first uses of one API key share one call.
func TestMachineTokenReuse(t *testing.T) {
	srv := startWithUser(t)
	a := machineAuthenticator(t, srv, allTokenTypes, nil)
	m2m := srv.SignM2M(srv.M2MClaims(callerMachine, selfMachine))
	if _, err := authenticate(a, m2m); err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := authenticate(a, m2m); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("a cached M2M JWT costs %v allocations, want at most 2: verified again?", allocs)
	}
	wantNoClerkCalls(t, srv)

	key := srv.CreateAPIKey(clerktest.APIKey{Subject: userID, Scopes: []string{"read:foo"}})
	for range 3 {
		mustAccept(t, a, key.Secret, userID)
	}
	srv.WantCalls(t, clerktest.APIKeys, 1)

	srv.ResetCalls()
	srv.SetLatency(50 * time.Millisecond)
	fresh := srv.CreateAPIKey(clerktest.APIKey{Subject: userID})
	errs := make(chan error, 16)
	testutil.Concurrently(16, func() {
		_, err := authenticate(a, fresh.Secret)
		errs <- err
	})
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent first use refused: %v", err)
		}
	}
	srv.WantCalls(t, clerktest.APIKeys, 1)
}

// New refuses configurations that cannot be what was meant: an unknown
// token type, machine token types with nothing to verify opaque tokens,
// a MachineID that is not one.
func TestMachineConfig(t *testing.T) {
	srv := clerktest.Start(t)
	opaque, err := opaquetoken.New(opaquetoken.Config{SecretKey: srv.SecretKey, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	base := testConfig(t, srv)
	for _, c := range []struct {
		name string
		edit func(c *clerkauth.Config)
		ok   bool
	}{
		{"defaults", func(*clerkauth.Config) {}, true},
		{"all types", func(c *clerkauth.Config) { c.AcceptedTokenTypes, c.OpaqueTokens = allTokenTypes, opaque }, true},
		{"machine ID", func(c *clerkauth.Config) { c.MachineID = "mch_2abc" }, true},
		{"unknown type", func(c *clerkauth.Config) { c.AcceptedTokenTypes = []string{"session"} }, false},
		{"empty type", func(c *clerkauth.Config) { c.AcceptedTokenTypes = []string{clerkauth.TokenTypeSession, ""} }, false},
		{"type of another case", func(c *clerkauth.Config) { c.AcceptedTokenTypes = []string{"API_KEY"}; c.OpaqueTokens = opaque }, false},
		{"api_key without OpaqueTokens", func(c *clerkauth.Config) { c.AcceptedTokenTypes = []string{clerkauth.TokenTypeAPIKey} }, false},
		{"m2m_token without OpaqueTokens", func(c *clerkauth.Config) { c.AcceptedTokenTypes = []string{clerkauth.TokenTypeM2M} }, false},
		{"oauth_token without OpaqueTokens", func(c *clerkauth.Config) {
			c.AcceptedTokenTypes = []string{clerkauth.TokenTypeSession, clerkauth.TokenTypeOAuth}
		}, false},
		{"machine ID of a user", func(c *clerkauth.Config) { c.MachineID = "user_2abc" }, false},
		{"machine ID mch_", func(c *clerkauth.Config) { c.MachineID = "mch_" }, false},
		{"machine ID with a space", func(c *clerkauth.Config) { c.MachineID = "mch_2abc " }, false},
		{"machine ID of another case", func(c *clerkauth.Config) { c.MachineID = "MCH_2abc" }, false},
	} {
		cfg := base
		c.edit(&cfg)
		_, err := clerkauth.New(cfg)
		if c.ok != (err == nil) {
			t.Errorf("%s: error %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
