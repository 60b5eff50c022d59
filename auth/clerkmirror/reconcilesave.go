package clerkmirror

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"

	"encore.app/auth/internal/logtext"
)

// Saved is what a reconciliation's save changed in the mirror.
type Saved struct {
	// Inserted were missing; Updated held an older version (or, for a
	// user, another email).
	Inserted, Updated int
}

// SaveUsers records users Clerk listed as seen by the pass, and writes each
// that the mirror lacks or holds an older version of (Clerk's updated_at),
// with a user_changed entry in the change log so that every instance drops
// what it remembered of them. A version as new as the stored one only
// refreshes synced_at, as a lookup's does: Clerk has just confirmed it, so
// the row serves for UserSyncMaxAge without a lookup. A newer version (a
// webhook's, written meanwhile) and a deletion are kept. It never advances
// event_updated_at: whether a webhook's event is new is for webhooks alone.
func (r *Reconciliation) SaveUsers(ctx context.Context, users []*clerk.User) (Saved, error) {
	ids := make([]string, len(users))
	emails := make([]string, len(users))
	updated := make([]time.Time, len(users))
	for i, u := range users {
		if u == nil {
			u = &clerk.User{}
		}
		ids[i], emails[i], updated[i] = u.ID, PrimaryEmail(u), time.UnixMilli(u.UpdatedAt)
	}
	if err := checkListed("user", ids); err != nil {
		return Saved{}, fmt.Errorf("saving listed users: %w", err)
	}
	// before is read in the statement's snapshot: a row a webhook changes
	// concurrently may be logged as changed once more, which costs the
	// tail one Forget, never a missed change.
	saved, err := r.save(ctx, ids, UserChanged, `
		WITH listed (id, email, clerk_updated_at) AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])),
		before AS (SELECT u.id, u.email, u.clerk_updated_at FROM users u JOIN listed USING (id)),
		saved AS (
			INSERT INTO users AS u (id, email, clerk_updated_at) SELECT id, email, clerk_updated_at FROM listed
			ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, clerk_updated_at = EXCLUDED.clerk_updated_at, synced_at = now()
			WHERE NOT u.deleted AND u.clerk_updated_at <= EXCLUDED.clerk_updated_at
			RETURNING u.id, u.email, u.clerk_updated_at, xmax = 0 AS inserted)
		SELECT saved.id, saved.inserted FROM saved LEFT JOIN before USING (id)
		WHERE saved.inserted OR before.clerk_updated_at < saved.clerk_updated_at OR before.email <> saved.email`,
		ids, emails, updated)
	if err != nil {
		return Saved{}, fmt.Errorf("saving listed users: %w", err)
	}
	return saved, nil
}

// SaveOrgs records organizations Clerk listed as seen by the pass, and
// writes each that the mirror lacks or holds an older version of, as an
// organization.updated webhook would (a deletion of the same instant
// stands), with an org_changed entry in the change log.
func (r *Reconciliation) SaveOrgs(ctx context.Context, orgs []*clerk.Organization) (Saved, error) {
	ids := make([]string, len(orgs))
	slugs := make([]string, len(orgs))
	names := make([]string, len(orgs))
	updated := make([]time.Time, len(orgs))
	for i, o := range orgs {
		if o == nil {
			o = &clerk.Organization{}
		}
		ids[i], slugs[i], names[i], updated[i] = o.ID, o.Slug, o.Name, time.UnixMilli(o.UpdatedAt)
	}
	if err := checkListed("organization", ids); err != nil {
		return Saved{}, fmt.Errorf("saving listed organizations: %w", err)
	}
	saved, err := r.save(ctx, ids, OrgChanged, `
		INSERT INTO organizations AS v (id, slug, name, clerk_updated_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
		ON CONFLICT (id) DO UPDATE SET
			slug = EXCLUDED.slug, name = EXCLUDED.name, deleted = FALSE,
			clerk_updated_at = EXCLUDED.clerk_updated_at, synced_at = now()
		WHERE `+newerVersion+`
		RETURNING id, xmax = 0 AS inserted`,
		ids, slugs, names, updated)
	if err != nil {
		return Saved{}, fmt.Errorf("saving listed organizations: %w", err)
	}
	return saved, nil
}

// checkListed refuses a page the mirror cannot take as it is: a record
// without an id (or null), or one listed twice, which one upsert cannot
// write twice.
func checkListed(what string, ids []string) error {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" {
			return fmt.Errorf("Clerk listed a %s without an id", what)
		}
		if seen[id] {
			return fmt.Errorf("Clerk listed %s %s twice in one page", what, strconv.Quote(logtext.Clean(id)))
		}
		seen[id] = true
	}
	return nil
}

// save records ids as seen and runs upsert, which answers the id of each
// row it changed and whether it inserted it (xmax is 0 only on a row
// version no update has touched), then logs a change of kind for each, in
// one transaction.
func (r *Reconciliation) save(ctx context.Context, ids []string, kind ChangeKind, upsert string, args ...any) (Saved, error) {
	tx, err := r.conn.BeginTx(ctx, nil)
	if err != nil {
		return Saved{}, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO pg_temp.reconcile_seen SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, ids); err != nil {
		return Saved{}, err
	}
	rows, err := tx.QueryContext(ctx, upsert, args...)
	if err != nil {
		return Saved{}, err
	}
	var saved Saved
	var changed []string
	for rows.Next() {
		var id string
		var inserted bool
		if err := rows.Scan(&id, &inserted); err != nil {
			rows.Close()
			return Saved{}, err
		}
		changed = append(changed, id)
		if inserted {
			saved.Inserted++
		} else {
			saved.Updated++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Saved{}, err
	}
	if err := logChanges(ctx, tx, kind, changed); err != nil {
		return Saved{}, err
	}
	return saved, tx.Commit()
}

// logChanges appends an entry of kind to the change log for each id (a
// user's for user kinds, an organization's otherwise) in one statement,
// under the lock taken last as logChange takes it: a page's worth of
// entries holds the webhooks' writers up for one insert, not one each.
func logChanges(ctx context.Context, tx *sql.Tx, kind ChangeKind, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := lockChangeLog(ctx, tx); err != nil {
		return err
	}
	column := "org_id"
	if kind == UserChanged || kind == UserDeleted {
		column = "user_id"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO changes (kind, `+column+`) SELECT $1, unnest($2::text[])`, kind, ids)
	return err
}
