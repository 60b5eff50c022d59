package clerkwebhook

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
