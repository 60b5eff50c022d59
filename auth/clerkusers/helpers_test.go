package clerkusers_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkusers"
	"encore.app/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// migrations is the auth service's schema.
var migrations = filepath.Join("..", "migrations")

// userID is the user most tests look up.
const userID = "user_2abc"

// startWithUser starts a test Clerk that knows userID.
func startWithUser(t testing.TB) *clerktest.Server {
	t.Helper()
	srv := clerktest.Start(t)
	srv.AddUser(userID, "ada@example.com")
	return srv
}

// testConfig is the configuration that asks srv.
func testConfig(srv *clerktest.Server) clerkusers.Config {
	return clerkusers.Config{SecretKey: srv.SecretKey, APIURL: srv.URL}
}

func newUserCache(t testing.TB, cfg clerkusers.Config) *clerkusers.UserCache {
	t.Helper()
	c, err := clerkusers.NewUserCache(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openDB is a fresh database with the auth schema.
func openDB(t testing.TB) *sql.DB { return pgtest.Open(t, migrations) }

// newStore is a Store on a fresh database with the auth schema.
func newStore(t testing.TB) *clerkmirror.Store { return clerkmirror.NewStore(openDB(t)) }
