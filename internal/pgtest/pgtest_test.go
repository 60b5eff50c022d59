package pgtest

import (
	"bufio"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

func strings1(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrationsRunInNumericOrder(t *testing.T) {
	db := Open(t, "testdata/ordered")
	got := strings1(t, db, "SELECT name FROM steps ORDER BY id")
	if want := []string{"one", "two", "ten"}; !slices.Equal(got, want) {
		t.Fatalf("steps = %v, want %v", got, want)
	}
	// 10_ten.up.sql ran after 2_two.up.sql created notes; the .down.sql did not run.
	if _, err := db.Exec("INSERT INTO notes (body, author) VALUES ('x', 'y')"); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationFiles(t *testing.T) {
	for _, tc := range []struct {
		files   []string
		want    []string
		wantErr string
	}{
		{files: []string{"2_b.up.sql", "10_c.up.sql", "1_a.up.sql", "1_a.down.sql", "README"}, want: []string{"1_a.up.sql", "2_b.up.sql", "10_c.up.sql"}},
		{files: []string{"init.up.sql"}, wantErr: "must start with a number"},
		{files: []string{"1.up.sql"}, wantErr: "must start with a number"},
		{files: []string{"1_a.down.sql"}, wantErr: "no *.up.sql migrations"},
	} {
		dir := t.TempDir()
		for _, f := range tc.files {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := migrationFiles(dir)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err = %v, want it to contain %q", tc.files, err, tc.wantErr)
			}
			continue
		}
		for i := range got {
			got[i] = filepath.Base(got[i])
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %v, %v; want %v", tc.files, got, err, tc.want)
		}
	}
	if _, err := migrationFiles("testdata/no-such-dir"); err == nil {
		t.Error("a missing directory gave no error")
	}
}

func TestFailingMigrationNamesFileAndRollsBack(t *testing.T) {
	db := Open(t, "")
	err := migrate(db, "testdata/failing")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"2_broken.up.sql", "no_such_table"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	got := strings1(t, db, "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
	if want := []string{"kept"}; !slices.Equal(got, want) {
		t.Errorf("tables = %v, want %v: the failing file must be rolled back whole", got, want)
	}
}

func TestOpensAreIsolated(t *testing.T) {
	a, b := Open(t, "testdata/ordered"), Open(t, "testdata/ordered")
	if _, err := a.Exec("INSERT INTO steps (name) VALUES ('only in a')"); err != nil {
		t.Fatal(err)
	}
	if got := strings1(t, b, "SELECT name FROM steps ORDER BY id"); len(got) != 3 {
		t.Errorf("b sees %v", got)
	}
	if na, nb := strings1(t, a, "SELECT current_database()"), strings1(t, b, "SELECT current_database()"); na[0] == nb[0] {
		t.Errorf("both on database %s", na[0])
	}
}

func TestParallelOpens(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			db := Open(t, "testdata/ordered")
			if _, err := db.Exec("INSERT INTO notes (body) VALUES ($1)", fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
			if got := strings1(t, db, "SELECT body FROM notes"); !slices.Equal(got, []string{fmt.Sprint(i)}) {
				t.Errorf("notes = %v", got)
			}
			name := strings1(t, db, "SELECT current_database()")[0]
			mu.Lock()
			defer mu.Unlock()
			if seen[name] {
				t.Errorf("database %s handed out twice", name)
			}
			seen[name] = true
		})
	}
}

func TestServerStopStart(t *testing.T) {
	s := NewServer(t)
	db := s.Open(t, "testdata/ordered")
	if _, err := db.Exec("INSERT INTO notes (body) VALUES ('before the outage')"); err != nil {
		t.Fatal(err)
	}

	s.Stop(t)
	var n int
	err := db.QueryRow("SELECT count(*) FROM notes").Scan(&n)
	if err == nil {
		t.Fatal("query on a stopped server succeeded")
	}
	t.Logf("while stopped: %v", err)

	s.Start(t)
	got := strings1(t, db, "SELECT body FROM notes")
	if want := []string{"before the outage"}; !slices.Equal(got, want) {
		t.Errorf("after restart notes = %v, want %v", got, want)
	}
}

// childArg makes a re-run of this test binary the child of
// TestKilledBinaryLeavesNothing. An argument, not a variable: the runtime
// that `encore test` links into every test binary clears the ENCORE_*
// variables as it starts, and nothing says it will spare others.
const childArg = "pgtest-killed-binary-child"

// TestKilledBinaryLeavesNothing kills a test binary that holds a server and
// checks that the server dies and its directory goes: no cleanup code runs in
// a killed process, so this is Pdeathsig's and the reaper's work.
func TestKilledBinaryLeavesNothing(t *testing.T) {
	if slices.Contains(flag.Args(), childArg) {
		Open(t, "")
		shared.mu.Lock()
		pidFile, err := os.ReadFile(filepath.Join(shared.srv.dir, "data", "postmaster.pid"))
		if err != nil {
			t.Fatal(err)
		}
		shm := strings.Fields(strings.Split(string(pidFile), "\n")[6]) // key and id of the SysV segment
		fmt.Printf("SERVER %d %s %s\n", shared.srv.cmd.Process.Pid, shared.srv.dir, shm[1])
		shared.mu.Unlock()
		time.Sleep(time.Minute) // until killed
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledBinaryLeavesNothing$", childArg)
	cmd.Env = startEnviron(t)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr // why a child that printed no SERVER line died
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	var dir, shmid string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "SERVER %d %s %s", &pid, &dir, &shmid); err == nil {
			break
		}
		t.Log(sc.Text())
	}
	cmd.Process.Kill()
	cmd.Wait()
	if pid == 0 {
		t.Fatal("child printed no SERVER line")
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) || exists(dir) || shmExists(t, shmid) {
		if time.Now().After(deadline) {
			t.Fatalf("10s after the kill: postgres %d alive %v, %s exists %v, shared memory %s exists %v",
				pid, alive(pid), dir, exists(dir), shmid, shmExists(t, shmid))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startEnviron is the environment this binary was started with, which a
// re-run of it needs: under `encore test`, Encore's runtime has removed the
// ENCORE_* variables from os.Environ (it reads its configuration from them
// once), and a test binary started without them exits at once. Linux keeps
// the original in /proc/self/environ.
func startEnviron(t *testing.T) []string {
	b, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

func shmExists(t *testing.T, id string) bool {
	b, err := os.ReadFile("/proc/sysvipc/shm")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 1 && f[1] == id {
			return true
		}
	}
	return false
}

// alive counts a zombie as dead: the killed binary's children go to an init
// that may be slow, or in a container unable, to reap them.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z") && !strings.HasPrefix(after, "X")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}
