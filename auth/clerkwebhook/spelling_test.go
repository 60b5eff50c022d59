package clerkwebhook_test

import (
	"strings"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/clerkevents"
	"encore.app/internal/pgtest"
)

// userBody is a user.created for user_1 with its primary email, where each
// of user and address replaces the data's and the address's members.
func userBody(envelope, user, address string) []byte {
	if address == "" {
		address = `"id":"idn_1","email_address":"a@example.com"`
	}
	if user == "" {
		user = `"id":"user_1","updated_at":1754000000000,"primary_email_address_id":"idn_1","email_addresses":[{` + address + `}]`
	}
	if envelope == "" {
		envelope = `"type":"user.created","data":{` + user + `}`
	}
	return []byte(`{"object":"event",` + envelope + `}`)
}

// Every field decode reads is read under its exact name. A field also given
// in another case (encoding/json's folding, "ſ" for "s" included), or twice,
// is ambiguous: the event is refused rather than read as another parser
// might read it, or stored without its email.
func TestFieldsInAnotherCaseAreRefused(t *testing.T) {
	data := `"data":{"id":"user_1","updated_at":1754000000000}`
	sessionData := func(members string) string {
		return `"type":"session.revoked","data":{` + members + `}`
	}
	cases := map[string][]byte{
		// The envelope.
		"Type only":                 userBody(`"Type":"user.created",`+data, "", ""),
		"TYPE only":                 userBody(`"TYPE":"user.created",`+data, "", ""),
		"type and Type, same value": userBody(`"type":"user.created","Type":"user.created",`+data, "", ""),
		"Type before type":          userBody(`"Type":"session.revoked","type":"user.created",`+data, "", ""),
		"type after type":           userBody(`"type":"session.revoked","type":"user.created",`+data, "", ""),
		"Data only":                 userBody(`"type":"user.created","Data":{"id":"user_1","updated_at":1754000000000}`, "", ""),
		"data and DATA":             userBody(`"type":"user.created",`+data+`,"DATA":{"id":"user_2","updated_at":1754000000000}`, "", ""),
		"data twice":                userBody(`"type":"user.created",`+data+`,`+data, "", ""),
		// A user's fields.
		"Id only":                     userBody("", `"Id":"user_1","updated_at":1754000000000`, ""),
		"id and ID":                   userBody("", `"id":"user_1","ID":"user_2","updated_at":1754000000000`, ""),
		"id twice":                    userBody("", `"id":"user_1","id":"user_2","updated_at":1754000000000`, ""),
		"Updated_At only":             userBody("", `"id":"user_1","Updated_At":1754000000000`, ""),
		"updated_at and UPDATED_AT":   userBody("", `"id":"user_1","updated_at":1754000000000,"UPDATED_AT":1754000000001`, ""),
		"Primary_Email_Address_Id":    userBody("", `"id":"user_1","updated_at":1754000000000,"Primary_Email_Address_Id":"idn_1","email_addresses":[{"id":"idn_1","email_address":"a@example.com"}]`, ""),
		"primary_email_addreſſ_id":    userBody("", `"id":"user_1","updated_at":1754000000000,"primary_email_address_id":"idn_1","primary_email_addreſſ_id":"idn_2","email_addresses":[{"id":"idn_1","email_address":"a@example.com"},{"id":"idn_2","email_address":"b@example.com"}]`, ""),
		"email_addreſſes only":        userBody("", `"id":"user_1","updated_at":1754000000000,"primary_email_address_id":"idn_1","email_addreſſes":[{"id":"idn_1","email_address":"a@example.com"}]`, ""),
		"email_addresses and Email_…": userBody("", `"id":"user_1","updated_at":1754000000000,"primary_email_address_id":"idn_1","email_addresses":[],"Email_Addresses":[{"id":"idn_1","email_address":"a@example.com"}]`, ""),
		"address Id only":             userBody("", "", `"Id":"idn_1","email_address":"a@example.com"`),
		"address id and ID":           userBody("", "", `"id":"idn_2","ID":"idn_1","email_address":"a@example.com"`),
		"address email_addreſſ only":  userBody("", "", `"id":"idn_1","email_addreſſ":"a@example.com"`),
		"address email_address twice": userBody("", "", `"id":"idn_1","email_address":"a@example.com","email_address":"b@example.com"`),
		"another address ambiguous":   userBody("", `"id":"user_1","updated_at":1754000000000,"primary_email_address_id":"idn_1","email_addresses":[{"id":"idn_1","email_address":"a@example.com"},{"id":"idn_2","ID":"idn_1","email_address":"b@example.com"}]`, ""),
		"user.deleted Id only":        []byte(`{"type":"user.deleted","data":{"Id":"user_1","deleted":true}}`),
		"user.deleted id and iD":      []byte(`{"type":"user.deleted","data":{"id":"user_1","iD":"user_2","deleted":true}}`),
		"session Id only":             []byte(`{` + sessionData(`"Id":"sess_1","user_id":"user_1"`) + `}`),
		"session id and ID":           []byte(`{` + sessionData(`"id":"sess_1","ID":"sess_2","user_id":"user_1"`) + `}`),
		"session uſer_id only":        []byte(`{` + sessionData(`"id":"sess_1","uſer_id":"user_1"`) + `}`),
		"session user_id and USER_ID": []byte(`{` + sessionData(`"id":"sess_1","user_id":"user_1","USER_ID":"user_2"`) + `}`),
		"session user_id twice":       []byte(`{` + sessionData(`"id":"sess_1","user_id":"user_1","user_id":"user_2"`) + `}`),
		"unknown type with Data only": []byte(`{"type":"organization.created","Data":{"id":"org_1"}}`),
		"unknown type, data and Data": []byte(`{"type":"organization.created","data":{"id":"org_1"},"Data":{"id":"org_2"}}`),
		"unknown type, type and tYPE": []byte(`{"type":"organization.created","tYPE":"user.deleted","data":{"id":"user_1"}}`),
		"user.deleted with Type too":  []byte(`{"type":"user.deleted","data":{"id":"user_1"},"Type":"user.deleted"}`),
	}
	e := newEnv(t) // shared: every case must leave it empty
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			e.isolate(t)
			a := send(t, e.h, clerktest.Webhook{}, body)
			a.expect(t, 400, "invalid_argument")
			e.expectNothingApplied(t)
		})
	}

	// The answer names the field, in fixed text.
	a := send(t, e.h, clerktest.Webhook{}, userBody("", "", `"id":"idn_1","email_address":"a@example.com","EMAIL_ADDRESS":"b@example.com"`))
	if want := "field data.email_addresses[].email_address is given twice or in another case"; a.Message != want {
		t.Errorf("message %q, want %q", a.Message, want)
	}

	// Exactness is of the decoded name: an escaped "type" is "type".
	send(t, e.h, clerktest.Webhook{}, userBody(`"\u0074ype":"user.created","data":{"id":"user_1","updated_at":1754000000000}`, "", "")).expect(t, 200, "applied")
	// Members decode does not read may be spelled in any way.
	send(t, e.h, clerktest.Webhook{}, userBody(`"type":"user.updated","Object":"x","data":{"id":"user_1","updated_at":1754000000001,"Deleted":1,"deleted":2}`, "", "")).expect(t, 200, "applied")
}

