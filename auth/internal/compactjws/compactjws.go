// Package compactjws reads the bytes of a compact JWS (RFC 7515, 7.1) the
// one way a token has: three non-empty segments of the unpadded base64url
// alphabet, each the canonical spelling of its bytes. clerkjwt verifies
// tokens by it and clerkcredential peeks at cookie tokens by it.
package compactjws

import "encore.app/auth/internal/tokenerr"

// Split returns the three segments of a compact JWS, refusing before any
// decoding what cannot be one: not three non-empty segments of the
// base64url alphabet. This also keeps the JSON serialization, which
// go-jose would otherwise accept, out of the verifier.
func Split(token string) (header, payload, signature string, err error) {
	segments, segmentStart := 0, 0
	var cuts [2]int
	for i := 0; i <= len(token); i++ {
		if i < len(token) && token[i] != '.' {
			if !alphabet[token[i]] {
				return "", "", "", tokenerr.Invalid("token has a character outside base64url")
			}
			continue
		}
		if i == segmentStart {
			return "", "", "", tokenerr.Invalid("token has an empty segment")
		}
		if segments < len(cuts) {
			cuts[segments] = i
		}
		segments, segmentStart = segments+1, i+1
	}
	if segments != 3 {
		return "", "", "", tokenerr.Invalid("token has %d segments, want 3", segments)
	}
	return token[:cuts[0]], token[cuts[0]+1 : cuts[1]], token[cuts[1]+1:], nil
}

// alphabet holds the bytes of the unpadded base64url alphabet.
var alphabet = byteSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

// InAlphabet reports whether c is of the unpadded base64url alphabet.
func InAlphabet(c byte) bool { return alphabet[c] }

func byteSet(chars string) (set [256]bool) {
	for i := 0; i < len(chars); i++ {
		set[chars[i]] = true
	}
	return set
}

// IsCanonical reports whether a segment of base64url characters (Split
// has checked the alphabet) is the one unpadded spelling of its bytes, as base64.RawURLEncoding.Strict() requires: a length that is
// not 1 more than a multiple of 4, and zero spare bits in the last
// character. go-jose decodes loosely and ignores those bits, so without this
// check one signature would have several spellings.
func IsCanonical(segment string) bool {
	var spareBits byte
	switch len(segment) % 4 {
	case 1:
		return false
	case 2:
		spareBits = 0x0f
	case 3:
		spareBits = 0x03
	default:
		return true
	}
	return value(segment[len(segment)-1])&spareBits == 0
}

// value is the 6-bit value of a base64url character.
func value(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case c >= '0' && c <= '9':
		return c - '0' + 52
	case c == '-':
		return 62
	}
	return 63 // '_'
}

// Decode decodes a canonical base64url segment of checked alphabet
// into dst, which is long enough, without allocating; it returns the number
// of bytes written.
func Decode(dst []byte, segment string) int {
	n, acc, bits := 0, uint(0), uint(0)
	for i := 0; i < len(segment); i++ {
		acc = acc<<6 | uint(value(segment[i]))
		if bits += 6; bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	return n
}
