package preferences_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"encore.dev/beta/errs"

	"encore.app/internal/pgtest"
	"encore.app/internal/storeerr"
	"encore.app/user/preferences"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newStore(t *testing.T) (*preferences.Store, *sql.DB) {
	t.Helper()
	db := pgtest.Open(t, "../migrations")
	return preferences.NewStore(db), db
}

func ptr[T any](v T) *T { return &v }

func get(t *testing.T, s *preferences.Store, userID string) preferences.Preferences {
	t.Helper()
	p, err := s.Get(context.Background(), userID)
	if err != nil {
		t.Fatalf("Get(%s): %v", userID, err)
	}
	return p
}

func update(t *testing.T, s *preferences.Store, userID string, patch preferences.Patch) preferences.Preferences {
	t.Helper()
	p, err := s.Update(context.Background(), userID, patch)
	if err != nil {
		t.Fatalf("Update(%s): %v", userID, err)
	}
	return p
}

// withoutTime is p with UpdatedAt cleared, to compare the values alone.
func withoutTime(p preferences.Preferences) preferences.Preferences {
	p.UpdatedAt = nil
	return p
}

func TestGetDefaultsWhenNothingStored(t *testing.T) {
	s, _ := newStore(t)
	p := get(t, s, "user_new")
	want := preferences.Preferences{Theme: "system", Locale: "en", Timezone: "UTC", EmailNotifications: true}
	if p.UpdatedAt != nil {
		t.Fatalf("UpdatedAt = %v, want nil", p.UpdatedAt)
	}
	if p != want {
		t.Fatalf("Get = %+v, want %+v", p, want)
	}
	if p != preferences.Defaults() {
		t.Fatalf("Get = %+v, want Defaults() %+v", p, preferences.Defaults())
	}
}

func TestJSONShape(t *testing.T) {
	s, _ := newStore(t)
	body, err := json.Marshal(get(t, s, "user_1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"theme":"system","locale":"en","timezone":"UTC","emailNotifications":true,"updatedAt":null}`; string(body) != want {
		t.Fatalf("defaults JSON = %s, want %s", body, want)
	}

	before := time.Now().Add(-time.Minute)
	p := update(t, s, "user_1", preferences.Patch{Theme: ptr("dark"), EmailNotifications: ptr(false)})
	body, err = json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("JSON %s has %d keys, want 5", body, len(got))
	}
	if got["theme"] != "dark" || got["locale"] != "en" || got["timezone"] != "UTC" || got["emailNotifications"] != false {
		t.Fatalf("JSON = %s", body)
	}
	ts, ok := got["updatedAt"].(string)
	if !ok {
		t.Fatalf("updatedAt = %#v, want a string", got["updatedAt"])
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		t.Fatalf("updatedAt %q: %v", ts, err)
	}
	if at.Before(before) || at.After(time.Now().Add(time.Minute)) {
		t.Fatalf("updatedAt = %v, want about now", at)
	}
	if !strings.HasSuffix(ts, "Z") {
		t.Fatalf("updatedAt = %q, want UTC", ts)
	}
}

func TestUpdateEachFieldAlone(t *testing.T) {
	defaults := preferences.Defaults()
	cases := []struct {
		name  string
		patch preferences.Patch
		want  func(p *preferences.Preferences)
	}{
		{"theme", preferences.Patch{Theme: ptr("light")}, func(p *preferences.Preferences) { p.Theme = "light" }},
		{"locale", preferences.Patch{Locale: ptr("fr-CA")}, func(p *preferences.Preferences) { p.Locale = "fr-CA" }},
		{"timezone", preferences.Patch{Timezone: ptr("Asia/Tokyo")}, func(p *preferences.Preferences) { p.Timezone = "Asia/Tokyo" }},
		{"emailNotifications", preferences.Patch{EmailNotifications: ptr(false)}, func(p *preferences.Preferences) { p.EmailNotifications = false }},
	}
	s, _ := newStore(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			user := "user_" + c.name
			want := defaults
			c.want(&want)

			got := update(t, s, user, c.patch)
			if withoutTime(got) != want {
				t.Fatalf("Update returned %+v, want %+v", got, want)
			}
			if got.UpdatedAt == nil {
				t.Fatal("Update returned no UpdatedAt")
			}
			if stored := get(t, s, user); withoutTime(stored) != want || stored.UpdatedAt == nil || !stored.UpdatedAt.Equal(*got.UpdatedAt) {
				t.Fatalf("Get after Update = %+v, want %+v at %v", stored, want, got.UpdatedAt)
			}
		})
	}
}

