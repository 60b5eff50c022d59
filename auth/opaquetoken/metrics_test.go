package opaquetoken_test

import (
	"maps"
	"testing"

	"encore.app/auth/clerktest"
	"encore.app/auth/opaquetoken"
	"encore.app/internal/authmetrics"
)

// Each Verify counts one cache lookup: a miss (and the verification at
// Clerk it costs, by endpoint), then a hit for a token Clerk accepted and
// a negative hit for one it refused, with no Clerk call.
func TestCacheLookupsAndCallsAreCounted(t *testing.T) {
	counts := &authmetrics.Counts{}
	f := start(t, func(c *opaquetoken.Config) { c.Metrics = counts })
	expect := func(want map[string]uint64) {
		t.Helper()
		if got := counts.Take(); !maps.Equal(got, want) {
			t.Fatalf("counted %v\nwant    %v", got, want)
		}
	}
	key := f.srv.CreateAPIKey(clerktest.APIKey{Subject: "user_1"})
	m2m := f.srv.CreateM2MToken(clerktest.M2MToken{MachineID: "mch_1"})
	f.mustAccept(t, key.Secret, key.ID)
	f.mustAccept(t, m2m.Secret, m2m.ID)
	expect(map[string]uint64{
		"auth_cache_lookups{cache=machine_tokens,result=miss}": 2,
		"auth_clerk_calls{endpoint=api_key_verify,outcome=ok}": 1,
		"auth_clerk_calls{endpoint=m2m_verify,outcome=ok}":     1,
	})
	f.mustAccept(t, key.Secret, key.ID)
	expect(map[string]uint64{"auth_cache_lookups{cache=machine_tokens,result=hit}": 1})

	forged := randomToken("oat_")
	for range 3 {
		if _, err := f.verify(forged); err == nil {
			t.Fatal("a random OAuth token was accepted")
		}
	}
	expect(map[string]uint64{
		"auth_cache_lookups{cache=machine_tokens,result=miss}":         1,
		"auth_clerk_calls{endpoint=oauth_verify,outcome=not_found}":    1,
		"auth_cache_lookups{cache=machine_tokens,result=negative_hit}": 2,
	})
}
