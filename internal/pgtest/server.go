package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Server is a dedicated server for tests that stop and restart PostgreSQL
// (outage tests), which must not disturb the server other tests share.
type Server struct {
	dir    string // the socket, the log and data/; owned by the user postgres runs as
	bin    string
	attrs  procAttrs
	log    *os.File
	admin  *sql.DB  // on database postgres, to create and drop the tests' databases
	lease  *os.File // the reaper removes dir once every copy of this pipe end is closed
	reaper *exec.Cmd

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while stopped
	exited chan struct{} // closed once cmd has exited
}

// dbSeq names databases; a server serves one test binary, so a process-wide
// counter makes the names unique.
var dbSeq atomic.Int64

const timeout = 30 * time.Second

// NewServer starts a dedicated server; it is stopped and removed when t ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.destroy(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func newServer() (_ *Server, err error) {
	s := &Server{}
	if s.bin, err = findBinDir(); err != nil {
		return nil, err
	}
	// /tmp, not $TMPDIR: the socket's path must fit in 107 bytes, and as root
	// the postgres user must be able to reach it.
	if s.dir, err = os.MkdirTemp("/tmp", "pgtest-"); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	defer func() {
		if err != nil {
			s.destroy()
		}
	}()
	if s.attrs, err = serverAttrs(s.dir); err != nil {
		return nil, err
	}
	if err := s.startReaper(); err != nil {
		return nil, fmt.Errorf("pgtest: start reaper: %w", err)
	}
	if s.log, err = os.Create(filepath.Join(s.dir, "log")); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	initdb := s.command("initdb", "-D", "data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = s.attrs.initdb
	if err := initdb.Run(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, s.logTail())
	}
	s.admin, _ = sql.Open("pgx", s.dsn("postgres")) // fails only on a malformed DSN
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Open returns a *sql.DB on a fresh database of this server with the
// migrations of migrationsDir applied, as the package's Open does.
func (s *Server) Open(t testing.TB, migrationsDir string) *sql.DB {
	t.Helper()
	name := fmt.Sprintf("pgtest_%d", dbSeq.Add(1))
	if _, err := s.admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	db, _ := sql.Open("pgx", s.dsn(name))
	t.Cleanup(func() {
		db.Close()
		if !s.running() {
			return // left stopped by the test; the database goes with the server
		}
		// FORCE ends the connections a test leaked, say by an unclosed *sql.Rows.
		if _, err := s.admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	if err := migrate(db, migrationsDir); err != nil {
		t.Fatal(err)
	}
	return db
}

// Stop shuts the server down fast, ending sessions at once, so that
// connections fail with the errors a real outage gives.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
}

// Start starts the server again on the same data directory and socket, so
// the data is kept and existing *sql.DB handles reconnect by themselves.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	cmd := s.command("postgres", "-D", "data", "-c", "listen_addresses=", "-c", "unix_socket_directories="+s.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=32MB", "-c", "max_connections=200")
	cmd.SysProcAttr = s.attrs.postgres
	started, exited := make(chan error), make(chan struct{})
	go func() {
		// Pdeathsig fires when the OS thread that started the child exits, not
		// the process, and a goroutine that ends while locked takes its thread
		// with it. So the starting thread stays locked to this goroutine, which
		// lives as long as postgres.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			cmd.Wait()
		}
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	s.cmd, s.exited = cmd, exited
	// Only a connection shows that startup and recovery are over.
	for deadline := time.Now().Add(timeout); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.admin.PingContext(ctx)
		cancel()
		select {
		case <-exited:
			return fmt.Errorf("pgtest: postgres exited during startup (%v)\n%s", cmd.ProcessState, s.logTail())
		default:
		}
		if err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres not ready after %v: %v\n%s", timeout, err, s.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	// SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for the clients.
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
		return nil
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-exited
		return fmt.Errorf("pgtest: postgres ignored fast shutdown for %v and was killed\n%s", timeout, s.logTail())
	}
}

func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// destroy stops the server and removes its directory; it also undoes a
// newServer that failed halfway.
func (s *Server) destroy() error {
	err := s.stop()
	if s.admin != nil {
		s.admin.Close()
	}
	if s.log != nil {
		s.log.Close()
	}
	if rmErr := os.RemoveAll(s.dir); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("pgtest: %w", rmErr))
	}
	if s.reaper != nil {
		s.lease.Close()
		s.reaper.Wait()
	}
	return err
}

// startReaper starts a process that removes dir once this test binary and all
// of the server's processes are gone, however they went: a killed binary, or
// one without Main, cleans up nothing itself.
func (s *Server) startReaper() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	s.reaper = exec.Command("/bin/sh", "-c", reaperScript, "pgtest-reaper", s.dir)
	s.reaper.Stdin, s.reaper.SysProcAttr = r, s.attrs.reaper
	if err := s.reaper.Start(); err != nil {
		s.reaper = nil
		w.Close()
		return err
	}
	s.lease = w
	return nil
}

// reaperScript's "cat" returns when the lease's last copy is closed. A
// killed postmaster leaves its small SysV segment behind, and each would
// count against the system's limit: its id is on line 7 of postmaster.pid.
const reaperScript = `cat >/dev/null
shmid=$(awk 'NR == 7 { print $2 }' "$1/data/postmaster.pid" 2>/dev/null)
[ -z "$shmid" ] || ipcrm -m "$shmid" 2>/dev/null
rm -rf -- "$1"`

// command runs a server binary holding the lease, so that the reaper waits
// for it and for every process it forks.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = s.dir, s.log, s.log
	cmd.ExtraFiles = []*os.File{s.lease}
	return cmd
}

func (s *Server) dsn(db string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", s.dir, db)
}

// logTail is where PostgreSQL says why it would not start.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "log"))
	b = b[max(0, len(b)-3000):]
	return "end of the server log:\n" + string(b)
}
