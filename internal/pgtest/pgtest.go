// Package pgtest gives tests a real PostgreSQL, started from the machine's
// server binaries, so that SQL is checked by the database that runs it in
// production rather than by a mock. Every server listens only on a Unix
// socket in its own temporary directory, so test binaries running at the
// same time cannot collide on ports or files.
package pgtest

import (
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared is started by the first Open rather than by Main so that packages
// that forget Main still work; Pdeathsig and the reaper then clean up.
var shared struct {
	mu  sync.Mutex
	srv *Server
	err error // kept so that later tests fail fast instead of retrying a slow start
}

// Open returns a *sql.DB on a fresh, empty database of a server shared by the
// whole test binary (started on first use), with the *.up.sql files of
// migrationsDir applied in numeric order (1_x.up.sql, 2_y.up.sql, ...
// 10_z.up.sql sorts after 2_). An empty migrationsDir applies nothing. The
// database is dropped when t ends.
func Open(t testing.TB, migrationsDir string) *sql.DB {
	t.Helper()
	shared.mu.Lock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = newServer()
	}
	srv, err := shared.srv, shared.err
	shared.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return srv.Open(t, migrationsDir)
}

// Main runs the package's tests and then stops the shared server cleanly;
// without it the server is only killed, and its directory reaped, once the
// binary has exited. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	if shared.srv != nil {
		if err := shared.srv.destroy(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
		shared.srv = nil
	}
	shared.mu.Unlock()
	os.Exit(code)
}
