package authsvc

import (
	"errors"
	"time"

	"encore.dev/rlog"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkusers"
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

// refusal is a reason class of refused requests. The set is fixed, so what
// a request sends can neither choose a class nor add one.
type refusal int

const (
	noCredentials refusal = iota
	invalidToken
	userNotFound
	canceled
	otherRefusal
	refusals // the number of classes
)

var refusalNames = [refusals]string{"no credentials", "invalid token", "user not found", "canceled", "other"}

func classify(err error) refusal {
	switch {
	case errors.Is(err, clerkauth.ErrCanceled):
		return canceled
	case errors.Is(err, clerkauth.ErrNoCredentials):
		return noCredentials
	case errors.Is(err, clerkauth.ErrInvalidToken):
		return invalidToken
	case errors.Is(err, clerkusers.ErrUserNotFound):
		return userNotFound
	}
	return otherRefusal
}

// FailureLog logs the auth handler's failures: a refused request at Info,
// a Clerk outage at Error, each reason class at most a few lines a minute
// and then one line counting the rest. So a flood of bad tokens cannot
// fill the logs, nor an outage (or an unknown kid while Clerk's keys
// cannot be fetched) page anyone once per request.
type FailureLog struct {
	log     Logger
	outage  *loglimit.Limiter
	refused [refusals]*loglimit.Limiter
}

// NewFailureLog is a FailureLog writing to log on the clock now (nil:
// time.Now).
func NewFailureLog(log Logger, now func() time.Time) *FailureLog {
	f := &FailureLog{log: log}
	f.outage = loglimit.New(loglimit.Config{
		Message: msgOutage, Lines: outageLinesPerMinute, Interval: time.Minute, Summary: log.Warn, Now: now,
	})
	for class, name := range refusalNames {
		f.refused[class] = loglimit.New(loglimit.Config{
			Message: msgRefused + " (" + name + ")", Lines: refusedLinesPerMinute, Interval: time.Minute, Summary: log.Info, Now: now,
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
	class := classify(err)
	if f.refused[class].Allow() {
		f.log.Info(msgRefused, "class", refusalNames[class], "reason", err.Error())
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
