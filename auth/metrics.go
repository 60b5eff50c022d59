package auth

import (
	"time"

	"encore.dev/metrics"

	"encore.app/internal/authmetrics"
)

// The auth service's metrics, exported to the cloud's monitoring. Their
// labels take only authmetrics' fixed values; docs/operations.md lists
// them and what to alert on. The names are literals, as Encore requires,
// and authmetrics' tests hold them and the label fields to
// authmetrics.Metrics.

type tokenTypeLabels struct{ TokenType string }

type reasonLabels struct{ Reason string }

type clerkCallLabels struct{ Endpoint, Outcome string }

type cacheLookupLabels struct{ Cache, Result string }

type webhookLabels struct{ Event, Outcome string }

var (
	// Requests the auth handler authenticated, by token type.
	requestsAuthenticated = metrics.NewCounterGroup[tokenTypeLabels, uint64]("auth_requests_authenticated", metrics.CounterConfig{})
	// Requests refused, by reason class: by the auth handler, or by an
	// endpoint's accepts_* tags (token_type_mismatch).
	requestsRefused = metrics.NewCounterGroup[reasonLabels, uint64]("auth_requests_refused", metrics.CounterConfig{})
	// Requests to Clerk's Backend API, by endpoint class and outcome.
	clerkCalls = metrics.NewCounterGroup[clerkCallLabels, uint64]("auth_clerk_calls", metrics.CounterConfig{})
	// Lookups in the in-memory caches, by cache and result.
	cacheLookups = metrics.NewCounterGroup[cacheLookupLabels, uint64]("auth_cache_lookups", metrics.CounterConfig{})
	// Webhook deliveries answered, by event type and outcome.
	webhookDeliveries = metrics.NewCounterGroup[webhookLabels, uint64]("auth_webhook_deliveries", metrics.CounterConfig{})
	// Seconds since the change-log tail last synced (since start-up if it
	// never has), set every sync interval.
	syncAge = metrics.NewGauge[float64]("auth_sync_age_seconds", metrics.GaugeConfig{})
	// Revoked sessions, deleted users and organizations and membership
	// changes held in memory, set every sync interval.
	revocationsHeld = metrics.NewGauge[int64]("auth_revocations_held", metrics.GaugeConfig{})
	// Age in seconds of the JWKS keys the last verified token used.
	keySetAge = metrics.NewGauge[float64]("auth_key_set_age_seconds", metrics.GaugeConfig{})
)

// serviceMetrics is the authmetrics.Recorder of the metrics above. Each
// time series is looked up once, here, for every label value: a group's
// With allocates, and the counters are counted on every request.
type serviceMetrics struct {
	authenticated [authmetrics.NumTokenTypes]*metrics.Counter[uint64]
	refused       [authmetrics.NumReasons]*metrics.Counter[uint64]
	calls         [authmetrics.NumEndpoints][authmetrics.NumCallOutcomes]*metrics.Counter[uint64]
	lookups       [authmetrics.NumCaches][authmetrics.NumLookupResults]*metrics.Counter[uint64]
	webhooks      [authmetrics.NumWebhookEvents][authmetrics.NumWebhookOutcomes]*metrics.Counter[uint64]
}

func newServiceMetrics() *serviceMetrics {
	m := &serviceMetrics{}
	for t := range authmetrics.NumTokenTypes {
		m.authenticated[t] = requestsAuthenticated.With(tokenTypeLabels{TokenType: t.String()})
	}
	for r := range authmetrics.NumReasons {
		m.refused[r] = requestsRefused.With(reasonLabels{Reason: r.String()})
	}
	for e := range authmetrics.NumEndpoints {
		for o := range authmetrics.NumCallOutcomes {
			m.calls[e][o] = clerkCalls.With(clerkCallLabels{Endpoint: e.String(), Outcome: o.String()})
		}
	}
	for c := range authmetrics.NumCaches {
		for r := range authmetrics.NumLookupResults {
			m.lookups[c][r] = cacheLookups.With(cacheLookupLabels{Cache: c.String(), Result: r.String()})
		}
	}
	for e := range authmetrics.NumWebhookEvents {
		for o := range authmetrics.NumWebhookOutcomes {
			m.webhooks[e][o] = webhookDeliveries.With(webhookLabels{Event: e.String(), Outcome: o.String()})
		}
	}
	return m
}

func (m *serviceMetrics) Authenticated(t authmetrics.TokenType) { m.authenticated[t].Increment() }
func (m *serviceMetrics) Refused(r authmetrics.Reason)          { m.refused[r].Increment() }
func (m *serviceMetrics) ClerkCall(e authmetrics.Endpoint, o authmetrics.CallOutcome) {
	m.calls[e][o].Increment()
}
func (m *serviceMetrics) CacheLookup(c authmetrics.Cache, r authmetrics.LookupResult) {
	m.lookups[c][r].Increment()
}
func (m *serviceMetrics) WebhookDelivery(e authmetrics.WebhookEvent, o authmetrics.WebhookOutcome) {
	m.webhooks[e][o].Increment()
}
func (m *serviceMetrics) SyncAge(d time.Duration)   { syncAge.Set(d.Seconds()) }
func (m *serviceMetrics) RevocationsHeld(n int)     { revocationsHeld.Set(int64(n)) }
func (m *serviceMetrics) KeySetAge(d time.Duration) { keySetAge.Set(d.Seconds()) }
