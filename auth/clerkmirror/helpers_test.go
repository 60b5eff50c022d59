package clerkmirror_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"encore.app/auth/clerkmirror"
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
