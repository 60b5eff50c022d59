// Package authmetrics is what the auth packages count, in plain Go: the
// events they report (Recorder, one method per event), the fixed label
// values each event carries, a Recorder that counts nothing (Discard), the
// one package tests count with (Counts), and the list of the metrics the
// auth service exports (Metrics). It imports no Encore package: the auth
// service implements Recorder with encore.dev/metrics (auth/metrics.go),
// and the packages that report stay testable with plain `go test`.
//
// Every label value is a constant of this package, taken from a small
// fixed set by a typed constant, never from a request: a user ID, a token
// or a header value as a label would make one time series per attacker's
// choice.
package authmetrics

import "time"

// Recorder receives the events of the auth packages. Its methods run on
// request paths, the cached-token path included: an implementation must be
// safe for concurrent use, take no lock held for long, and allocate nothing.
type Recorder interface {
	// Authenticated counts a request the auth handler authenticated.
	Authenticated(TokenType)
	// Refused counts a request refused, by the auth handler or by an
	// endpoint's accepts_* tags (ReasonTokenTypeMismatch).
	Refused(Reason)
	// ClerkCall counts a request to Clerk's Backend API.
	ClerkCall(Endpoint, CallOutcome)
	// CacheLookup counts a lookup in one of the in-memory caches.
	CacheLookup(Cache, LookupResult)
	// WebhookDelivery counts a webhook delivery answered.
	WebhookDelivery(WebhookEvent, WebhookOutcome)
	// SyncAge is the time since the change-log tail last synced, or since
	// it started when it never has; set every sync interval.
	SyncAge(time.Duration)
	// RevocationsHeld is the number of revoked sessions, deleted users and
	// organizations and membership changes in memory; set every sync
	// interval.
	RevocationsHeld(int)
	// KeySetAge is the age of the JWKS keys a token was verified with; set
	// on every verification that uses fetched keys.
	KeySetAge(time.Duration)
}

// Discard is a Recorder that counts nothing: what every package reports
// to when its configuration names no Recorder.
type Discard struct{}

// Authenticated implements Recorder: it counts nothing.
func (Discard) Authenticated(TokenType) {}

// Refused implements Recorder: it counts nothing.
func (Discard) Refused(Reason) {}

// ClerkCall implements Recorder: it counts nothing.
func (Discard) ClerkCall(Endpoint, CallOutcome) {}

// CacheLookup implements Recorder: it counts nothing.
func (Discard) CacheLookup(Cache, LookupResult) {}

// WebhookDelivery implements Recorder: it counts nothing.
func (Discard) WebhookDelivery(WebhookEvent, WebhookOutcome) {}

// SyncAge implements Recorder: it keeps nothing.
func (Discard) SyncAge(time.Duration) {}

// RevocationsHeld implements Recorder: it keeps nothing.
func (Discard) RevocationsHeld(int) {}

// KeySetAge implements Recorder: it keeps nothing.
func (Discard) KeySetAge(time.Duration) {}

// Or is r, or Discard when r is nil: configurations leave their Recorder
// unset to count nothing.
func Or(r Recorder) Recorder {
	if r == nil {
		return Discard{}
	}
	return r
}
