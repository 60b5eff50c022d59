package authsvc

import (
	"time"

	"encore.dev/rlog"

	"encore.app/auth/clerkauth"
	"encore.app/internal/authmetrics"
	"encore.app/internal/loglimit"
)

// Logger is where a FailureLog writes; rlog.With() satisfies it.
type Logger interface {
	Info(msg string, keysAndValues ...any)
	Warn(msg string, keysAndValues ...any)
	Error(msg string, keysAndValues ...any)
}

// How many lines each reason class writes a minute. Anyone can send
// requests that fail, as fast as they like: past these, a count a minute.
const (
	refusedLinesPerMinute = 10
	outageLinesPerMinute  = 1
)

// FailureLog logs the auth handler's failures: a refused request at Info,
// a Clerk outage at Error, each reason class at most a few lines a minute
// and then one line counting the rest. So a flood of bad tokens cannot
// fill the logs, nor an outage (or an unknown kid while Clerk's keys
// cannot be fetched) page anyone once per request. The classes are
// clerkauth.Reason's, the label values of the refused requests' metric:
// a fixed set, which what a request sends can neither choose nor extend.
type FailureLog struct {
	log     Logger
	outage  *loglimit.Limiter
	refused [authmetrics.NumReasons]*loglimit.Limiter
}

// NewFailureLog is a FailureLog writing to log on the clock now (nil:
// time.Now).
func NewFailureLog(log Logger, now func() time.Time) *FailureLog {
	f := &FailureLog{log: log}
	f.outage = loglimit.New(loglimit.Config{
		Message: msgOutage, Lines: outageLinesPerMinute, Interval: time.Minute, Summary: log.Warn, Now: now,
	})
	for class := range authmetrics.NumReasons {
		f.refused[class] = loglimit.New(loglimit.Config{
			Message: msgRefused + " (" + class.String() + ")", Lines: refusedLinesPerMinute, Interval: time.Minute, Summary: log.Info, Now: now,
		})
	}
	return f
}

// The lines of a failure.
const (
	msgOutage  = "cannot authenticate: Clerk unavailable"
	msgRefused = "request not authenticated"
)

// Log logs an error of clerkauth's Authenticate; its text is built only
// for a line that is written.
func (f *FailureLog) Log(err error) {
	if IsOutage(err) {
		if f.outage.Allow() {
			f.log.Error(msgOutage, "reason", err.Error())
		}
		return
	}
	class := clerkauth.Reason(err)
	if f.refused[class].Allow() {
		f.log.Info(msgRefused, "class", class.String(), "reason", err.Error())
	}
}

// handlerFailures is the auth handler's FailureLog: one per process, as
// the log volume it bounds is.
var handlerFailures = NewFailureLog(rlogLogger{}, nil)

// LogFailure logs an Authenticate error of the auth handler.
func LogFailure(err error) { handlerFailures.Log(err) }

// rlogLogger writes with rlog's functions, which need the Encore runtime.
type rlogLogger struct{}

func (rlogLogger) Info(msg string, kv ...any)  { rlog.Info(msg, kv...) }
func (rlogLogger) Warn(msg string, kv ...any)  { rlog.Warn(msg, kv...) }
func (rlogLogger) Error(msg string, kv ...any) { rlog.Error(msg, kv...) }