// A user.deleted's timestamp in another case, twice, or unreadable is taken
// as absent and the deletion dated now: a deletion is never refused over
// its date.
func TestAmbiguousDeletionTimestampIsAbsent(t *testing.T) {
	db := pgtest.Open(t, migrations)
	pub := &publisher{}
	now := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	h := clerkwebhook.NewHandler(clerkwebhook.Config{
		Secret: clerktest.WebhookSecret, Store: clerkmirror.NewStore(db), Publisher: pub, OrgPublisher: &orgPublisher{},
		Now: func() time.Time { return now },
	})
	for i, ts := range []string{
		`"Timestamp":1754000000000`,
		`"timeſtamp":1754000000000`,
		`"timestamp":1754000000000,"TIMESTAMP":1754000000000`,
		`"timestamp":1754000000000,"timestamp":1754000000001`,
		`"timestamp":"1754000000000"`,
		`"timestamp":1.5`,
	} {
		id := "user_" + strings.Repeat("x", i+1)
		body := []byte(`{"type":"user.deleted","data":{"id":"` + id + `","deleted":true},` + ts + `}`)
		send(t, h, clerktest.Webhook{}, body).expect(t, 200, "applied")
		got := pub.published()
		if last := got[len(got)-1]; last.Type != clerkevents.UserDeleted || last.UserID != id || !last.UpdatedAt.Equal(now) {
			t.Errorf("%s: published %+v, want dated %v", ts, last, now)
		}
	}
	// An exact one is the event's time.
	body := []byte(`{"type":"user.deleted","data":{"id":"user_exact","deleted":true},"timestamp":1754000000000}`)
	send(t, h, clerktest.Webhook{}, body).expect(t, 200, "applied")
	got := pub.published()
	if last := got[len(got)-1]; !last.UpdatedAt.Equal(time.UnixMilli(1754000000000)) {
		t.Errorf("published %+v, want the event's timestamp", last)
	}
}
