package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// findBinDir returns the directory of initdb and postgres, which Debian keeps
// out of PATH, in one directory per major version.
func findBinDir() (string, error) {
	dir, best := "", -1
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real // a PATH entry may link into the versioned directory
		}
		dir = filepath.Dir(p)
	} else {
		paths, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		for _, p := range paths {
			if v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p)))); err == nil && v > best {
				dir, best = filepath.Dir(p), v
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres")); dir == "" || err != nil {
		return "", errors.New("pgtest: PostgreSQL server binaries (initdb, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; install them with: apt-get install postgresql")
	}
	return dir, nil
}

// procAttrs are how the server's processes start.
type procAttrs struct {
	initdb, postgres, reaper *syscall.SysProcAttr
}

// serverAttrs runs initdb and postgres, which refuse to run as root, as the
// postgres user when we are root, and gives that user dir.
func serverAttrs(dir string) (procAttrs, error) {
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return procAttrs{}, fmt.Errorf("pgtest: PostgreSQL refuses to run as root, and there is no postgres user to run it as (apt-get install postgresql creates one): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return procAttrs{}, fmt.Errorf("pgtest: %w", err)
		}
		// Empty Groups drops root's supplementary groups.
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	return procAttrs{
		initdb: &syscall.SysProcAttr{Credential: cred},
		// Go sets Pdeathsig after switching users, which would clear it.
		postgres: &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL},
		// Its own process group, so that the Ctrl-C that kills the tests spares it.
		reaper: &syscall.SysProcAttr{Setpgid: true},
	}, nil
}
