package preferences

import (
	"fmt"
	"strings"
	"time"

	// The IANA database built into the binary: a time zone is known to the
	// server even on an image without /usr/share/zoneinfo, and the same
	// names are accepted everywhere. The system's copy is used when present.
	_ "time/tzdata"

	"golang.org/x/text/language"

	"encore.app/internal/storeerr"
)

// The JSON names of the fields, as storeerr.InvalidFieldError.Field reports
// them.
const (
	FieldTheme              = "theme"
	FieldLocale             = "locale"
	FieldTimezone           = "timezone"
	FieldEmailNotifications = "emailNotifications"
)

// Longest accepted locale and time zone, in bytes. A language tag with a
// region, script and variant fits in 35 (RFC 5646 §4.4.1); the rest leaves
// room for extensions. The longest IANA zone name is 32 bytes.
const (
	maxLocaleLen   = 64
	maxTimezoneLen = 64
)

// invalid is the error of Update (and Patch.Validate) for a refused field:
// a reason saying what is expected, never repeating the value.
func invalid(field, reason string) error {
	return &storeerr.InvalidFieldError{Field: field, Reason: reason}
}

// Validate checks every field the patch gives and returns it with its
// values in canonical form (the locale canonicalized), or an
// *storeerr.InvalidFieldError for the first invalid field in JSON order.
func (p Patch) Validate() (Patch, error) {
	var v Patch
	if p.Theme != nil {
		t, err := ValidateTheme(*p.Theme)
		if err != nil {
			return Patch{}, err
		}
		v.Theme = &t
	}
	if p.Locale != nil {
		l, err := ValidateLocale(*p.Locale)
		if err != nil {
			return Patch{}, err
		}
		v.Locale = &l
	}
	if p.Timezone != nil {
		tz, err := ValidateTimezone(*p.Timezone)
		if err != nil {
			return Patch{}, err
		}
		v.Timezone = &tz
	}
	if p.EmailNotifications != nil {
		// Any boolean is valid; the JSON decoder refuses anything else.
		b := *p.EmailNotifications
		v.EmailNotifications = &b
	}
	return v, nil
}

// ValidateTheme accepts exactly "system", "light" or "dark".
func ValidateTheme(s string) (string, error) {
	switch s {
	case "system", "light", "dark":
		return s, nil
	}
	return "", invalid(FieldTheme, `must be one of "system", "light", "dark"`)
}

// ValidateLocale accepts a well-formed BCP 47 language tag whose subtags
// are all registered ("en", "en-US", "zh-Hant-TW", "de-DE-u-co-phonebk"),
// and returns its canonical form ("EN-us" gives "en-US", "iw" gives "he").
// The POSIX form "en_US" is refused: it is not BCP 47.
func ValidateLocale(s string) (string, error) {
	const want = `must be a BCP 47 language tag such as "en" or "en-US"`
	if s == "" {
		return "", invalid(FieldLocale, "must not be empty; "+want)
	}
	if len(s) > maxLocaleLen {
		return "", invalid(FieldLocale, fmt.Sprintf("must be at most %d characters; %s", maxLocaleLen, want))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return "", invalid(FieldLocale, want)
		}
	}
	tag, err := language.Parse(s)
	if err != nil {
		// Not well-formed, or a subtag that is not registered.
		return "", invalid(FieldLocale, want)
	}
	canonical := tag.String()
	if canonical == "" || len(canonical) > maxLocaleLen {
		return "", invalid(FieldLocale, want)
	}
	return canonical, nil
}

// ValidateTimezone accepts an IANA time zone name that the server can load
// ("UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5").
// It refuses "", "Local" (the server's own zone, not a name), anything
// shaped like a path ("../x", "/etc/localtime", "Europe//Paris", "./UTC"),
// and the files of a zoneinfo directory that are not zones ("localtime",
// "posixrules", "posix/…", "right/…", "zone.tab").
func ValidateTimezone(s string) (string, error) {
	const want = `must be an IANA time zone name such as "UTC" or "Europe/Paris"`
	if s == "" {
		return "", invalid(FieldTimezone, "must not be empty; "+want)
	}
	if len(s) > maxTimezoneLen {
		return "", invalid(FieldTimezone, fmt.Sprintf("must be at most %d characters; %s", maxTimezoneLen, want))
	}
	if !zoneNameShape(s) {
		return "", invalid(FieldTimezone, want)
	}
	switch s {
	case "Local", "localtime", "posixrules":
		return "", invalid(FieldTimezone, want)
	}
	if strings.HasPrefix(s, "posix/") || strings.HasPrefix(s, "right/") {
		return "", invalid(FieldTimezone, want)
	}
	if _, err := time.LoadLocation(s); err != nil {
		return "", invalid(FieldTimezone, "unknown time zone; "+want)
	}
	return s, nil
}

// zoneNameShape reports whether s looks like an IANA zone name: parts
// separated by single slashes, each starting with a letter and made of
// ASCII letters, digits, '_', '-' and '+'. No dots, so no "..", no leading
// or trailing slash, no backslash.
func zoneNameShape(s string) bool {
	for _, part := range strings.Split(s, "/") {
		if part == "" {
			return false
		}
		if c := part[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
		for i := 1; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '+') {
				return false
			}
		}
	}
	return true
}