func TestLaterUpdateKeepsOtherFields(t *testing.T) {
	s, _ := newStore(t)
	update(t, s, "user_1", preferences.Patch{Theme: ptr("dark"), Locale: ptr("de-DE")})
	first := get(t, s, "user_1")
	time.Sleep(10 * time.Millisecond)
	update(t, s, "user_1", preferences.Patch{Timezone: ptr("Europe/Berlin")})
	update(t, s, "user_1", preferences.Patch{EmailNotifications: ptr(false)})
	update(t, s, "user_1", preferences.Patch{Theme: ptr("light")})
	got := get(t, s, "user_1")
	want := preferences.Preferences{Theme: "light", Locale: "de-DE", Timezone: "Europe/Berlin", EmailNotifications: false}
	if withoutTime(got) != want {
		t.Fatalf("Get = %+v, want %+v", got, want)
	}
	if !got.UpdatedAt.After(*first.UpdatedAt) {
		t.Fatalf("UpdatedAt %v not after first update %v", got.UpdatedAt, first.UpdatedAt)
	}
	// Setting a field back to its default value is stored too.
	update(t, s, "user_1", preferences.Patch{EmailNotifications: ptr(true), Theme: ptr("system")})
	want.EmailNotifications, want.Theme = true, "system"
	if got := get(t, s, "user_1"); withoutTime(got) != want {
		t.Fatalf("Get = %+v, want %+v", got, want)
	}
}

func TestEmptyPatchWritesNothing(t *testing.T) {
	s, _ := newStore(t)
	p := update(t, s, "user_1", preferences.Patch{})
	if p != preferences.Defaults() {
		t.Fatalf("empty patch on a new user = %+v, want the defaults with no UpdatedAt", p)
	}
	if p := get(t, s, "user_1"); p.UpdatedAt != nil {
		t.Fatalf("empty patch stored a row: %+v", p)
	}

	stored := update(t, s, "user_1", preferences.Patch{Theme: ptr("dark")})
	p = update(t, s, "user_1", preferences.Patch{})
	if withoutTime(p) != withoutTime(stored) || !p.UpdatedAt.Equal(*stored.UpdatedAt) {
		t.Fatalf("empty patch = %+v, want the stored %+v unchanged", p, stored)
	}
}

