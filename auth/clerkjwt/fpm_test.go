package clerkjwt

import (
	"reflect"
	"strings"
	"testing"
)

// jsOrgPermissions is Clerk's computation transcribed line by line from
// @clerk/shared 4.x jwtPayloadParser.ts (splitByScope, parsePermissions,
// decimalToBinaryBits, buildOrgPermissions), as the reference the fuzz
// target holds orgPermissions to. throws is true where Clerk's throws.
func jsOrgPermissions(fea, per, fpm string) (granted []string, throws bool) {
	var org []string
	if fea != "" {
		for _, part := range strings.Split(fea, ",") {
			part = strings.TrimFunc(part, isJSSpace)
			colon := strings.IndexByte(part, ':')
			if colon == -1 {
				return nil, true
			}
			if scope := part[:colon]; scope == "o" || scope == "ou" || scope == "uo" {
				org = append(org, part[colon+1:])
			}
		}
	}
	if per == "" || fpm == "" {
		return nil, false
	}
	permissions := strings.Split(per, ",")
	for i := range permissions {
		permissions[i] = strings.TrimFunc(permissions[i], isJSSpace)
	}
	var featurePermissionMap [][]int
	for _, p := range strings.Split(fpm, ",") {
		featurePermissionMap = append(featurePermissionMap, decimalToBinaryBits(strings.TrimFunc(p, isJSSpace), len(permissions)))
	}
	for featureIndex, feature := range org {
		if featureIndex >= len(featurePermissionMap) {
			continue
		}
		bits := featurePermissionMap[featureIndex]
		for permIndex := 0; permIndex < len(bits) && permIndex < len(permissions); permIndex++ {
			if bits[permIndex] == 1 {
				granted = append(granted, "org:"+feature+":"+permissions[permIndex])
			}
		}
	}
	return granted, false
}

// decimalToBinaryBits is Clerk's: long division by two on the decimal
// string, least significant bit first; nil where Clerk's is undefined.
func decimalToBinaryBits(decimal string, minimumLength int) []int {
	if decimal == "" || strings.Trim(decimal, "0123456789") != "" {
		return nil
	}
	remaining := strings.TrimLeft(decimal, "0")
	if remaining == "" {
		remaining = "0"
	}
	var bits []int
	for remaining != "0" {
		quotient, remainder := "", 0
		for i := 0; i < len(remaining); i++ {
			value := remainder*10 + int(remaining[i]-'0')
			if digit := value / 2; quotient != "" || digit != 0 {
				quotient += string(rune('0' + digit))
			}
			remainder = value % 2
		}
		bits = append(bits, remainder)
		if remaining = quotient; remaining == "" {
			remaining = "0"
		}
	}
	for len(bits) < max(minimumLength, 1) {
		bits = append(bits, 0)
	}
	return bits
}

func TestOrgPermissions(t *testing.T) {
	perms66 := make([]string, 66)
	for i := range perms66 {
		perms66[i] = "p" + string(rune('a'+i/26)) + string(rune('a'+i%26))
	}
	tests := []struct {
		name          string
		fea, per, fpm string
		want          []string
	}{
		{"the issue's example: fpm pairs with o-features only", "u:premium,o:billing,o:reports", "read,manage", "1,3",
			[]string{"org:billing:read", "org:reports:read", "org:reports:manage"}},
		{"ou and uo are organization features", "ou:a,u:x,uo:b", "read", "1,1", []string{"org:a:read", "org:b:read"}},
		{"more fpm entries than features", "o:a", "read,manage", "1,3,3", []string{"org:a:read"}},
		{"fewer fpm entries than features", "o:a,o:b", "read,manage", "2", []string{"org:a:manage"}},
		{"mask wider than per: the bits beyond are ignored", "o:a", "read", "3", []string{"org:a:read"}},
		{"2^64+1", "o:a", strings.Join(perms66, ","), "18446744073709551617", []string{"org:a:" + perms66[0], "org:a:" + perms66[64]}},
		{"2^65", "o:a", strings.Join(perms66, ","), "36893488147419103232", []string{"org:a:" + perms66[65]}},
		{"2^63", "o:a", strings.Join(perms66, ","), "9223372036854775808", []string{"org:a:" + perms66[63]}},
		{"19 digits", "o:a", strings.Join(perms66, ","), "0000000000000000001", []string{"org:a:" + perms66[0]}},
		{"20 digits, leading zeros", "o:a", "read,manage", "00000000000000000002", []string{"org:a:manage"}},
		{"entries are trimmed as JavaScript trims", "o:a,o:b", " read ,\tmanage\u00a0", "\n2 ,\ufeff1", []string{"org:a:manage", "org:b:read"}},
		{"malformed entries grant nothing", "o:a,o:b,o:c,o:d,o:e,o:f,o:g,o:h,o:i", "read", "+1,-1,1.0,0x1,1e0,,1 1,\u0661,1", []string{"org:i:read"}},
		{"signed entries past 19 digits grant nothing", "o:a,o:b", "read", "-00000000000000000001,+00000000000000000001", nil},
		{"empty per", "o:a", "", "1", nil},
		{"empty fpm", "o:a", "read", "", nil},
		{"per with an empty entry", "o:a", "read,,manage", "7", []string{"org:a:read", "org:a:", "org:a:manage"}},
		{"no features", "", "read", "1", nil},
		{"a feature's value keeps its colons", "o:a:b", "read", "1", []string{"org:a:b:read"}},
	}
	for _, tt := range tests {
		features, _, ok := SplitByScope(splitList([]byte(tt.fea)))
		if !ok {
			t.Fatalf("%s: fea %q", tt.name, tt.fea)
		}
		got := orgPermissions(features, tt.per, tt.fpm)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if ref, _ := jsOrgPermissions(tt.fea, tt.per, tt.fpm); !reflect.DeepEqual(ref, tt.want) {
			t.Errorf("%s: the reference answers %q", tt.name, ref)
		}
	}
}
