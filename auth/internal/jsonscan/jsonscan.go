// Package jsonscan reads JSON objects and arrays member by member without
// allocating: keys and values are slices of the input. It is the reader
// under the strict claim and header checks of clerkjwt and the cookie
// token peek of clerkcredential, which must read a token's JSON exactly as
// JSON.parse does and cost nothing on the hot path.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Object walks the members of one JSON object. It is meant for input
// json.Valid accepts, or that a JSON decoder has already parsed; on anything
// else it stops with Err set rather than guess, and it never reads out of
// bounds.
type Object struct {
	data  []byte
	i     int
	first bool
	done  bool
	err   bool
}

// NewObject is an Object over data, to be read from Start.
func NewObject(data []byte) Object { return Object{data: data} }

// Start reads the opening brace.
func (r *Object) Start() bool { return r.open('{') }

// Next returns the next member: its key, unescaped, and its value as raw
// JSON. ok is false after the last member and on malformed input, which
// also sets Err.
func (r *Object) Next() (key, value []byte, ok bool) {
	if !r.item('}') {
		return nil, nil, false
	}
	end := endOfString(r.data, r.i)
	if end < 0 {
		return nil, nil, r.fail()
	}
	if key, ok = unquote(r.data[r.i:end]); !ok {
		return nil, nil, r.fail()
	}
	r.i = skipSpace(r.data, end)
	if r.i >= len(r.data) || r.data[r.i] != ':' {
		return nil, nil, r.fail()
	}
	r.i = skipSpace(r.data, r.i+1)
	if value, ok = r.value(); !ok {
		return nil, nil, false
	}
	return key, value, true
}

// Array walks the elements of one JSON array, on Object's
// terms and with its machinery.
type Array Object

// NewArray is an Array over data, to be read from Start.
func NewArray(data []byte) Array { return Array{data: data} }

// Start reads the opening bracket.
func (r *Array) Start() bool { return (*Object)(r).open('[') }

// Next returns the next element as raw JSON. ok is false after the last
// element and on malformed input, which also sets Err.
func (r *Array) Next() (value []byte, ok bool) {
	o := (*Object)(r)
	if !o.item(']') {
		return nil, false
	}
	return o.value()
}

// Err reports whether the object was malformed, or had data after its
// closing brace; a reader that stops without it has read every member.
func (r *Object) Err() bool { return r.err }

// Err is Object.Err for the array.
func (r *Array) Err() bool { return r.err }

// open reads the opening bracket, '{' or '['.
func (r *Object) open(bracket byte) bool {
	r.i = skipSpace(r.data, r.i)
	if r.i >= len(r.data) || r.data[r.i] != bracket {
		return r.fail()
	}
	r.i++
	r.first = true
	return true
}

// item moves to the start of the next item: false after the closing
// bracket, which must end the data, and on malformed input.
func (r *Object) item(closing byte) bool {
	if r.done {
		return false
	}
	r.i = skipSpace(r.data, r.i)
	if r.i < len(r.data) && r.data[r.i] == closing {
		r.i = skipSpace(r.data, r.i+1)
		r.done = true
		r.err = r.i != len(r.data)
		return false
	}
	if !r.first {
		if r.i >= len(r.data) || r.data[r.i] != ',' {
			return r.fail()
		}
		r.i = skipSpace(r.data, r.i+1)
	}
	r.first = false
	return true
}

// value reads the raw JSON value at the current position.
func (r *Object) value() ([]byte, bool) {
	end := endOfValue(r.data, r.i)
	if end < 0 {
		return nil, r.fail()
	}
	value := r.data[r.i:end]
	r.i = end
	return value, true
}

func (r *Object) fail() bool {
	r.err, r.done = true, true
	return false
}

// skipSpace is the index of the first byte at or after i that is not JSON
// whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
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

// String is the content of a raw JSON value when it is a string.
func String(value []byte) ([]byte, bool) {
	if len(value) == 0 || value[0] != '"' {
		return nil, false
	}
	return unquote(value)
}

// Kind names the type of a raw JSON value, for logs.
func Kind(value []byte) string {
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
