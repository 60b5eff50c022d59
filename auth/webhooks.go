package auth

import "net/http"

// Webhook receives Clerk's webhooks, delivered and signed by Svix: user
// changes and deletions, ended sessions. See docs/webhooks.md.
//
//encore:api public raw method=POST path=/webhooks/clerk
func (s *Service) Webhook(w http.ResponseWriter, req *http.Request) {
	s.webhooks.ServeHTTP(w, req)
}
