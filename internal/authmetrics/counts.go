package authmetrics

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// Counts is a Recorder that keeps every count and gauge in memory: what
// package tests count with, and a benchmark's stand-in for Encore's
// counters (an atomic add each, no allocation). The zero value is ready.
type Counts struct {
	authenticated [NumTokenTypes]atomic.Uint64
	refused       [NumReasons]atomic.Uint64
	calls         [NumEndpoints][NumCallOutcomes]atomic.Uint64
	lookups       [NumCaches][NumLookupResults]atomic.Uint64
	webhooks      [NumWebhookEvents][NumWebhookOutcomes]atomic.Uint64

	syncAge, revocations, keySetAge gauge
}

// gauge is a float64's bits and whether it was ever set.
type gauge struct {
	bits atomic.Uint64
	set  atomic.Bool
}

func (g *gauge) store(v float64) {
	g.bits.Store(math.Float64bits(v))
	g.set.Store(true)
}

// Authenticated implements Recorder.
func (c *Counts) Authenticated(t TokenType) { c.authenticated[t].Add(1) }

// Refused implements Recorder.
func (c *Counts) Refused(r Reason) { c.refused[r].Add(1) }

// ClerkCall implements Recorder.
func (c *Counts) ClerkCall(e Endpoint, o CallOutcome) { c.calls[e][o].Add(1) }

// CacheLookup implements Recorder.
func (c *Counts) CacheLookup(cache Cache, r LookupResult) { c.lookups[cache][r].Add(1) }

// WebhookDelivery implements Recorder.
func (c *Counts) WebhookDelivery(e WebhookEvent, o WebhookOutcome) { c.webhooks[e][o].Add(1) }

// SyncAge implements Recorder.
func (c *Counts) SyncAge(d time.Duration) { c.syncAge.store(d.Seconds()) }

// RevocationsHeld implements Recorder.
func (c *Counts) RevocationsHeld(n int) { c.revocations.store(float64(n)) }

// KeySetAge implements Recorder.
func (c *Counts) KeySetAge(d time.Duration) { c.keySetAge.store(d.Seconds()) }

// Take returns the counts made since the last Take, and forgets them: the
// ones above zero, keyed as `name{label=value,…}`, labels in their
// declared order, such as `auth_requests_refused{reason=invalid_token}`.
func (c *Counts) Take() map[string]uint64 {
	out := map[string]uint64{}
	take := func(n *atomic.Uint64, metric string, labels ...fmt.Stringer) {
		if v := n.Swap(0); v > 0 {
			out[key(metric, labels)] = v
		}
	}
	for t := range NumTokenTypes {
		take(&c.authenticated[t], MetricAuthenticated, t)
	}
	for r := range NumReasons {
		take(&c.refused[r], MetricRefused, r)
	}
	for e := range NumEndpoints {
		for o := range NumCallOutcomes {
			take(&c.calls[e][o], MetricClerkCalls, e, o)
		}
	}
	for cache := range NumCaches {
		for r := range NumLookupResults {
			take(&c.lookups[cache][r], MetricCacheLookups, cache, r)
		}
	}
	for e := range NumWebhookEvents {
		for o := range NumWebhookOutcomes {
			take(&c.webhooks[e][o], MetricWebhookDeliveries, e, o)
		}
	}
	return out
}

// key is a time series' name in Take's map: the label names come from
// Metrics, so a test's expectations read as the exported series do.
func key(metric string, values []fmt.Stringer) string {
	for _, m := range Metrics() {
		if m.Name != metric {
			continue
		}
		s := metric + "{"
		for i, v := range values {
			if i > 0 {
				s += ","
			}
			s += m.Labels[i].Key + "=" + v.String()
		}
		return s + "}"
	}
	panic("authmetrics: no metric " + metric)
}

// Gauges returns the gauges set so far, by name: seconds for the ages.
func (c *Counts) Gauges() map[string]float64 {
	out := map[string]float64{}
	for name, g := range map[string]*gauge{
		MetricSyncAge: &c.syncAge, MetricRevocationsHeld: &c.revocations, MetricKeySetAge: &c.keySetAge,
	} {
		if g.set.Load() {
			out[name] = math.Float64frombits(g.bits.Load())
		}
	}
	return out
}