func TestValidation(t *testing.T) {
	type check struct {
		value string
		ok    bool
		// canonical is what is stored for a valid value ("" = the value itself).
		canonical string
	}
	fields := []struct {
		field  string
		patch  func(string) preferences.Patch
		stored func(preferences.Preferences) string
		checks []check
	}{
		{
			field:  "theme",
			patch:  func(v string) preferences.Patch { return preferences.Patch{Theme: &v} },
			stored: func(p preferences.Preferences) string { return p.Theme },
			checks: []check{
				{value: "system", ok: true}, {value: "light", ok: true}, {value: "dark", ok: true},
				{value: ""}, {value: "Dark"}, {value: "blue"}, {value: " dark"}, {value: "dark\x00"},
			},
		},
		{
			field:  "locale",
			patch:  func(v string) preferences.Patch { return preferences.Patch{Locale: &v} },
			stored: func(p preferences.Preferences) string { return p.Locale },
			checks: []check{
				{value: "en", ok: true}, {value: "en-US", ok: true}, {value: "pt-BR", ok: true},
				{value: "zh-Hant-TW", ok: true}, {value: "es-419", ok: true},
				{value: "de-DE-u-co-phonebk", ok: true},
				{value: "EN-us", ok: true, canonical: "en-US"},
				{value: "zh-hant-tw", ok: true, canonical: "zh-Hant-TW"},
				{value: "iw", ok: true, canonical: "he"},
				{value: ""}, {value: "en_US"}, {value: "en-"}, {value: "-en"}, {value: "en--US"},
				{value: "english"}, {value: "xx"}, {value: "en US"}, {value: " en"}, {value: "en\n"},
				{value: "fr-1234"}, {value: "ü"}, {value: "../etc"},
				{value: "en-" + strings.Repeat("a-", 40) + "b"},
			},
		},
		{
			field:  "timezone",
			patch:  func(v string) preferences.Patch { return preferences.Patch{Timezone: &v} },
			stored: func(p preferences.Preferences) string { return p.Timezone },
			checks: []check{
				{value: "UTC", ok: true}, {value: "Europe/Paris", ok: true},
				{value: "America/Argentina/Buenos_Aires", ok: true}, {value: "Etc/GMT+5", ok: true},
				{value: "America/Port-au-Prince", ok: true}, {value: "Asia/Kolkata", ok: true},
				{value: ""}, {value: "Local"}, {value: "localtime"}, {value: "posixrules"},
				{value: "europe/paris"}, {value: "Europe/Pariss"}, {value: "Mars/Olympus"},
				{value: "../etc/passwd"}, {value: "/etc/localtime"}, {value: "/UTC"}, {value: "UTC/"},
				{value: "Europe//Paris"}, {value: "./UTC"}, {value: "Europe/../UTC"},
				{value: `..\UTC`}, {value: "zone.tab"}, {value: "Europe/"}, {value: "posix/UTC"},
				{value: "right/UTC"}, {value: "+05:00"}, {value: "UTC\x00"}, {value: " UTC"},
				{value: strings.Repeat("A", 65)},
			},
		},
	}
	s, _ := newStore(t)
	ctx := context.Background()
	for _, f := range fields {
		for i, c := range f.checks {
			t.Run(fmt.Sprintf("%s/%q", f.field, c.value), func(t *testing.T) {
				user := fmt.Sprintf("user_%s_%d", f.field, i)
				p, err := s.Update(ctx, user, f.patch(c.value))
				if c.ok {
					if err != nil {
						t.Fatalf("Update(%q) = %v, want accepted", c.value, err)
					}
					want := c.canonical
					if want == "" {
						want = c.value
					}
					if got := f.stored(p); got != want {
						t.Fatalf("Update returned %q, want %q", got, want)
					}
					if got := f.stored(get(t, s, user)); got != want {
						t.Fatalf("stored %q, want %q", got, want)
					}
					return
				}
				var invalid *storeerr.InvalidFieldError
				if !errors.As(err, &invalid) {
					t.Fatalf("Update(%q) = %v, want an *InvalidFieldError", c.value, err)
				}
				if invalid.Field != f.field {
					t.Fatalf("error names field %q, want %q", invalid.Field, f.field)
				}
				if !strings.HasPrefix(err.Error(), "invalid "+f.field+": ") {
					t.Fatalf("error text %q does not name the field %q", err, f.field)
				}
				if stored := get(t, s, user); stored != preferences.Defaults() {
					t.Fatalf("an invalid %s wrote %+v", f.field, stored)
				}
			})
		}
	}
}

