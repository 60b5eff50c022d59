package clerkwebhook_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/clerkevents"
	"encore.app/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// migrations is the auth service's schema.
var migrations = filepath.Join("..", "migrations")

// recorder records what the handler publishes, and fails while fail is set.
type recorder[T any] struct {
	mu     sync.Mutex
	events []T
	fail   error
}

// publisher and orgPublisher record the user and organization events.
type (
	publisher    = recorder[clerkevents.UserEvent]
	orgPublisher = recorder[clerkevents.OrgEvent]
)

func (p *recorder[T]) Publish(_ context.Context, e *T) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return "", p.fail
	}
	p.events = append(p.events, *e)
	return fmt.Sprint(len(p.events)), nil
}

func (p *recorder[T]) setFail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = err
}

func (p *recorder[T]) published() []T {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]T(nil), p.events...)
}

func (p *recorder[T]) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = nil
}

// logger records every line as text, for assertions on what is logged.
type logger struct {
	mu    sync.Mutex
	lines []string
}

func (l *logger) Info(msg string, kv ...any)  { l.add("INFO", msg, kv) }
func (l *logger) Error(msg string, kv ...any) { l.add("ERROR", msg, kv) }

func (l *logger) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s %q", level, msg, kv))
}

func (l *logger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// env is a handler on a fresh database, with its store, publisher and log.
type env struct {
	db     *sql.DB
	store  *clerkmirror.Store
	pub    *publisher
	orgPub *orgPublisher
	log    *logger
	h      *clerkwebhook.Handler
}

func newEnv(t *testing.T) *env {
	return newEnvOn(t, pgtest.Open(t, migrations), clerktest.WebhookSecret)
}

func newEnvOn(t *testing.T, db *sql.DB, secret string) *env {
	e := &env{db: db, store: clerkmirror.NewStore(db), pub: &publisher{}, orgPub: &orgPublisher{}, log: &logger{}}
	e.h = clerkwebhook.NewHandler(clerkwebhook.Config{
		Secret: secret, Store: e.store, Publisher: e.pub, OrgPublisher: e.orgPub, Log: e.log,
	})
	return e
}

// answer is the handler's response.
type answer struct {
	Status  int
	Code    string
	Message string
	Header  http.Header
}

// send delivers body to h signed by wh, and decodes the JSON answer.
func send(t *testing.T, h http.Handler, wh clerktest.Webhook, body []byte) answer {
	t.Helper()
	res, err := wh.Serve(h, body)
	if err != nil {
		t.Fatal(err)
	}
	return decodeAnswer(t, res)
}

// serve sends a prepared request to h.
func serve(t *testing.T, h http.Handler, req *http.Request) answer {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return decodeAnswer(t, rec.Result())
}

func decodeAnswer(t *testing.T, res *http.Response) answer {
	t.Helper()
	defer res.Body.Close()
	var a answer
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		t.Fatalf("answer %d is not JSON: %v", res.StatusCode, err)
	}
	if res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
	}
	a.Status, a.Header = res.StatusCode, res.Header
	return a
}

// expect fails unless a has the status and code.
func (a answer) expect(t *testing.T, status int, code string) {
	t.Helper()
	if a.Status != status || a.Code != code {
		t.Fatalf("answer %d %q (%s), want %d %q", a.Status, a.Code, a.Message, status, code)
	}
}

// count is the number of rows of a table.
func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// tables are the auth service's tables that deliveries write.
var tables = []string{"webhook_deliveries", "users", "revoked_sessions", "changes", "organizations", "memberships"}

// expectNothingApplied fails if any delivery, user, session, organization,
// membership or change was stored, or anything published.
func (e *env) expectNothingApplied(t *testing.T) {
	t.Helper()
	for _, table := range tables {
		if n := e.count(t, table); n != 0 {
			t.Errorf("%s has %d rows, want none", table, n)
		}
	}
	if p, o := e.pub.published(), e.orgPub.published(); len(p)+len(o) != 0 {
		t.Errorf("published %v and %v, want nothing", p, o)
	}
}

// isolate empties the tables when t ends, so that a case of a table test that
// wrongly applies something fails alone, not every case after it.
func (e *env) isolate(t *testing.T) {
	t.Cleanup(func() {
		if _, err := e.db.Exec(`TRUNCATE ` + strings.Join(tables, ", ")); err != nil {
			t.Error(err)
		}
		e.pub.reset()
		e.orgPub.reset()
	})
}

// user reads a user through the Store.
func (e *env) user(t *testing.T, id string) (clerkmirror.StoredUser, bool) {
	t.Helper()
	u, found, err := e.store.User(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u, found
}

var errPublish = errors.New("topic unavailable")
