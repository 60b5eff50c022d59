package orgsettings_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
	"encore.app/internal/pgtest"
	"encore.app/internal/storeerr"
	"encore.app/org/orgsettings"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newStore(t *testing.T) (*orgsettings.Store, *sql.DB) {
	t.Helper()
	db := pgtest.Open(t, "../migrations")
	return orgsettings.NewStore(db), db
}

func ptr[T any](v T) *T { return &v }

func get(t *testing.T, s *orgsettings.Store, orgID, slug string) orgsettings.Settings {
	t.Helper()
	st, err := s.Get(context.Background(), orgID, slug)
	if err != nil {
		t.Fatalf("Get(%s): %v", orgID, err)
	}
	return st
}

func update(t *testing.T, s *orgsettings.Store, orgID, slug string, p orgsettings.Patch) orgsettings.Settings {
	t.Helper()
	st, err := s.Update(context.Background(), orgID, slug, p)
	if err != nil {
		t.Fatalf("Update(%s): %v", orgID, err)
	}
	return st
}

func assertSettings(t *testing.T, got orgsettings.Settings, orgID, name string, domains []string, stored bool) {
	t.Helper()
	if got.OrgID != orgID || got.DisplayName != name || !slices.Equal(got.AllowedEmailDomains, domains) || got.AllowedEmailDomains == nil {
		t.Fatalf("settings = %+v, want orgId %q, displayName %q, domains %q", got, orgID, name, domains)
	}
	if stored != (got.UpdatedAt != nil) {
		t.Fatalf("UpdatedAt = %v, want set: %v", got.UpdatedAt, stored)
	}
}

func TestDefaults(t *testing.T) {
	s, _ := newStore(t)
	assertSettings(t, get(t, s, "org_1", "acme"), "org_1", "acme", []string{}, false)
	// Without a slug in the token, the ID.
	assertSettings(t, get(t, s, "org_2", ""), "org_2", "org_2", []string{}, false)
}

func TestDefaultNameFollowsSlugUntilSet(t *testing.T) {
	s, _ := newStore(t)
	// Only the domains stored: the name is still the token's current slug.
	update(t, s, "org_1", "acme", orgsettings.Patch{AllowedEmailDomains: &[]string{"acme.com"}})
	assertSettings(t, get(t, s, "org_1", "acme-renamed"), "org_1", "acme-renamed", []string{"acme.com"}, true)
	update(t, s, "org_1", "acme", orgsettings.Patch{DisplayName: ptr("Acme Inc.")})
	assertSettings(t, get(t, s, "org_1", "acme-renamed"), "org_1", "Acme Inc.", []string{"acme.com"}, true)
}

