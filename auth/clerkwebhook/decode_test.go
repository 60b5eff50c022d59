package clerkwebhook

import (
	"testing"
	"time"

	"encore.app/auth/clerkusers"
)

// Whatever a signed body holds, decode never panics, and what it accepts has
// only plain IDs and a plain type: they go to the database and the logs.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"data":{"id":"user_1","primary_email_address_id":"idn_1","email_addresses":[{"id":"idn_1","email_address":"a@example.com"}],"updated_at":1754000000000},"object":"event","type":"user.created","timestamp":1754000000000}`,
		`{"data":{"id":"user_1","object":"user","deleted":true},"object":"event","type":"user.deleted"}`,
		`{"data":{"id":"sess_1","user_id":"user_1","status":"revoked"},"object":"event","type":"session.revoked"}`,
		`{"data":{"id":"org_1"},"type":"organization.created"}`,
		`{"data":null,"type":"user.updated"}`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	now := func() time.Time { return time.Unix(1754000000, 0) }
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := decode(body, now)
		if err != nil {
			return
		}
		if !validEventType(ev.Type) || ev.Type == "" {
			t.Fatalf("accepted type %q", ev.Type)
		}
		c := ev.Change
		if c == nil {
			if ev.Publish != nil {
				t.Fatalf("publishes %+v without a change", ev.Publish)
			}
			return
		}
		if !validID(c.UserID) || c.Kind == clerkusers.SessionRevoked && !validID(c.SessionID) {
			t.Fatalf("accepted change %+v", c)
		}
		if c.Kind == clerkusers.UserChanged && (c.UpdatedAt.UnixMilli() <= 0 || !c.UpdatedAt.Equal(ev.Publish.UpdatedAt)) {
			t.Fatalf("accepted change %+v publishing %+v", c, ev.Publish)
		}
		if (ev.Publish != nil) != (c.Kind != clerkusers.SessionRevoked) {
			t.Fatalf("change %+v publishes %+v", c, ev.Publish)
		}
	})
}
