package orgsettings

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"encore.app/internal/storeerr"
)

// The JSON names of the fields, as storeerr.InvalidFieldError.Field reports
// them.
const (
	FieldDisplayName         = "displayName"
	FieldAllowedEmailDomains = "allowedEmailDomains"
)

// The limits of the fields.
const (
	MaxDisplayNameLen = 100 // characters (runes), once trimmed
	MaxDomains        = 50
	maxDomainLen      = 253 // bytes, as in DNS
	maxLabelLen       = 63
)

// invalid is the error of Update (and Patch.Validate) for a refused field:
// a reason saying what is expected, never repeating the value.
func invalid(field, format string, args ...any) error {
	return &storeerr.InvalidFieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate checks every field the patch gives and returns it with its
// values in the form stored (the name trimmed, the domains lower-cased), or
// a *storeerr.InvalidFieldError for the first invalid field in JSON order.
func (p Patch) Validate() (Patch, error) {
	var v Patch
	if p.DisplayName != nil {
		name, err := ValidateDisplayName(*p.DisplayName)
		if err != nil {
			return Patch{}, err
		}
		v.DisplayName = &name
	}
	if p.AllowedEmailDomains != nil {
		domains, err := ValidateEmailDomains(*p.AllowedEmailDomains)
		if err != nil {
			return Patch{}, err
		}
		v.AllowedEmailDomains = &domains
	}
	return v, nil
}

// ValidateDisplayName trims the name and accepts 1 to 100 characters
// without control characters: none of Unicode's Cc (tab, newline, NUL...),
// no line or paragraph separator, no bidirectional embedding, override or
// isolate (which could make the name display as something else).
func ValidateDisplayName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(FieldDisplayName, "must be valid UTF-8")
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "", invalid(FieldDisplayName, "must not be empty")
	}
	if n > MaxDisplayNameLen {
		return "", invalid(FieldDisplayName, "must be at most %d characters", MaxDisplayNameLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || isBidiControl(r) {
			return "", invalid(FieldDisplayName, "must not contain control characters")
		}
	}
	return s, nil
}

// isBidiControl: LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI.
func isBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// ValidateEmailDomains accepts at most 50 DNS names, lower-cases them, and
// refuses duplicates (after lower-casing). The result is never nil.
func ValidateEmailDomains(domains []string) ([]string, error) {
	if len(domains) > MaxDomains {
		return nil, invalid(FieldAllowedEmailDomains, "must have at most %d domains", MaxDomains)
	}
	out := make([]string, 0, len(domains))
	seen := make(map[string]int, len(domains))
	for i, d := range domains {
		lower, reason := checkDomain(d)
		if reason != "" {
			return nil, invalid(FieldAllowedEmailDomains, "entry %d is not a valid domain name: %s", i+1, reason)
		}
		if j, dup := seen[lower]; dup {
			return nil, invalid(FieldAllowedEmailDomains, "entry %d duplicates entry %d", i+1, j+1)
		}
		seen[lower] = i
		out = append(out, lower)
	}
	return out, nil
}

// checkDomain returns d lower-cased, or why it is not a DNS name: labels of
// 1 to 63 ASCII letters, digits and hyphens, neither starting nor ending
// with a hyphen, at least two labels, at most 253 bytes, no trailing dot,
// and a top-level label that is not all digits (so no IPv4 address).
// An internationalized name must be given in its punycode form
// ("xn--bcher-kva.example"), Unicode is refused.
func checkDomain(d string) (lower, reason string) {
	switch {
	case d == "":
		return "", "it is empty"
	case len(d) > maxDomainLen:
		return "", fmt.Sprintf("longer than %d characters", maxDomainLen)
	case strings.HasSuffix(d, "."):
		return "", "it ends with a dot"
	}
	for i := 0; i < len(d); i++ {
		if d[i] >= utf8.RuneSelf {
			return "", "not ASCII; give an internationalized name in its punycode (xn--) form"
		}
	}
	lower = strings.ToLower(d)
	labels := strings.Split(lower, ".")
	if len(labels) < 2 {
		return "", "it needs at least two labels, like example.com"
	}
	for _, l := range labels {
		switch {
		case l == "":
			return "", "it has an empty label"
		case len(l) > maxLabelLen:
			return "", fmt.Sprintf("a label is longer than %d characters", maxLabelLen)
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", "a label starts or ends with a hyphen"
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", "only letters, digits, hyphens and dots are allowed"
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", "the top-level label is all digits"
	}
	return lower, ""
}
