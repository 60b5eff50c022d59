// Package logtext makes text that a request chose safe to write in a log.
package logtext

import (
	"unicode"
	"unicode/utf8"
)

// MaxBytes is how much of a chosen string is logged.
const MaxBytes = 64

// Clean is s cut to at most MaxBytes bytes of printable characters, so that
// text an unauthenticated sender chose (a token's alg, kid or claims, a
// webhook's svix-id) can neither forge log lines (newlines), drive a
// terminal (escape sequences) nor reorder what a reader sees (bidi
// overrides).
func Clean(s string) string {
	out := make([]byte, 0, min(len(s), MaxBytes))
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			continue
		}
		if len(out)+utf8.RuneLen(r) > MaxBytes {
			break
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}
