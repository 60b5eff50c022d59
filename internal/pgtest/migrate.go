package pgtest

import (
	"cmp"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
)

var migrationName = regexp.MustCompile(`^(\d+)_.*\.up\.sql$`)

// migrate applies the *.up.sql files of dir in the order Encore does, by the
// number before the first underscore, which a name sort gets wrong from 10 on.
func migrate(db *sql.DB, dir string) error {
	if dir == "" {
		return nil
	}
	files, err := migrationFiles(dir)
	if err != nil {
		return err
	}
	for _, path := range files {
		text, err := os.ReadFile(path)
		if err == nil {
			err = execInTx(db, string(text))
		}
		if err != nil {
			return fmt.Errorf("pgtest: migration %s: %w", path, err)
		}
	}
	return nil
}

func migrationFiles(dir string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.up.sql")) // errs only on a malformed pattern
	if len(files) == 0 {
		// A wrong path, more likely than a service without tables.
		return nil, fmt.Errorf("pgtest: no *.up.sql migrations in %s", dir)
	}
	num := map[string]int{}
	for _, f := range files {
		m := migrationName.FindStringSubmatch(filepath.Base(f))
		if m == nil {
			return nil, fmt.Errorf("pgtest: migration %s: the name must start with a number and an underscore, like 1_create_users.up.sql", f)
		}
		num[f], _ = strconv.Atoi(m[1])
	}
	slices.SortFunc(files, func(a, b string) int { return cmp.Compare(num[a], num[b]) })
	return files, nil
}

// execInTx applies a file atomically, so a failure leaves no half-applied
// schema to confuse the error. Exec without arguments uses the simple
// protocol, which takes several statements at once.
func execInTx(db *sql.DB, text string) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(text); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
