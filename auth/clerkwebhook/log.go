package clerkwebhook

import (
	"unicode"
	"unicode/utf8"
)

// Logger is where the handler reports each delivery. Encore's rlog.With()
// satisfies it. Only the event type, svix-id, outcome and IDs are logged:
// never the body (it holds personal data) nor the signature.
type Logger interface {
	Info(msg string, keysAndValues ...any)
	Error(msg string, keysAndValues ...any)
}

// maxLogText is how much of a sender-chosen string is logged.
const maxLogText = 64

// clean makes text an unauthenticated sender chose safe to log: at most
// maxLogText bytes of printable characters, so that it can neither forge log
// lines (newlines), drive a terminal (escape sequences) nor reorder what a
// reader sees (bidi overrides).
func clean(s string) string {
	out := make([]byte, 0, min(len(s), maxLogText))
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			continue
		}
		if len(out)+utf8.RuneLen(r) > maxLogText {
			break
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}

// nopLogger is the Logger of a handler configured without one.
type nopLogger struct{}

func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}
