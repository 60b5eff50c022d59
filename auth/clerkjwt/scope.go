package clerkjwt

import (
	"strings"
	"unicode"
)

// SplitByScope is Clerk's splitByScope over a claim already split on commas
// (entries are split again, so an unsplit claim gives the same answer). ok
// is false where Clerk throws: an entry without a colon makes the whole
// claim unusable, so one malformed entry denies every check against it. An
// empty claim yields nothing, so every check fails, as Clerk's
// `!features` does.
func SplitByScope(claim []string) (org, user []string, ok bool) {
	for _, entry := range claim {
		for part := range strings.SplitSeq(entry, ",") {
			scope, value, found := strings.Cut(strings.TrimFunc(part, isJSSpace), ":")
			if !found {
				return nil, nil, false
			}
			switch scope {
			case "o":
				org = append(org, value)
			case "u":
				user = append(user, value)
			case "ou", "uo":
				org = append(org, value)
				user = append(user, value)
			}
			// Any other scope is skipped, as in Clerk.
		}
	}
	return org, user, true
}

// isJSSpace is what JavaScript's String.prototype.trim removes: Unicode
// White_Space without U+0085, plus U+FEFF.
func isJSSpace(r rune) bool {
	return r == '\uFEFF' || (r != '\u0085' && unicode.IsSpace(r))
}