func TestOneInvalidFieldWritesNothing(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	stored := update(t, s, "user_1", preferences.Patch{Theme: ptr("dark"), Locale: ptr("en-GB")})

	cases := []struct {
		field string
		patch preferences.Patch
	}{
		{"theme", preferences.Patch{Theme: ptr("neon"), Locale: ptr("fr"), Timezone: ptr("Europe/Paris"), EmailNotifications: ptr(false)}},
		{"locale", preferences.Patch{Theme: ptr("light"), Locale: ptr("not a locale"), Timezone: ptr("Europe/Paris"), EmailNotifications: ptr(false)}},
		{"timezone", preferences.Patch{Theme: ptr("light"), Locale: ptr("fr"), Timezone: ptr("Local"), EmailNotifications: ptr(false)}},
	}
	for _, c := range cases {
		_, err := s.Update(ctx, "user_1", c.patch)
		var invalid *storeerr.InvalidFieldError
		if !errors.As(err, &invalid) || invalid.Field != c.field {
			t.Fatalf("%s: Update = %v, want an *InvalidFieldError for %s", c.field, err, c.field)
		}
		got := get(t, s, "user_1")
		if withoutTime(got) != withoutTime(stored) || !got.UpdatedAt.Equal(*stored.UpdatedAt) {
			t.Fatalf("%s: stored %+v after a refused update, want %+v", c.field, got, stored)
		}
		// And for a user without a row, none is created.
		if _, err := s.Update(ctx, "user_2", c.patch); err == nil {
			t.Fatalf("%s: accepted for user_2", c.field)
		}
		if got := get(t, s, "user_2"); got != preferences.Defaults() {
			t.Fatalf("%s: a refused update created %+v", c.field, got)
		}
	}
}

func TestIsolationBetweenUsers(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	update(t, s, "user_a", preferences.Patch{Theme: ptr("dark"), Locale: ptr("ja"), Timezone: ptr("Asia/Tokyo"), EmailNotifications: ptr(false)})
	if got := get(t, s, "user_b"); got != preferences.Defaults() {
		t.Fatalf("user_b sees %+v after user_a's update", got)
	}
	update(t, s, "user_b", preferences.Patch{Theme: ptr("light")})
	if got := get(t, s, "user_a"); got.Theme != "dark" || got.Locale != "ja" || got.Timezone != "Asia/Tokyo" || got.EmailNotifications {
		t.Fatalf("user_a = %+v after user_b's update", got)
	}
	if got := get(t, s, "user_b"); got.Theme != "light" || got.Locale != "en" || got.Timezone != "UTC" || !got.EmailNotifications {
		t.Fatalf("user_b = %+v", got)
	}
	// IDs differing only in case or by a prefix are different users.
	if got := get(t, s, "USER_A"); got != preferences.Defaults() {
		t.Fatalf("USER_A sees %+v", got)
	}
	if got := get(t, s, "user_"); got != preferences.Defaults() {
		t.Fatalf("user_ sees %+v", got)
	}
	if err := s.DeleteUser(ctx, "user_a"); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, "user_b"); got.Theme != "light" {
		t.Fatalf("deleting user_a changed user_b: %+v", got)
	}
}

func TestEmptyUserIDRefused(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Get(ctx, ""); err == nil {
		t.Fatal("Get(\"\") succeeded")
	}
	if _, err := s.Update(ctx, "", preferences.Patch{Theme: ptr("dark")}); err == nil {
		t.Fatal("Update(\"\") succeeded")
	}
	if err := s.DeleteUser(ctx, ""); err == nil {
		t.Fatal("DeleteUser(\"\") succeeded")
	}
}

// Concurrent patches of different fields of one user, on a row that exists
// and on one that does not yet (both racing to insert it), all survive.
func TestConcurrentPartialUpdates(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	const users = 20
	want := preferences.Preferences{Theme: "dark", Locale: "nl-BE", Timezone: "Europe/Brussels", EmailNotifications: false}
	patches := []preferences.Patch{
		{Theme: ptr("dark")},
		{Locale: ptr("nl-BE")},
		{Timezone: ptr("Europe/Brussels")},
		{EmailNotifications: ptr(false)},
	}
	for i := 0; i < users; i++ {
		if i%2 == 0 {
			// An existing row, with every field set otherwise.
			update(t, s, fmt.Sprintf("user_%d", i), preferences.Patch{Theme: ptr("light"), Locale: ptr("en-US"), Timezone: ptr("UTC"), EmailNotifications: ptr(true)})
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, users*len(patches))
	start := make(chan struct{})
	for i := 0; i < users; i++ {
		for _, p := range patches {
			wg.Add(1)
			go func(user string, p preferences.Patch) {
				defer wg.Done()
				<-start
				if _, err := s.Update(ctx, user, p); err != nil {
					errc <- err
				}
			}(fmt.Sprintf("user_%d", i), p)
		}
	}
	close(start)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("concurrent Update: %v", err)
	}
	for i := 0; i < users; i++ {
		if got := get(t, s, fmt.Sprintf("user_%d", i)); withoutTime(got) != want {
			t.Errorf("user_%d = %+v, want %+v: a concurrent update was lost", i, got, want)
		}
	}
}

