package clerkauth

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// objectReader walks the members of one JSON object. It is meant for input
// json.Valid accepts, or that a JSON decoder has already parsed; on anything
// else it stops with err set rather than guess, and it never reads out of
// bounds.
type objectReader struct {
	data  []byte
	i     int
	first bool
	done  bool
	err   bool
}

// start reads the opening brace.
func (r *objectReader) start() bool {
	r.skipSpace()
	if r.i >= len(r.data) || r.data[r.i] != '{' {
		r.err, r.done = true, true
		return false
	}
	r.i++
	r.first = true
	return true
}

// next returns the next member: its key, unescaped, and its value as raw
// JSON. ok is false after the last member and on malformed input, which
// also sets err.
func (r *objectReader) next() (key, value []byte, ok bool) {
	if r.done {
		return nil, nil, false
	}
	r.skipSpace()
	if r.i < len(r.data) && r.data[r.i] == '}' {
		r.i++
		r.done = true
		r.skipSpace()
		r.err = r.i != len(r.data)
		return nil, nil, false
	}
	if !r.first {
		if r.i >= len(r.data) || r.data[r.i] != ',' {
			return r.fail()
		}
		r.i++
		r.skipSpace()
	}
	r.first = false
	end := endOfString(r.data, r.i)
	if end < 0 {
		return r.fail()
	}
	if key, ok = unquote(r.data[r.i:end]); !ok {
		return r.fail()
	}
	r.i = end
	r.skipSpace()
	if r.i >= len(r.data) || r.data[r.i] != ':' {
		return r.fail()
	}
	r.i++
	r.skipSpace()
	if end = endOfValue(r.data, r.i); end < 0 {
		return r.fail()
	}
	value = r.data[r.i:end]
	r.i = end
	return key, value, true
}

func (r *objectReader) fail() ([]byte, []byte, bool) {
	r.err, r.done = true, true
	return nil, nil, false
}

func (r *objectReader) skipSpace() {
	for r.i < len(r.data) {
		switch r.data[r.i] {
		case ' ', '\t', '\r', '\n':
			r.i++
		default:
			return
		}
	}
}

// endOfString is the index just past the JSON string starting at data[i],
// or -1.
func endOfString(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// endOfValue is the index just past the JSON value starting at data[i], or
// -1.
func endOfValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return endOfString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				if i = endOfString(data, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	start := i
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if i == start {
				return -1
			}
			return i
		}
		i++
	}
	return -1
}

// unquote decodes a JSON string literal. Plain ASCII without escapes, the
// usual case, is returned in place; anything else goes through
// encoding/json, so escapes and non-ASCII bytes read exactly as a JSON
// decoder reads them.
func unquote(literal []byte) ([]byte, bool) {
	if len(literal) < 2 || literal[0] != '"' || literal[len(literal)-1] != '"' {
		return nil, false
	}
	inner := literal[1 : len(literal)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return inner, true
	}
	var s string
	// A copy, so literal (often a stack buffer) does not escape.
	if json.Unmarshal(bytes.Clone(literal), &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// jsonString is the content of a raw JSON value when it is a string.
func jsonString(value []byte) ([]byte, bool) {
	if len(value) == 0 || value[0] != '"' {
		return nil, false
	}
	return unquote(value)
}

// jsonKind names the type of a raw JSON value, for logs.
func jsonKind(value []byte) string {
	if len(value) == 0 {
		return "absent"
	}
	switch value[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
