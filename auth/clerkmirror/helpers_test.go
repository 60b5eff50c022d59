package clerkmirror_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"encore.app/auth/clerkmirror"
	"encore.app/internal/clerkevents"
	"encore.app/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// migrations is the auth service's schema.
var migrations = filepath.Join("..", "migrations")

// userID is the user most tests write.
const userID = "user_2abc"

// openDB is a fresh database with the auth schema.
func openDB(t testing.TB) *sql.DB { return pgtest.Open(t, migrations) }

// newStore is a Store on a fresh database with the auth schema.
func newStore(t testing.TB) *clerkmirror.Store { return clerkmirror.NewStore(openDB(t)) }

// apply applies c as the delivery id, as a webhook would.
func apply(t *testing.T, store *clerkmirror.Store, id string, c clerkmirror.Change) {
	t.Helper()
	if _, err := store.Apply(context.Background(), clerkmirror.Delivery{ID: id, EventType: "test", Change: &c}, nil); err != nil {
		t.Fatal(err)
	}
}

// dropped is a publisher for the webhook handler that keeps nothing.
type dropped[T any] struct{}

func (dropped[T]) Publish(context.Context, *T) (string, error) { return "id", nil }

// events and orgEvents publish the user and organization events nowhere.
type (
	events    = dropped[clerkevents.UserEvent]
	orgEvents = dropped[clerkevents.OrgEvent]
)

// logRecorder is a clerkwebhook.Logger that keeps what it is given, as
// "LEVEL msg kv".
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Info(msg string, kv ...any)  { l.add("INFO", msg, kv) }
func (l *logRecorder) Warn(msg string, kv ...any)  { l.add("WARN", msg, kv) }
func (l *logRecorder) Error(msg string, kv ...any) { l.add("ERROR", msg, kv) }

func (l *logRecorder) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprint(level, " ", msg, " ", kv))
}

// Lines is what was logged so far.
func (l *logRecorder) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// Count is the number of lines logged so far that contain s.
func (l *logRecorder) Count(s string) int {
	n := 0
	for _, line := range l.Lines() {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}
