package compactjws

import (
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func TestSplitSegments(t *testing.T) {
	h, p, s, err := Split("aGVh.cGF5-_.c2ln")
	if err != nil || h != "aGVh" || p != "cGF5-_" || s != "c2ln" {
		t.Fatalf("segments %q %q %q, %v", h, p, s, err)
	}
}

const base64URLChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// IsCanonical and Decode agree with the standard library's strict decoder
// on every string of the alphabet up to length 3 and on random longer ones.
func TestBase64URLAgreesWithStrictDecoding(t *testing.T) {
	check := func(s string) {
		want, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if got := IsCanonical(s); got != (err == nil) {
			t.Fatalf("IsCanonical(%q) = %v, strict decoding says %v", s, got, err)
		}
		if err == nil {
			buf := make([]byte, len(s))
			if got := buf[:Decode(buf, s)]; string(got) != string(want) {
				t.Fatalf("Decode(%q) = %x, want %x", s, got, want)
			}
		}
	}
	var walk func(prefix string)
	walk = func(prefix string) {
		if prefix != "" {
			check(prefix)
		}
		if len(prefix) < 3 {
			for i := 0; i < len(base64URLChars); i++ {
				walk(prefix + base64URLChars[i:i+1])
			}
		}
	}
	walk("")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		b := make([]byte, 4+rng.IntN(60))
		for j := range b {
			b[j] = base64URLChars[rng.IntN(64)]
		}
		check(string(b))
	}
}
