package clerkwebhook

import (
	"encoding/json"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
)

// Whatever a signed body holds, decode never panics, and what it accepts has
// only plain IDs and a plain type: they go to the database and the logs.
// What it would apply is dated within maxFuture of now, and what it cannot
// apply changes and publishes nothing.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"data":{"id":"user_1","primary_email_address_id":"idn_1","email_addresses":[{"id":"idn_1","email_address":"a@example.com"}],"updated_at":1754000000000},"object":"event","type":"user.created","timestamp":1754000000000}`,
		`{"data":{"id":"user_1","object":"user","deleted":true},"object":"event","type":"user.deleted"}`,
		`{"data":{"id":"sess_1","user_id":"user_1","status":"revoked"},"object":"event","type":"session.revoked"}`,
		`{"data":{"id":"org_1"},"type":"organization.created"}`,
		`{"data":{"id":"org_1","slug":"acme","name":"Acme","updated_at":1754000000000},"type":"organization.updated"}`,
		`{"data":{"id":"org_1","object":"organization","deleted":true},"type":"organization.deleted","timestamp":1754000000000}`,
		`{"data":{"organization":{"id":"org_1"},"public_user_data":{"user_id":"user_1"},"role":"org:admin","updated_at":1754000000000},"type":"organizationMembership.updated"}`,
		`{"data":{"organization":{"id":"org_1"},"public_user_data":{"user_id":"user_1"},"updated_at":1754000000000},"type":"organizationMembership.deleted"}`,
		`{"data":null,"type":"user.updated"}`,
		`{"data":{"id":"user_1","updated_at":1754000000000},"type":"user.updated","Type":"user.deleted"}`,
		`{"data":{"id":"user_1","updated_at":9754000000000},"type":"user.updated"}`,
		`{"data":{"id":"user_1","uſer_id":"user_2","id":"user_3"},"type":"session.ended"}`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	now := time.Unix(1754000000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := decode(body, now)
		if err != nil {
			if _, ok := err.(decodeError); !ok {
				t.Fatalf("error %T is not a decodeError: its text may quote the body", err)
			}
			return
		}
		if !validEventType(ev.Type) || ev.Type == "" {
			t.Fatalf("accepted type %q", ev.Type)
		}
		c := ev.Change
		if c == nil {
			if ev.Publish != nil || ev.PublishOrg != nil || ev.Unappliable != "" {
				t.Fatalf("publishes %+v, %+v or refuses %q without a change", ev.Publish, ev.PublishOrg, ev.Unappliable)
			}
			return
		}
		if !validChange(c) {
			t.Fatalf("accepted change %+v", c)
		}
		if ev.Unappliable != "" {
			if ev.Publish != nil || ev.PublishOrg != nil || c.Kind != clerkmirror.UserChanged && c.Kind != clerkmirror.OrgChanged && c.Kind != clerkmirror.MembershipChanged {
				t.Fatalf("unappliable %q publishes %+v, %+v for %+v", ev.Unappliable, ev.Publish, ev.PublishOrg, c)
			}
			return
		}
		published := time.Time{}
		switch {
		case ev.Publish != nil:
			published = ev.Publish.UpdatedAt
		case ev.PublishOrg != nil:
			published = ev.PublishOrg.UpdatedAt
		}
		if c.Kind != clerkmirror.UserDeleted && c.Kind != clerkmirror.SessionRevoked &&
			(c.UpdatedAt.UnixMilli() <= 0 || c.UpdatedAt.After(now.Add(maxFuture)) || !c.UpdatedAt.Equal(published)) {
			t.Fatalf("accepted change %+v publishing at %v", c, published)
		}
		userEvent := c.Kind == clerkmirror.UserChanged || c.Kind == clerkmirror.UserDeleted
		if (ev.Publish != nil) != userEvent || (ev.PublishOrg != nil) != (!userEvent && c.Kind != clerkmirror.SessionRevoked) {
			t.Fatalf("change %+v publishes %+v, %+v", c, ev.Publish, ev.PublishOrg)
		}
	})
}

// validChange reports whether c names what its kind needs, with plain IDs.
func validChange(c *clerkmirror.Change) bool {
	switch c.Kind {
	case clerkmirror.UserChanged, clerkmirror.UserDeleted:
		return validID(c.UserID)
	case clerkmirror.SessionRevoked:
		return validID(c.UserID) && validID(c.SessionID)
	case clerkmirror.OrgChanged, clerkmirror.OrgDeleted:
		return validID(c.OrgID)
	case clerkmirror.MembershipChanged:
		return validID(c.OrgID) && validID(c.UserID) && validRole(c.Role)
	case clerkmirror.MembershipDeleted:
		return validID(c.OrgID) && validID(c.UserID)
	}
	return false
}

// members folds names as encoding/json does (Unicode's simple folding, the
// Kelvin sign for "k" and "ſ" for "s" included): whatever encoding/json
// would take for a field, members sees as ambiguous.
func TestMembersFoldLikeEncodingJSON(t *testing.T) {
	for _, key := range []string{"KISS", "Kiss", "\u212aiss", "ki\u017f\u017f", "\u212aI\u017fS"} {
		body := []byte(`{"` + key + `":1}`)
		var v struct {
			Kiss int `json:"kiss"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.Kiss != 1 {
			t.Fatalf("%q: encoding/json does not take it for kiss (%v): the test is wrong", key, err)
		}
		m, ok := readMembers(body, "", "kiss")
		if !ok || !m.ambiguous["kiss"] {
			t.Errorf("%q: not seen as another spelling of kiss", key)
		}
		var got int
		if _, err := m.get("kiss", &got); err == nil || got != 0 {
			t.Errorf("%q: get = %d, %v; want an error", key, got, err)
		}
	}
	m, ok := readMembers([]byte(`{"kiss":1}`), "", "kiss")
	var got int
	if present, err := m.get("kiss", &got); !ok || !present || err != nil || got != 1 {
		t.Errorf("exact name: %d, %v, %v", got, present, err)
	}
}

// readMembers takes one JSON object and nothing else.
func TestReadMembersNeedsOneObject(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `"x"`, `{"a":1}{}`, `{"a":1} x`, `{"a":1`, `{"a" 1}`, `{1:2}`, `{"a":1,}`} {
		if _, ok := readMembers([]byte(body), ""); ok {
			t.Errorf("%q: accepted", body)
		}
	}
	for _, body := range []string{`{}`, ` {"a":[1,{"b":2}]} `, "{\"a\":1}\n"} {
		if _, ok := readMembers([]byte(body), ""); !ok {
			t.Errorf("%q: refused", body)
		}
	}
}
