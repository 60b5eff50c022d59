package clerkauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/authmetrics"
)

// countedAuthenticator is an Authenticator trusting srv whose counts, its
// user cache's included, go to the Counts returned; edit, when not nil,
// changes the configuration.
func countedAuthenticator(t testing.TB, srv *clerktest.Server, edit func(*clerkauth.Config)) (*clerkauth.Authenticator, *authmetrics.Counts) {
	t.Helper()
	counts := &authmetrics.Counts{}
	users, err := clerkusers.NewUserCache(clerkusers.Config{SecretKey: srv.SecretKey, APIURL: srv.URL, Metrics: counts})
	if err != nil {
		t.Fatal(err)
	}
	return newAuthenticator(t, srv, func(c *clerkauth.Config) {
		c.Users, c.Metrics = users, counts
		if edit != nil {
			edit(c)
		}
	}), counts
}

// expectCounts fails unless exactly want was counted since the last Take.
func expectCounts(t testing.TB, counts *authmetrics.Counts, want map[string]uint64) {
	t.Helper()
	if got := counts.Take(); !maps.Equal(got, want) {
		t.Fatalf("counted %v\nwant    %v", got, want)
	}
}

// A request's first token is counted with the Clerk calls it cost; the
// same token again is counted from the caches, with no Clerk call.
func TestCachedRequestCountsNoClerkCall(t *testing.T) {
	srv := startWithUser(t)
	a, counts := countedAuthenticator(t, srv, nil)
	token := srv.Token(userID)
	mustAccept(t, a, token, userID)
	expectCounts(t, counts, map[string]uint64{
		"auth_requests_authenticated{token_type=session_token}": 1,
		"auth_cache_lookups{cache=verified_tokens,result=miss}": 1,
		"auth_clerk_calls{endpoint=jwks,outcome=ok}":            1,
		"auth_cache_lookups{cache=users,result=miss}":           1,
		"auth_clerk_calls{endpoint=users,outcome=ok}":           1,
	})
	mustAccept(t, a, token, userID)
	expectCounts(t, counts, map[string]uint64{
		"auth_requests_authenticated{token_type=session_token}": 1,
		"auth_cache_lookups{cache=verified_tokens,result=hit}":  1,
		"auth_cache_lookups{cache=users,result=hit}":            1,
	})
}

// A forged token (a valid one whose payload names another user) is
// counted once, as an invalid token, and nothing else but the cache miss
// that sent it to the RSA check.
func TestForgedTokenCountsOneRefusal(t *testing.T) {
	srv := startWithUser(t)
	a, counts := countedAuthenticator(t, srv, nil)
	token := srv.Token(userID)
	mustAccept(t, a, token, userID)
	counts.Take()

	segments := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(segments[1])
	if err != nil {
		t.Fatal(err)
	}
	segments[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), userID, "user_admin", 1)))
	if _, err := authenticate(a, strings.Join(segments, ".")); !errors.Is(err, clerkauth.ErrInvalidToken) {
		t.Fatalf("forged token: %v", err)
	}
	expectCounts(t, counts, map[string]uint64{
		"auth_requests_refused{reason=invalid_token}":           1,
		"auth_cache_lookups{cache=verified_tokens,result=miss}": 1,
	})
}

// boom is a Users that fails as none of clerkauth's errors.
type boom struct{}

func (boom) PrimaryEmail(context.Context, string) (string, error) { return "", errors.New("boom") }

