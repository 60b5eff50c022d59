package authsvc

import (
	"fmt"
	"net/url"

	"encore.app/auth/internal/clerkapi"
)

// CheckCloudSettings refuses, for a deployment to a cloud (not `encore
// run` on a laptop, not tests), the development defaults that would make
// it accept tokens of any Clerk instance or from no real frontend.
func CheckCloudSettings(issuer string, authorizedParties []string) error {
	if issuer == "" {
		return fmt.Errorf(`auth service: Issuer is empty in a cloud environment, so tokens of any Clerk instance would be accepted: set Issuer to your Frontend API URL in auth/config.cue, e.g. Issuer: "https://clerk.example.com"`)
	}
	for _, party := range authorizedParties {
		if u, err := url.Parse(party); err == nil && !clerkapi.IsLoopback(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf(`auth service: AuthorizedParties holds only local origins in a cloud environment: add your frontend's origin in auth/config.cue, e.g. AuthorizedParties: ["https://app.example.com"]`)
}