func TestJSONShape(t *testing.T) {
	s, _ := newStore(t)
	body, err := json.Marshal(get(t, s, "org_1", "acme"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"orgId":"org_1","displayName":"acme","allowedEmailDomains":[],"updatedAt":null}`; string(body) != want {
		t.Fatalf("defaults JSON = %s, want %s", body, want)
	}

	// Only the name stored: the domains are still [].
	st := update(t, s, "org_1", "acme", orgsettings.Patch{DisplayName: ptr("Acme")})
	body, _ = json.Marshal(st)
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got["orgId"] != "org_1" || got["displayName"] != "Acme" {
		t.Fatalf("JSON = %s", body)
	}
	if d, ok := got["allowedEmailDomains"].([]any); !ok || len(d) != 0 {
		t.Fatalf("allowedEmailDomains = %#v in %s, want []", got["allowedEmailDomains"], body)
	}
	ts, ok := got["updatedAt"].(string)
	if !ok {
		t.Fatalf("updatedAt = %#v, want a timestamp", got["updatedAt"])
	}
	if at, err := time.Parse(time.RFC3339Nano, ts); err != nil || time.Since(at) > time.Minute || !strings.HasSuffix(ts, "Z") {
		t.Fatalf("updatedAt = %q (%v), want about now, in UTC", ts, err)
	}
	// Read back, stored as [] too.
	body, _ = json.Marshal(get(t, s, "org_1", "acme"))
	if !strings.Contains(string(body), `"allowedEmailDomains":[]`) {
		t.Fatalf("stored JSON = %s", body)
	}

	// Domains, and emptied again.
	body, _ = json.Marshal(update(t, s, "org_1", "acme", orgsettings.Patch{AllowedEmailDomains: &[]string{"acme.com", "acme.io"}}))
	if !strings.Contains(string(body), `"allowedEmailDomains":["acme.com","acme.io"]`) {
		t.Fatalf("JSON = %s", body)
	}
	body, _ = json.Marshal(update(t, s, "org_1", "acme", orgsettings.Patch{AllowedEmailDomains: &[]string{}}))
	if !strings.Contains(string(body), `"allowedEmailDomains":[]`) {
		t.Fatalf("JSON after emptying = %s", body)
	}
}

func TestPartialUpdates(t *testing.T) {
	s, _ := newStore(t)
	st := update(t, s, "org_1", "acme", orgsettings.Patch{DisplayName: ptr("  Acme Corp  ")})
	assertSettings(t, st, "org_1", "Acme Corp", []string{}, true)
	assertSettings(t, get(t, s, "org_1", "acme"), "org_1", "Acme Corp", []string{}, true)

	st = update(t, s, "org_1", "acme", orgsettings.Patch{AllowedEmailDomains: &[]string{"Acme.COM", "xn--bcher-kva.example"}})
	assertSettings(t, st, "org_1", "Acme Corp", []string{"acme.com", "xn--bcher-kva.example"}, true)

	st = update(t, s, "org_1", "acme", orgsettings.Patch{DisplayName: ptr("Acme")})
	assertSettings(t, st, "org_1", "Acme", []string{"acme.com", "xn--bcher-kva.example"}, true)

	// The domains alone on a new organization: the name stays the default.
	st = update(t, s, "org_2", "globex", orgsettings.Patch{AllowedEmailDomains: &[]string{"globex.com"}})
	assertSettings(t, st, "org_2", "globex", []string{"globex.com"}, true)

	// An empty patch writes nothing.
	before := get(t, s, "org_1", "acme")
	after := update(t, s, "org_1", "acme", orgsettings.Patch{})
	if !after.UpdatedAt.Equal(*before.UpdatedAt) || after.DisplayName != before.DisplayName {
		t.Fatalf("empty patch changed %+v into %+v", before, after)
	}
	assertSettings(t, update(t, s, "org_3", "initech", orgsettings.Patch{}), "org_3", "initech", []string{}, false)
	assertSettings(t, get(t, s, "org_3", "initech"), "org_3", "initech", []string{}, false)
}

func TestDisplayNameValidation(t *testing.T) {
	cases := []struct {
		in   string
		want string // stored; "" = refused
	}{
		{"Acme", "Acme"},
		{"  Acme  ", "Acme"},
		{"A", "A"},
		{strings.Repeat("x", 100), strings.Repeat("x", 100)},
		{strings.Repeat("é", 100), strings.Repeat("é", 100)}, // 200 bytes, 100 characters
		{strings.Repeat("日", 100), strings.Repeat("日", 100)},
		{" " + strings.Repeat("x", 100) + "\n", strings.Repeat("x", 100)},
		{"Ünïcödé & Co. 🚀", "Ünïcödé & Co. 🚀"},
		{"👩‍💻 Team", "👩‍💻 Team"}, // a zero width joiner is not a control character
		{"", ""},
		{"   ", ""},
		{"\t\n", ""},
		{strings.Repeat("x", 101), ""},
		{strings.Repeat("日", 101), ""},
		{"Acme\x00", ""},
		{"Ac\nme", ""},
		{"Ac\tme", ""},
		{"Acme\x1b[31m", ""},
		{"Ac\u0085me", ""},
		{"Acme\u0085", "Acme"}, // NEL is white space, trimmed at the ends
		{"Acme\u2028Inc", ""},
		{"Acme\u202Emoc.live", ""},
		{"Acme\u2066x", ""},
		{"bad \xff utf8", ""},
	}
	s, _ := newStore(t)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%q", c.in), func(t *testing.T) {
			org := fmt.Sprintf("org_%d", i)
			st, err := s.Update(context.Background(), org, "slug", orgsettings.Patch{DisplayName: &c.in})
			if c.want != "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if st.DisplayName != c.want || get(t, s, org, "slug").DisplayName != c.want {
					t.Fatalf("stored %q, want %q", st.DisplayName, c.want)
				}
				return
			}
			assertInvalid(t, err, "displayName")
			assertSettings(t, get(t, s, org, "slug"), org, "slug", []string{}, false)
		})
	}
}

func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var invalid *storeerr.InvalidFieldError
	if !errors.As(err, &invalid) {
		t.Fatalf("err = %v, want an *InvalidFieldError", err)
	}
	if invalid.Field != field {
		t.Fatalf("error names %q, want %q", invalid.Field, field)
	}
	if !strings.HasPrefix(err.Error(), "invalid "+field+": ") {
		t.Fatalf("error text %q does not name %s", err, field)
	}
}

func TestEmailDomainValidation(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	// 4 labels of 63 + 3 dots = 255 > 253; 3 of 63 and one of 61 = 253.
	name253 := label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 61)
	valid := []struct {
		in   []string
		want []string
	}{
		{[]string{"example.com"}, []string{"example.com"}},
		{[]string{"EXAMPLE.Com"}, []string{"example.com"}},
		{[]string{"mail.example.co.uk", "a-b.example"}, []string{"mail.example.co.uk", "a-b.example"}},
		{[]string{"xn--bcher-kva.example", "xn--80ak6aa92e.com"}, []string{"xn--bcher-kva.example", "xn--80ak6aa92e.com"}},
		{[]string{"1password.com", "3com.com"}, []string{"1password.com", "3com.com"}},
		{[]string{label63 + ".com"}, []string{label63 + ".com"}},
		{[]string{name253}, []string{name253}},
		{[]string{}, []string{}},
	}
	s, _ := newStore(t)
	ctx := context.Background()
	for i, c := range valid {
		org := fmt.Sprintf("org_valid_%d", i)
		st, err := s.Update(ctx, org, "slug", orgsettings.Patch{AllowedEmailDomains: &c.in})
		if err != nil {
			t.Fatalf("%q refused: %v", c.in, err)
		}
		if !slices.Equal(st.AllowedEmailDomains, c.want) || !slices.Equal(get(t, s, org, "slug").AllowedEmailDomains, c.want) {
			t.Fatalf("%q stored as %q, want %q", c.in, st.AllowedEmailDomains, c.want)
		}
	}
	fifty := make([]string, 50)
	for i := range fifty {
		fifty[i] = fmt.Sprintf("d%d.example.com", i)
	}
	if st := update(t, s, "org_fifty", "slug", orgsettings.Patch{AllowedEmailDomains: &fifty}); len(st.AllowedEmailDomains) != 50 {
		t.Fatalf("50 domains stored as %d", len(st.AllowedEmailDomains))
	}

	invalid := [][]string{
		{""},
		{"com"},
		{"localhost"},
		{"example.com."},
		{".example.com"},
		{"example..com"},
		{"-example.com"},
		{"example-.com"},
		{"example.-com"},
		{"exa mple.com"},
		{" example.com"},
		{"example.com "},
		{"exam_ple.com"},
		{"user@example.com"},
		{"https://example.com"},
		{"example.com/path"},
		{"*.example.com"},
		{"bücher.example"},
		{"例え.jp"},
		{"1.2.3.4"},
		{"example.123"},
		{"[::1]"},
		{strings.Repeat("a", 64) + ".com"},
		{label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 62)}, // 254
		{"example.com\x00"},
		{"example.com", "other.com", "Example.COM"}, // a duplicate after lower-casing
		{"a.com", "a.com"},
		{"ok.com", "bad..com"}, // one bad entry among good ones
		append(slices.Clone(fifty), "fifty-one.com"),
	}
	for i, in := range invalid {
		org := fmt.Sprintf("org_invalid_%d", i)
		_, err := s.Update(ctx, org, "slug", orgsettings.Patch{AllowedEmailDomains: &in})
		if err == nil {
			t.Fatalf("%q accepted", in)
		}
		assertInvalid(t, err, "allowedEmailDomains")
		assertSettings(t, get(t, s, org, "slug"), org, "slug", []string{}, false)
	}
	// The messages say which entry and why.
	_, err := s.Update(ctx, "org_x", "slug", orgsettings.Patch{AllowedEmailDomains: &[]string{"a.com", "b.com", "A.com"}})
	if want := "invalid allowedEmailDomains: entry 3 duplicates entry 1"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	_, err = s.Update(ctx, "org_x", "slug", orgsettings.Patch{AllowedEmailDomains: &[]string{"a.com", "bücher.de"}})
	if err == nil || !strings.Contains(err.Error(), "entry 2") || !strings.Contains(err.Error(), "punycode") {
		t.Fatalf("err = %v, want entry 2 and punycode", err)
	}
}

func TestOneInvalidFieldWritesNothing(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	stored := update(t, s, "org_1", "acme", orgsettings.Patch{DisplayName: ptr("Acme"), AllowedEmailDomains: &[]string{"acme.com"}})

	_, err := s.Update(ctx, "org_1", "acme", orgsettings.Patch{DisplayName: ptr("New name"), AllowedEmailDomains: &[]string{"new.com", "not a domain"}})
	assertInvalid(t, err, "allowedEmailDomains")
	_, err = s.Update(ctx, "org_1", "acme", orgsettings.Patch{DisplayName: ptr(""), AllowedEmailDomains: &[]string{"new.com"}})
	assertInvalid(t, err, "displayName")

	got := get(t, s, "org_1", "acme")
	assertSettings(t, got, "org_1", "Acme", []string{"acme.com"}, true)
	if !got.UpdatedAt.Equal(*stored.UpdatedAt) {
		t.Fatalf("UpdatedAt moved from %v to %v on refused updates", stored.UpdatedAt, got.UpdatedAt)
	}
}

func TestIsolationBetweenOrganizations(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	update(t, s, "org_a", "alpha", orgsettings.Patch{DisplayName: ptr("Alpha"), AllowedEmailDomains: &[]string{"alpha.com"}})
	assertSettings(t, get(t, s, "org_b", "beta"), "org_b", "beta", []string{}, false)

	update(t, s, "org_b", "beta", orgsettings.Patch{AllowedEmailDomains: &[]string{"beta.com"}})
	assertSettings(t, get(t, s, "org_a", "alpha"), "org_a", "Alpha", []string{"alpha.com"}, true)
	assertSettings(t, get(t, s, "org_b", "beta"), "org_b", "beta", []string{"beta.com"}, true)

	// The row is found by ID alone: another organization reusing a slug
	// sees nothing of it.
	assertSettings(t, get(t, s, "org_c", "alpha"), "org_c", "alpha", []string{}, false)
	assertSettings(t, get(t, s, "ORG_A", "alpha"), "ORG_A", "alpha", []string{}, false)

	if err := s.DeleteOrg(ctx, "org_a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "org_a", "alpha"); !errors.Is(err, orgsettings.ErrOrgDeleted) {
		t.Fatalf("Get of the deleted organization: %v", err)
	}
	assertSettings(t, get(t, s, "org_b", "beta"), "org_b", "beta", []string{"beta.com"}, true)
}

func TestEmptyOrgIDRefused(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Get(ctx, "", "acme"); err == nil {
		t.Fatal("Get without an organization succeeded")
	}
	if _, err := s.Update(ctx, "", "acme", orgsettings.Patch{DisplayName: ptr("x")}); err == nil {
		t.Fatal("Update without an organization succeeded")
	}
	if err := s.DeleteOrg(ctx, ""); err == nil {
		t.Fatal("DeleteOrg without an organization succeeded")
	}
}

func TestConcurrentPartialUpdates(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	const orgs = 20
	for i := 0; i < orgs; i += 2 {
		// Half exist already, half are inserted by the racing updates.
		update(t, s, fmt.Sprintf("org_%d", i), "slug", orgsettings.Patch{DisplayName: ptr("old"), AllowedEmailDomains: &[]string{"old.com"}})
	}
	var wg sync.WaitGroup
	errc := make(chan error, 2*orgs)
	start := make(chan struct{})
	for i := 0; i < orgs; i++ {
		org := fmt.Sprintf("org_%d", i)
		for _, p := range []orgsettings.Patch{
			{DisplayName: ptr("New " + org)},
			{AllowedEmailDomains: &[]string{fmt.Sprintf("d%d.example.com", i)}},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := s.Update(ctx, org, "slug", p); err != nil {
					errc <- err
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("concurrent Update: %v", err)
	}
	for i := 0; i < orgs; i++ {
		org := fmt.Sprintf("org_%d", i)
		got := get(t, s, org, "slug")
		if got.DisplayName != "New "+org || !slices.Equal(got.AllowedEmailDomains, []string{fmt.Sprintf("d%d.example.com", i)}) {
			t.Errorf("%s = %+v: a concurrent update was lost", org, got)
		}
	}
}

func TestAuthorize(t *testing.T) {
	member := &clerkauth.AuthData{TokenType: clerkauth.TokenTypeSession, UserID: "user_1", SessionID: "sess_1", OrgID: "org_1", OrgSlug: "acme", OrgRole: "org:member"}
	admin := &clerkauth.AuthData{TokenType: clerkauth.TokenTypeSession, UserID: "user_2", SessionID: "sess_2", OrgID: "org_1", OrgSlug: "acme", OrgRole: "org:admin"}
	noOrg := &clerkauth.AuthData{TokenType: clerkauth.TokenTypeSession, UserID: "user_3", SessionID: "sess_3"}
	// A role claim without an active organization grants nothing.
	strayRole := &clerkauth.AuthData{TokenType: clerkauth.TokenTypeSession, UserID: "user_4", SessionID: "sess_4", OrgRole: "org:admin"}
	cases := []struct {
		name   string
		data   *clerkauth.AuthData
		access orgsettings.Access
		want   errs.ErrCode // errs.OK: allowed
	}{
		{"member reads", member, orgsettings.Read, errs.OK},
		{"admin reads", admin, orgsettings.Read, errs.OK},
		{"admin writes", admin, orgsettings.Write, errs.OK},
		{"member writes", member, orgsettings.Write, errs.PermissionDenied},
		{"no organization reads", noOrg, orgsettings.Read, errs.PermissionDenied},
		{"no organization writes", noOrg, orgsettings.Write, errs.PermissionDenied},
		{"stray role reads", strayRole, orgsettings.Read, errs.PermissionDenied},
		{"stray role writes", strayRole, orgsettings.Write, errs.PermissionDenied},
		{"no auth data reads", nil, orgsettings.Read, errs.Unauthenticated},
		{"no auth data writes", nil, orgsettings.Write, errs.Unauthenticated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := orgsettings.Authorize(c.data, c.access)
			if c.want == errs.OK {
				if e != nil {
					t.Fatalf("refused: %v %q", e.Code, e.Message)
				}
				return
			}
			if e == nil {
				t.Fatalf("allowed, want %v", c.want)
			}
			if e.Code != c.want || e.Message == "" {
				t.Fatalf("got %v %q, want %v", e.Code, e.Message, c.want)
			}
			if c.want == errs.PermissionDenied && e.Code.HTTPStatus() != 403 {
				t.Fatalf("HTTP %d, want 403", e.Code.HTTPStatus())
			}
		})
	}
}

// The Store's errors keep what storeerr.APIError needs: the refused field
// with a message saying which entry and why, and a cause it can tell "retry
// later" from "broken" by. The classification itself is storeerr's, and
// tested there.
func TestAPIError(t *testing.T) {
	s, db := newStore(t)
	ctx := context.Background()
	apiError := func(err error) *errs.Error { return storeerr.APIError(err, orgsettings.MsgUnavailable) }

	for _, c := range []struct {
		field string
		patch orgsettings.Patch
		msg   string
	}{
		{"displayName", orgsettings.Patch{DisplayName: ptr(" ")}, "invalid displayName: must not be empty"},
		{"displayName", orgsettings.Patch{DisplayName: ptr(strings.Repeat("x", 101))}, "invalid displayName: must be at most 100 characters"},
		{"allowedEmailDomains", orgsettings.Patch{AllowedEmailDomains: &[]string{"a.com", "A.COM"}}, "invalid allowedEmailDomains: entry 2 duplicates entry 1"},
		{"allowedEmailDomains", orgsettings.Patch{AllowedEmailDomains: &[]string{"localhost"}}, "invalid allowedEmailDomains: entry 1 is not a valid domain name: it needs at least two labels, like example.com"},
	} {
		_, err := s.Update(ctx, "org_1", "acme", c.patch)
		e := apiError(err)
		if e.Code != errs.InvalidArgument || e.Code.HTTPStatus() != 400 || e.Code.String() != "invalid_argument" {
			t.Fatalf("%s: %v (HTTP %d), want invalid_argument 400", c.field, e.Code, e.Code.HTTPStatus())
		}
		if e.Message != c.msg {
			t.Fatalf("%s: message %q, want %q", c.field, e.Message, c.msg)
		}
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, canceledErr := s.Get(canceled, "org_1", "acme")
	unreachable, err := sql.Open("pgx", "host=/nonexistent-pgtest-dir user=x dbname=x connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer unreachable.Close()
	_, unreachableErr := orgsettings.NewStore(unreachable).Get(ctx, "org_1", "acme")
	for name, err := range map[string]error{
		"canceled":    canceledErr,
		"unreachable": unreachableErr,
	} {
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		e := apiError(err)
		if e.Code != errs.Unavailable || e.Code.HTTPStatus() != 503 || e.Message != orgsettings.MsgUnavailable {
			t.Fatalf("%s (%v): %v %d %q, want unavailable 503", name, err, e.Code, e.Code.HTTPStatus(), e.Message)
		}
	}

	db.Close()
	_, closedErr := s.Get(ctx, "org_1", "acme")
	if closedErr == nil {
		t.Fatal("closed pool: no error")
	}
	if e := apiError(closedErr); e.Code != errs.Internal || e.Code.HTTPStatus() != 500 || e.Message != storeerr.MsgInternal {
		t.Fatalf("closed pool (%v): %v %d %q, want internal 500", closedErr, e.Code, e.Code.HTTPStatus(), e.Message)
	}
}

func TestSchemaChecks(t *testing.T) {
	_, db := newStore(t)
	for _, q := range []string{
		`INSERT INTO org_settings (org_id) VALUES ('')`,
		`INSERT INTO org_settings (org_id, display_name) VALUES ('org_1', '')`,
		`INSERT INTO org_settings (org_id, display_name) VALUES ('org_1', repeat('x', 101))`,
		`INSERT INTO org_settings (org_id, allowed_email_domains) VALUES ('org_1', array_fill('a.com'::text, ARRAY[51]))`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
}
