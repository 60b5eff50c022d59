package clerkwebhook

import (
	"time"

	"encore.app/internal/loglimit"
)

// Logger is where the handler reports each delivery. Encore's rlog.With()
// satisfies it. Only the event type, svix-id, outcome and IDs are logged:
// never the body (it holds personal data) nor the signature.
type Logger interface {
	Info(msg string, keysAndValues ...any)
	Error(msg string, keysAndValues ...any)
}

// nopLogger is the Logger of a handler configured without one.
type nopLogger struct{}

func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}

// refusalMessages are the handler's lines for a delivery refused before its
// signature is verified, which anyone can send as fast as they like: each
// writes at most refusedLinesPerMinute lines a minute, then one line
// counting the rest. Signed deliveries are Clerk's, a bounded number, and
// are all logged.
var refusalMessages = []string{
	"clerk webhook: not configured",
	"clerk webhook: refused unsigned delivery",
	"clerk webhook: refused oversized delivery",
	"clerk webhook: could not read body",
	"clerk webhook: refused bad signature",
}

const refusedLinesPerMinute = 10

// refusalLog is a Logger that limits the refusalMessages, one limiter per
// message: the set of reasons is fixed when it is made, so no request's
// text ever picks one or adds state.
type refusalLog struct {
	Logger
	limits map[string]*loglimit.Limiter
}

// limitRefusals wraps the handler's log, on its clock.
func limitRefusals(log Logger, now func() time.Time) Logger {
	l := refusalLog{Logger: log, limits: make(map[string]*loglimit.Limiter, len(refusalMessages))}
	for _, msg := range refusalMessages {
		l.limits[msg] = loglimit.New(loglimit.Config{
			Message: msg, Lines: refusedLinesPerMinute, Interval: time.Minute, Summary: log.Info, Now: now,
		})
	}
	return l
}

func (l refusalLog) Info(msg string, keysAndValues ...any) {
	if l.allow(msg) {
		l.Logger.Info(msg, keysAndValues...)
	}
}

func (l refusalLog) Error(msg string, keysAndValues ...any) {
	if l.allow(msg) {
		l.Logger.Error(msg, keysAndValues...)
	}
}

func (l refusalLog) allow(msg string) bool {
	limit := l.limits[msg]
	return limit == nil || limit.Allow()
}
