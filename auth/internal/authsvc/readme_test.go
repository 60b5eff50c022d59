package authsvc

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every setting of auth/config.cue has its row in the README's
// configuration table, so the two cannot drift apart silently.
func TestREADMEConfigTableMatchesConfigCue(t *testing.T) {
	cue, err := os.ReadFile("../../config.cue")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fields := regexp.MustCompile(`(?m)^([A-Z][A-Za-z]+):`).FindAllSubmatch(cue, -1)
	if len(fields) < 10 {
		t.Fatalf("found %d fields in config.cue: the pattern no longer matches it", len(fields))
	}
	for _, f := range fields {
		if row := "| `" + string(f[1]) + "` |"; !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no configuration row %q", row)
		}
	}
}