// Every reason class a request can be refused for is counted as that
// class and no other, and Reason gives the same class: the metric and the
// failure log classify alike.
func TestEachRefusalIsCountedByItsReason(t *testing.T) {
	revoked := fixedRevocations{
		sessions:    map[string]bool{"sess_revoked": true},
		users:       map[string]bool{"user_deleted": true},
		memberships: map[[2]string]int64{{userID, "org_1"}: time.Now().Unix() + 60},
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		edit func(*clerkauth.Config)
		// request is the request, made on srv (before ctx is used).
		request func(srv *clerktest.Server) clerkauth.Request
		ctx     context.Context
		want    authmetrics.Reason
	}{
		{"no credentials", nil, func(*clerktest.Server) clerkauth.Request { return clerkauth.Request{} }, nil, authmetrics.ReasonNoCredentials},
		{"malformed", nil, bearer(func(*clerktest.Server) string { return "not.a.token" }), nil, authmetrics.ReasonInvalidToken},
		{"revoked session", withRevocations(revoked), bearer(func(srv *clerktest.Server) string {
			claims := srv.Claims(userID)
			claims["sid"] = "sess_revoked"
			return srv.Sign(claims)
		}), nil, authmetrics.ReasonRevokedSession},
		{"deleted user, revoked", withRevocations(revoked), bearer(func(srv *clerktest.Server) string { return srv.Token("user_deleted") }), nil, authmetrics.ReasonDeletedUser},
		{"deleted user, not at Clerk", nil, bearer(func(srv *clerktest.Server) string { return srv.Token("user_gone") }), nil, authmetrics.ReasonDeletedUser},
		{"membership changed", withRevocations(revoked), bearer(func(srv *clerktest.Server) string {
			claims := srv.Claims(userID)
			claims["o"] = map[string]any{"id": "org_1", "rol": "admin", "slg": "acme"}
			return srv.Sign(claims)
		}), nil, authmetrics.ReasonMembershipChanged},
		{"cross-site cookie", nil, func(srv *clerktest.Server) clerkauth.Request {
			claims := srv.Claims(userID)
			uat := strconv.FormatInt(claims["iat"].(int64), 10)
			return clerkauth.Request{Cookie: cookies("__session", srv.Sign(claims), "__client_uat", uat), SecFetchSite: "cross-site"}
		}, nil, authmetrics.ReasonCookieCheck},
		{"API key, session tokens only", nil, bearer(func(srv *clerktest.Server) string {
			return srv.CreateAPIKey(clerktest.APIKey{Subject: userID}).Secret
		}), nil, authmetrics.ReasonTokenTypeMismatch},
		{"M2M JWT, session tokens only", nil, bearer(func(srv *clerktest.Server) string {
			return srv.SignM2M(srv.M2MClaims(callerMachine, selfMachine))
		}), nil, authmetrics.ReasonTokenTypeMismatch},
		{"Clerk down", nil, bearer(func(srv *clerktest.Server) string {
			srv.Fail(clerktest.JWKS, clerktest.Failure{Status: 503})
			return srv.Token(userID)
		}), nil, authmetrics.ReasonClerkUnavailable},
		{"client gone", nil, bearer(func(srv *clerktest.Server) string {
			srv.SetLatency(time.Second)
			return srv.Token(userID)
		}), canceled, authmetrics.ReasonCanceled},
		{"Users failing otherwise", func(c *clerkauth.Config) { c.Users = boom{} }, bearer(func(srv *clerktest.Server) string { return srv.Token(userID) }), nil, authmetrics.ReasonOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startWithUser(t)
			a, counts := countedAuthenticator(t, srv, c.edit)
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := a.Authenticate(ctx, c.request(srv))
			if err == nil {
				t.Fatal("accepted")
			}
			if got := clerkauth.Reason(err); got != c.want {
				t.Errorf("Reason(%v) = %s, want %s", err, got, c.want)
			}
			requests := map[string]uint64{}
			for k, v := range counts.Take() {
				if strings.HasPrefix(k, "auth_requests_") {
					requests[k] = v
				}
			}
			if want := map[string]uint64{"auth_requests_refused{reason=" + c.want.String() + "}": 1}; !maps.Equal(requests, want) {
				t.Fatalf("counted %v, want %v", requests, want)
			}
		})
	}
}

func withRevocations(r clerkauth.Revocations) func(*clerkauth.Config) {
	return func(c *clerkauth.Config) { c.Revocations = r }
}

// bearer is the request carrying token's result in the Authorization header.
func bearer(token func(*clerktest.Server) string) func(*clerktest.Server) clerkauth.Request {
	return func(srv *clerktest.Server) clerkauth.Request {
		return clerkauth.Request{Authorization: "Bearer " + token(srv)}
	}
}

// The key set's age is reported on every verification with fetched keys:
// zero once fetched, the time since on the clock after; a static key set
// reports none.
func TestKeySetAgeIsReported(t *testing.T) {
	srv := startWithUser(t)
	clock := clerktest.NewClock()
	a, counts := countedAuthenticator(t, srv, func(c *clerkauth.Config) { c.Now = clock.Now })
	mustAccept(t, a, srv.Sign(claimsAt(srv, userID, "sess_1", clock.Now())), userID)
	if age, ok := counts.Gauges()[authmetrics.MetricKeySetAge]; !ok || age != 0 {
		t.Fatalf("key set age after the fetch: %v, %v", age, ok)
	}
	clock.Advance(30 * time.Second)
	mustAccept(t, a, srv.Sign(claimsAt(srv, userID, "sess_2", clock.Now())), userID)
	if age := counts.Gauges()[authmetrics.MetricKeySetAge]; age != 30 {
		t.Fatalf("key set age 30s later: %v", age)
	}

	static, counts := countedAuthenticator(t, srv, func(c *clerkauth.Config) { c.JWTKey = srv.SigningKey().PublicKeyPEM() })
	mustAccept(t, static, srv.Token(userID), userID)
	if g := counts.Gauges(); len(g) != 0 {
		t.Fatalf("a static key reported %v", g)
	}
}
