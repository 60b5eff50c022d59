package clerkreconcile_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkreconcile"
	"encore.app/auth/clerktest"
	"encore.app/internal/clerkevents"
	"encore.app/internal/pgtest"
	"encore.app/internal/testutil"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// clerkTime is Clerk's updated_at of the users and organizations the tests
// create: whole milliseconds, as Clerk's JSON carries them.
var clerkTime = time.UnixMilli(1_767_225_600_000) // 2026-01-01

// fixture is a Clerk, a mirror, and what a Reconciler on them did.
type fixture struct {
	srv   *clerktest.Server
	db    *sql.DB
	store *clerkmirror.Store
	clock *clerktest.Clock
	// requests are the calls that reached Clerk.
	requests *requests
	users    *testutil.Publisher[clerkevents.UserEvent]
	orgs     *testutil.Publisher[clerkevents.OrgEvent]
	log      *testutil.LogRecorder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := pgtest.Open(t, filepath.Join("..", "migrations"))
	f := &fixture{
		srv:   clerktest.Start(t),
		db:    db,
		store: clerkmirror.NewStore(db),
		clock: clerktest.NewClock(),
		users: &testutil.Publisher[clerkevents.UserEvent]{},
		orgs:  &testutil.Publisher[clerkevents.OrgEvent]{},
		log:   &testutil.LogRecorder{},
	}
	f.requests = &requests{clock: f.clock, next: http.DefaultTransport}
	return f
}

// config is a Reconciler's configuration against the fixture, on its
// clock, whose Sleep advances it.
func (f *fixture) config() clerkreconcile.Config {
	return clerkreconcile.Config{
		SecretKey:    f.srv.SecretKey,
		APIURL:       f.srv.URL,
		Store:        f.store,
		Publisher:    f.users,
		OrgPublisher: f.orgs,
		Log:          f.log,
		HTTPClient:   &http.Client{Transport: f.requests},
		Now:          f.clock.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.clock.Advance(d)
			return ctx.Err()
		},
	}
}

func (f *fixture) reconciler(t *testing.T, edit func(*clerkreconcile.Config)) *clerkreconcile.Reconciler {
	t.Helper()
	cfg := f.config()
	if edit != nil {
		edit(&cfg)
	}
	r, err := clerkreconcile.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// addUsers creates n users in Clerk, user_0000 onwards, in that order.
func (f *fixture) addUsers(n int) {
	for i := range n {
		f.srv.SetUser(clerktest.User{ID: userID(i), Emails: []string{userID(i) + "@example.com"}, UpdatedAt: clerkTime})
	}
}

func userID(i int) string { return fmt.Sprintf("user_%04d", i) }

// mirror writes a user's row as a lookup would have.
func (f *fixture) mirror(t *testing.T, id, email string, updatedAt time.Time) {
	t.Helper()
	if err := f.store.SaveUser(context.Background(), id, email, updatedAt); err != nil {
		t.Fatal(err)
	}
}

// apply applies a webhook's change to the mirror.
func (f *fixture) apply(t *testing.T, c clerkmirror.Change) {
	t.Helper()
	d := clerkmirror.Delivery{ID: fmt.Sprintf("msg_%s_%s_%s", c.Kind, c.UserID, c.OrgID), EventType: string(c.Kind), Change: &c}
	if outcome, err := f.store.Apply(context.Background(), d, nil); err != nil || outcome != clerkmirror.Applied {
		t.Fatalf("applying %+v: %v, %v", c, outcome, err)
	}
}

// user is a user's row; it fails the test if there is none.
func (f *fixture) user(t *testing.T, id string) clerkmirror.StoredUser {
	t.Helper()
	u, found, err := f.store.User(context.Background(), id)
	if err != nil || !found {
		t.Fatalf("user %s: found %v, %v", id, found, err)
	}
	return u
}

// clerkCalls is how many calls reached each endpoint the passes use, summed.
func (f *fixture) clerkCalls() int {
	n := 0
	for _, e := range []clerktest.Endpoint{clerktest.UserList, clerktest.UserCount, clerktest.Users, clerktest.Organizations, clerktest.OrganizationGet} {
		n += f.srv.Calls(e)
	}
	return n
}

// requests is the transport under a Reconciler's: it records when each
// call reached Clerk, on the fixture's clock, and runs a hook before
// passing on the first call whose URL contains its key.
type requests struct {
	clock *clerktest.Clock
	next  http.RoundTripper

	mu    sync.Mutex
	times []time.Time
	urls  []string
	hooks map[string]func()
}

func (r *requests) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.times = append(r.times, r.clock.Now())
	r.urls = append(r.urls, req.URL.RequestURI())
	var hook func()
	for key, h := range r.hooks {
		if strings.Contains(req.URL.RequestURI(), key) {
			hook = h
			delete(r.hooks, key)
		}
	}
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	return r.next.RoundTrip(req)
}

// on runs f once, before the first call whose URL contains key is passed on.
func (r *requests) on(key string, f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hooks == nil {
		r.hooks = map[string]func(){}
	}
	r.hooks[key] = f
}

func (r *requests) recorded() ([]time.Time, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.times), slices.Clone(r.urls)
}
