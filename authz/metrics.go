package authz

import (
	"sync/atomic"

	"encore.app/internal/authmetrics"
)

// recorder is what the middleware counts its refusals in. Encore declares
// metrics only inside a service, and authz is none (its global middleware
// must live outside them), so the auth service hands its Recorder over at
// start-up with SetMetrics; until then nothing is counted.
var recorder atomic.Pointer[authmetrics.Recorder]

// SetMetrics makes r count the token-type mismatches this package refuses,
// as authmetrics.ReasonTokenTypeMismatch. The auth service calls it once
// at start-up.
func SetMetrics(r authmetrics.Recorder) { recorder.Store(&r) }

// metrics is the Recorder SetMetrics set, or Discard.
func metrics() authmetrics.Recorder {
	if r := recorder.Load(); r != nil {
		return authmetrics.Or(*r)
	}
	return authmetrics.Discard{}
}
