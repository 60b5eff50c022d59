package clerkjwt

import (
	"math/big"
	"strconv"
	"strings"
)

// orgPermissions are the organization permissions of a v2 token, computed
// from o.per, o.fpm and the organization features of fea as Clerk's
// jwtPayloadParser.ts computes them (parsePermissions, buildOrgPermissions
// and decimalToBinaryBits in @clerk/shared):
//
//   - per lists the permission names, each trimmed as JavaScript trims;
//   - fpm holds one bit mask per organization feature, in the order of
//     orgFeatures (splitByScope's org list over fea: the "o:", "ou:" and
//     "uo:" entries): bit i grants "org:<feature>:<per[i]>". An fpm entry
//     past the last feature is ignored, a feature past the last entry gets
//     nothing;
//   - an entry is a decimal of any length; bits beyond per are ignored;
//     an entry that is not all ASCII digits once trimmed (empty, signed,
//     spaced inside, 0x…) grants nothing.
//
// An empty per or fpm grants nothing. The JS SDK is the reference where
// the Go SDK (jwt.extractOrganizationPermissions, v2.6.0) differs: the Go
// SDK pairs fpm entries with every fea entry, user features included,
// which hands a user feature's mask to an organization feature; it parses
// entries with strconv.Atoi, so masks past 63 bits grant nothing and "+3"
// grants; and it drops a mask wider than per entirely.
func orgPermissions(orgFeatures []string, per, fpm string) []string {
	if per == "" || fpm == "" {
		return nil
	}
	names := strings.Split(per, ",")
	for i, name := range names {
		names[i] = strings.TrimFunc(name, isJSSpace)
	}
	var granted []string
	feature := 0
	for entry := range strings.SplitSeq(fpm, ",") {
		if feature == len(orgFeatures) {
			break
		}
		if mask, ok := parseFeatureMask(strings.TrimFunc(entry, isJSSpace)); ok {
			for i, name := range names {
				if mask.has(i) {
					granted = append(granted, "org:"+orgFeatures[feature]+":"+name)
				}
			}
		}
		feature++
	}
	return granted
}

// featureMask is one fpm entry's bits: small when the decimal has at most
// 19 digits (it then fits a uint64), large otherwise.
type featureMask struct {
	small uint64
	large *big.Int
}

// parseFeatureMask reads a decimal of ASCII digits, as decimalToBinaryBits
// does (/^\d+$/, leading zeros allowed); ok is false for anything else,
// signs included, which big.Int would read (and a negative mask has every
// high bit set).
func parseFeatureMask(decimal string) (m featureMask, ok bool) {
	if decimal == "" {
		return m, false
	}
	for i := 0; i < len(decimal); i++ {
		if decimal[i] < '0' || decimal[i] > '9' {
			return m, false
		}
	}
	// Neither parse can fail on digits, and 19 of them are below 2^64.
	if len(decimal) <= 19 {
		m.small, _ = strconv.ParseUint(decimal, 10, 64)
		return m, true
	}
	m.large, _ = new(big.Int).SetString(decimal, 10)
	return m, true
}

// has reports whether bit i is set.
func (m featureMask) has(i int) bool {
	if m.large != nil {
		return m.large.Bit(i) == 1
	}
	return i < 64 && m.small>>i&1 == 1
}
