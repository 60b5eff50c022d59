package logtext_test

import (
	"strings"
	"testing"

	"encore.app/auth/internal/logtext"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		"ins_2abc":                      "ins_2abc",
		"a\nb\r\nc":                     "abc",
		"\x1b[31mred\x1b[0m":            "[31mred[0m",
		"abc\u202edcba":                 "abcdcba",
		"\xff\xfeok":                    "ok",
		"tab\there":                     "tabhere",
		strings.Repeat("é", 40):         strings.Repeat("é", 32),
		strings.Repeat("x", 100):        strings.Repeat("x", 64),
		"line\u2028sep\u2029para\u0085": "lineseppara",
	} {
		if got := logtext.Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
		if got := logtext.Clean(in); len(got) > logtext.MaxBytes {
			t.Errorf("Clean(%q) is %d bytes", in, len(got))
		}
	}
}