// The Store's errors keep what storeerr.APIError needs: the refused field,
// and a cause it can tell "retry later" from "broken" by. The
// classification itself is storeerr's, and tested there.
func TestAPIError(t *testing.T) {
	s, db := newStore(t)
	apiError := func(err error) *errs.Error { return storeerr.APIError(err, preferences.MsgUnavailable) }

	// Validation: 400 invalid_argument naming the field.
	for _, c := range []struct {
		field string
		patch preferences.Patch
	}{
		{"theme", preferences.Patch{Theme: ptr("neon")}},
		{"locale", preferences.Patch{Locale: ptr("en_US")}},
		{"timezone", preferences.Patch{Timezone: ptr("Local")}},
	} {
		_, err := s.Update(context.Background(), "user_1", c.patch)
		e := apiError(err)
		if e.Code != errs.InvalidArgument || e.Code.HTTPStatus() != 400 || e.Code.String() != "invalid_argument" {
			t.Fatalf("%s: code %v (HTTP %d), want invalid_argument (400)", c.field, e.Code, e.Code.HTTPStatus())
		}
		if !strings.HasPrefix(e.Message, "invalid "+c.field+": ") {
			t.Fatalf("%s: message %q does not name the field", c.field, e.Message)
		}
	}

	// A canceled request, a database that cannot be reached: 503 with the
	// preferences' message.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, canceledErr := s.Get(ctx, "user_1")
	unreachable, err := sql.Open("pgx", "host=/nonexistent-pgtest-dir user=x dbname=x connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer unreachable.Close()
	_, unreachableErr := preferences.NewStore(unreachable).Get(context.Background(), "user_1")
	for name, err := range map[string]error{
		"canceled":    canceledErr,
		"unreachable": unreachableErr,
	} {
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		e := apiError(err)
		if e.Code != errs.Unavailable || e.Code.HTTPStatus() != 503 || e.Message != preferences.MsgUnavailable {
			t.Fatalf("%s (%v): %v %d %q, want unavailable 503 %q", name, err, e.Code, e.Code.HTTPStatus(), e.Message, preferences.MsgUnavailable)
		}
	}

	// A pool closed under the Store is a bug: 500 internal.
	db.Close()
	_, closedErr := s.Get(context.Background(), "user_1")
	if closedErr == nil {
		t.Fatal("closed pool: no error")
	}
	if e := apiError(closedErr); e.Code != errs.Internal || e.Code.HTTPStatus() != 500 || e.Message != storeerr.MsgInternal {
		t.Fatalf("closed pool (%v): %v %d %q, want internal 500 %q", closedErr, e.Code, e.Code.HTTPStatus(), e.Message, storeerr.MsgInternal)
	}
}

// The database's own CHECKs refuse what validation would, should a writer
// bypass the Store.
func TestSchemaChecks(t *testing.T) {
	_, db := newStore(t)
	for _, q := range []string{
		`INSERT INTO preferences (user_id, theme) VALUES ('user_1', 'neon')`,
		`INSERT INTO preferences (user_id, locale) VALUES ('user_1', '')`,
		`INSERT INTO preferences (user_id, timezone) VALUES ('user_1', '')`,
		`INSERT INTO preferences (user_id) VALUES ('')`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
}
