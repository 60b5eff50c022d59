package clerkwebhook

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// members are the members of a JSON object that decode reads, by their
// exact names.
//
// encoding/json matches a struct field's name case-insensitively, with
// Unicode's simple folding ("Type", "TYPE", "ſ" for "s", the Kelvin sign
// for "k"), and lets the last of repeated names win. Clerk sends each field
// once, in lower snake_case, and its JS SDK reads them case-sensitively
// (JSON.parse and property access). So decode never lets encoding/json
// match names: it reads each member by its exact name, and a field also
// given in another spelling, or given twice, is ambiguous: which value
// another parser would take is a guess. Each caller decides whether an
// ambiguous field refuses the event or is treated as absent.
type members struct {
	// path names the object in errors, such as "data".
	path      string
	exact     map[string]json.RawMessage
	ambiguous map[string]bool
}

// readMembers reads raw, which must be one JSON object and nothing else,
// keeping the members named one of names; ok is false when raw is not.
func readMembers(raw []byte, path string, names ...string) (m members, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return members{}, false
	}
	m = members{path: path, exact: map[string]json.RawMessage{}, ambiguous: map[string]bool{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return members{}, false
		}
		key, _ := tok.(string) // the decoder refuses a key that is not a string
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return members{}, false
		}
		for _, name := range names {
			if key == name {
				if _, seen := m.exact[name]; seen {
					m.ambiguous[name] = true
				}
				m.exact[name] = value
			} else if strings.EqualFold(key, name) { // encoding/json's own folding
				m.ambiguous[name] = true
			}
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return members{}, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return members{}, false // something after the object
	}
	return m, true
}

// get decodes the member name into v, leaving v as it is when the member
// is absent or null. The error is an ambiguousError for an ambiguous
// member, encoding/json's for a value of the wrong type.
func (m members) get(name string, v any) (present bool, err error) {
	if m.ambiguous[name] {
		return false, ambiguousError(m.path, name)
	}
	raw, ok := m.exact[name]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

// ambiguousError is a decodeError naming the ambiguous field.
func ambiguousError(path, name string) error {
	if path != "" {
		name = path + "." + name
	}
	return decodeError("field " + name + " is given twice or in another case")
}
