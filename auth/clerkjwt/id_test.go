package clerkjwt

import "testing"

func TestIsClerkID(t *testing.T) {
	for id, want := range map[string]bool{
		"user_2abcXYZ09": true,
		"sess_2a-b":      true,
		"":               false,
		"user_2abc/..":   false,
		"user 2abc":      false,
		"user_2abc\n":    false,
		"user_é":         false,
		"user_2abc%2F":   false,
	} {
		if got := isClerkID(id); got != want {
			t.Errorf("isClerkID(%q) = %v", id, got)
		}
	}
}
