package authz

import (
	"maps"
	"testing"

	"encore.dev/middleware"

	"encore.app/internal/authmetrics"
)

// The middleware counts a token-type mismatch in the Recorder the auth
// service set, once per refusal, and nothing for what it allows or
// refuses for another reason.
func TestMiddlewareCountsTokenTypeMismatches(t *testing.T) {
	counts := &authmetrics.Counts{}
	SetMetrics(counts)
	t.Cleanup(func() { SetMetrics(nil) })
	next := func(middleware.Request) middleware.Response { return middleware.Response{} }
	for _, c := range []struct {
		name string
		call func()
		want map[string]uint64
	}{
		{"API key, session tokens only", func() {
			withAuthData(t, userKey)
			withEndpointTags(t)
			EndpointTags(middleware.Request{}, next)
		}, map[string]uint64{"auth_requests_refused{reason=token_type_mismatch}": 1}},
		{"session token, accepts_api_key", func() {
			withAuthData(t, noOrg)
			withEndpointTags(t, TagAcceptsAPIKey)
			EndpointTags(middleware.Request{}, next)
		}, map[string]uint64{"auth_requests_refused{reason=token_type_mismatch}": 1}},
		{"session token allowed", func() {
			withAuthData(t, noOrg)
			withEndpointTags(t)
			EndpointTags(middleware.Request{}, next)
		}, map[string]uint64{}},
		{"member on org_admin", func() {
			withAuthData(t, member)
			withEndpointTags(t, TagOrgAdmin)
			EndpointTags(middleware.Request{}, next)
		}, map[string]uint64{}},
	} {
		c.call()
		if got := counts.Take(); !maps.Equal(got, c.want) {
			t.Errorf("%s: counted %v, want %v", c.name, got, c.want)
		}
	}
}
