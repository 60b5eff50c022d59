package clerkjwt

import (
	"math"
	"strconv"

	"encore.app/auth/internal/jsonscan"
	"encore.app/auth/internal/tokenerr"
)

// The typed readings of raw claim values. A claim that is absent (nil) or
// null reads as its zero value unless said otherwise; one of another type
// refuses the token, naming the claim.

// isNull reports whether a raw value is absent or null.
func isNull(raw []byte) bool { return raw == nil || string(raw) == "null" }

// optionalString is a claim's string value, unescaped, without a copy.
func optionalString(name string, raw []byte) ([]byte, error) {
	if isNull(raw) {
		return nil, nil
	}
	s, isString := jsonscan.String(raw)
	if !isString {
		return nil, tokenerr.Invalid("token %s is not a string", name)
	}
	return s, nil
}

// stringValue is optionalString as a string.
func stringValue(name string, raw []byte) (string, error) {
	s, err := optionalString(name, raw)
	return string(s), err
}

// stringArray is an array-of-strings claim, such as org_permissions.
func stringArray(name string, raw []byte) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var out []string
	arr := jsonscan.NewArray(raw)
	if !arr.Start() {
		return nil, tokenerr.Invalid("token %s is not an array of strings", name)
	}
	for {
		element, ok := arr.Next()
		if !ok {
			break
		}
		s, isString := jsonscan.String(element)
		if !isString {
			return nil, tokenerr.Invalid("token %s is not an array of strings", name)
		}
		out = append(out, string(s))
	}
	if arr.Err() {
		return nil, tokenerr.Invalid("token %s is not an array of strings", name)
	}
	return out, nil
}

// jsonNumber is the value of a raw JSON number, read as JavaScript's
// JSON.parse reads it: the nearest float64. ok is false for any other
// value, and for a number beyond float64's range.
func jsonNumber(raw []byte) (f float64, ok bool) {
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// maxNumericDate is the last second JavaScript's Date can hold (8.64e15 ms
// after 1970). Beyond it Clerk's backend computes an invalid date, which
// passes its expiry check.
const maxNumericDate = 8_640_000_000_000

// numericDate is a time claim (exp, iat, nbf) in Unix seconds; present is
// false when it is absent. A present one must be a number, null refused,
// as Clerk's assertExpirationClaim and its kin (typeof ... !== 'number')
// refuse it; it must also be a whole number of seconds from 1970 to
// maxNumericDate, which Clerk's tokens are. Within that range no
// arithmetic on two of them can overflow, and no extreme value can wrap
// round into an accepted one.
func numericDate(name string, raw []byte) (t int64, present bool, err error) {
	if raw == nil {
		return 0, false, nil
	}
	f, ok := jsonNumber(raw)
	switch {
	case !ok:
		return 0, false, tokenerr.Invalid("token %s is not a number", name)
	case f != math.Trunc(f) || f < 0 || f > maxNumericDate:
		return 0, false, tokenerr.Invalid("token %s %s is not a whole number of seconds between 1970 and the year 275760", name, tokenerr.Quote(string(raw)))
	}
	return int64(f), true, nil
}

// isVersion2 reads the v claim: true for 2, false when it is absent, null,
// or any other number, which Clerk's parser (switch (claims.v), with case 2
// and a default) reads as a v1 token. A v of another type is refused: the
// Go SDK's Claims.Version refuses it too.
func isVersion2(raw []byte) (bool, error) {
	if isNull(raw) {
		return false, nil
	}
	v, ok := jsonNumber(raw)
	if !ok {
		return false, tokenerr.Invalid("token v is not a number")
	}
	return v == 2, nil
}

// factorAges reads fva as Clerk's reverification check accepts it
// (checkReverificationAuthorization and isValidFactorAge in @clerk/shared's
// authorization.ts): an array of exactly two ages in minutes, each -1 (no
// such factor) or more. Anything else reads as nil, which that check
// treats as unverified; the token is not refused for it, as Clerk's parser
// passes fva through as it is (claims.fva ?? null). Ages must also be
// whole numbers within int, a bound JavaScript does not set.
func factorAges(raw []byte) []int {
	arr := jsonscan.NewArray(raw)
	if raw == nil || !arr.Start() {
		return nil
	}
	// -float64(math.MinInt) is 2^63 (2^31 where int has 32 bits), exactly.
	limit := -float64(math.MinInt)
	var ages [2]int
	n := 0
	for {
		element, ok := arr.Next()
		if !ok {
			break
		}
		age, isNumber := jsonNumber(element)
		if n == len(ages) || !isNumber || age != math.Trunc(age) || age < -1 || age >= limit {
			return nil
		}
		ages[n] = int(age)
		n++
	}
	if arr.Err() || n != len(ages) {
		return nil
	}
	return ages[:]
}
