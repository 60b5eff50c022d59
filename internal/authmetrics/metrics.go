package authmetrics

import "slices"

// The names of the metrics the auth service exports (auth/metrics.go
// declares them, with these names as literals, as Encore requires).
const (
	MetricAuthenticated     = "auth_requests_authenticated"
	MetricRefused           = "auth_requests_refused"
	MetricClerkCalls        = "auth_clerk_calls"
	MetricCacheLookups      = "auth_cache_lookups"
	MetricWebhookDeliveries = "auth_webhook_deliveries"
	MetricSyncAge           = "auth_sync_age_seconds"
	MetricRevocationsHeld   = "auth_revocations_held"
	MetricKeySetAge         = "auth_key_set_age_seconds"
)

// Metric describes one exported metric: the whole set of its time series.
type Metric struct {
	Name string
	// Gauge is true for a gauge, false for a counter.
	Gauge bool
	// Labels are its labels, in the order of its label struct's fields.
	Labels []Label
}

// Label is one label of a metric and every value it takes.
type Label struct {
	// Key is the label's name: Encore's snake_case of the label struct's
	// field name.
	Key    string
	Values []string
}

// Metrics are every metric a Recorder feeds, as auth/metrics.go declares
// them; a test holds the two together.
func Metrics() []Metric {
	return []Metric{
		{Name: MetricAuthenticated, Labels: []Label{{"token_type", slices.Clone(tokenTypeNames[:])}}},
		{Name: MetricRefused, Labels: []Label{{"reason", slices.Clone(reasonNames[:])}}},
		{Name: MetricClerkCalls, Labels: []Label{{"endpoint", slices.Clone(endpointNames[:])}, {"outcome", slices.Clone(callOutcomeNames[:])}}},
		{Name: MetricCacheLookups, Labels: []Label{{"cache", slices.Clone(cacheNames[:])}, {"result", slices.Clone(lookupResultNames[:])}}},
		{Name: MetricWebhookDeliveries, Labels: []Label{{"event", slices.Clone(webhookEventNames[:])}, {"outcome", slices.Clone(webhookOutcomeNames[:])}}},
		{Name: MetricSyncAge, Gauge: true},
		{Name: MetricRevocationsHeld, Gauge: true},
		{Name: MetricKeySetAge, Gauge: true},
	}
}
