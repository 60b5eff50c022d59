package clerkmirror

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// reconcileLock is the session-level advisory lock a reconciliation pass
// holds for its length: one pass at a time across instances.
const reconcileLock = 0x7265636f6e63 // "reconc"

// releaseTimeout bounds releasing the lock: past it the connection is
// discarded anyway, which releases it too.
const releaseTimeout = time.Second

// ErrReconciling is BeginReconciliation's answer while another pass, on
// this instance or another, holds the lock.
var ErrReconciling = errors.New("a reconciliation pass is already running")

// Reconciliation is one reconciliation pass's hold on the database: a
// connection of its own, for the pass's length, holding the lock that keeps
// other passes out and a temporary table of the IDs the pass saw at Clerk.
// Its writes go to the mirrors and the change log as a webhook's do, so
// every instance's tail applies them. It is not safe for concurrent use.
type Reconciliation struct {
	conn *sql.Conn
	// start is the database's clock when the pass began: rows written
	// since then are the webhooks' and the lookups', never marked deleted.
	start time.Time
}

// BeginReconciliation takes the reconciliation lock, or fails at once with
// ErrReconciling. The caller must Close the Reconciliation.
func (s *Store) BeginReconciliation(ctx context.Context) (*Reconciliation, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("beginning a reconciliation: %w", err)
	}
	r := &Reconciliation{conn: conn}
	var locked bool
	err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, reconcileLock).Scan(&locked)
	if err == nil && !locked {
		r.Close()
		return nil, ErrReconciling
	}
	for _, statement := range []string{
		`DROP TABLE IF EXISTS pg_temp.reconcile_seen`,
		`CREATE TEMPORARY TABLE reconcile_seen (id TEXT PRIMARY KEY)`,
	} {
		if err == nil {
			_, err = conn.ExecContext(ctx, statement)
		}
	}
	if err == nil {
		err = conn.QueryRowContext(ctx, `SELECT now()`).Scan(&r.start)
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("beginning a reconciliation: %w", err)
	}
	return r, nil
}

// Close ends the hold: it releases the lock, then discards the connection
// rather than returning it to the pool, so that neither the lock nor the
// temporary table can outlive the pass, even when releasing failed.
func (r *Reconciliation) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	_, _ = r.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, reconcileLock)
	_ = r.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = r.conn.Close()
}

// Due reports whether no complete pass started within interval.
func (r *Reconciliation) Due(ctx context.Context, interval time.Duration) (bool, error) {
	var recent bool
	err := r.conn.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM reconcile_passes WHERE started_at > now() - make_interval(secs => $1))`,
		interval.Seconds()).Scan(&recent)
	if err != nil {
		return false, fmt.Errorf("reading the last reconciliation: %w", err)
	}
	return !recent, nil
}

// Complete records the pass as complete, for Due, and forgets passes older
// than 90 days.
func (r *Reconciliation) Complete(ctx context.Context) error {
	_, err := r.conn.ExecContext(ctx, `
		WITH old AS (DELETE FROM reconcile_passes WHERE started_at < now() - interval '90 days')
		INSERT INTO reconcile_passes (started_at) VALUES ($1)`, r.start)
	if err != nil {
		return fmt.Errorf("recording the reconciliation: %w", err)
	}
	return nil
}

// markable is the condition on a mirror row (aliased v) that a pass may
// mark deleted: not deleted, not seen by the pass, and not written since it
// started ($1), so that neither what Clerk listed nor what a webhook or a
// lookup wrote meanwhile is touched.
const markable = `NOT v.deleted AND v.synced_at < $1 AND
	NOT EXISTS (SELECT 1 FROM pg_temp.reconcile_seen s WHERE s.id = v.id)`

// UnseenUsers are the users the pass may mark deleted (see markable): the
// mirror holds them, Clerk's listing did not show them.
func (r *Reconciliation) UnseenUsers(ctx context.Context) ([]string, error) {
	return r.unseen(ctx, "users")
}

// UnseenOrgs are the organizations the pass may mark deleted, as UnseenUsers.
func (r *Reconciliation) UnseenOrgs(ctx context.Context) ([]string, error) {
	return r.unseen(ctx, "organizations")
}

func (r *Reconciliation) unseen(ctx context.Context, table string) ([]string, error) {
	rows, err := r.conn.QueryContext(ctx, `SELECT id FROM `+table+` v WHERE `+markable+` ORDER BY id`, r.start)
	if err != nil {
		return nil, fmt.Errorf("reading the %s not listed: %w", table, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("reading the %s not listed: %w", table, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the %s not listed: %w", table, err)
	}
	return ids, nil
}

// DeleteUser marks a user deleted as a user.deleted webhook does, with its
// change-log entry, if the pass may (see markable), and reports whether it
// did. The caller asks Clerk first: a listing can miss a user that exists.
// beforeCommit, when not nil, runs just before the commit, as Apply's does.
func (r *Reconciliation) DeleteUser(ctx context.Context, id string, beforeCommit func(context.Context) error) (bool, error) {
	deleted, err := r.mark(ctx, "users", id, func(tx *sql.Tx) (bool, error) { return deleteUser(ctx, tx, id) },
		&Change{Kind: UserDeleted, UserID: id}, beforeCommit)
	if err != nil {
		return false, fmt.Errorf("marking user %s deleted: %w", id, err)
	}
	return deleted, nil
}

// DeleteOrg marks an organization deleted at at as an organization.deleted
// webhook does (its memberships end), as DeleteUser.
func (r *Reconciliation) DeleteOrg(ctx context.Context, id string, at time.Time, beforeCommit func(context.Context) error) (bool, error) {
	c := &Change{Kind: OrgDeleted, OrgID: id, UpdatedAt: at}
	deleted, err := r.mark(ctx, "organizations", id, func(tx *sql.Tx) (bool, error) { return applyOrg(ctx, tx, c) }, c, beforeCommit)
	if err != nil {
		return false, fmt.Errorf("marking organization %s deleted: %w", id, err)
	}
	return deleted, nil
}

// mark applies a deletion to the row of id in table, locked while it is
// still markable, and logs it.
func (r *Reconciliation) mark(ctx context.Context, table, id string, apply func(*sql.Tx) (bool, error), c *Change, beforeCommit func(context.Context) error) (bool, error) {
	tx, err := r.conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM `+table+` v WHERE `+markable+` AND v.id = $2 FOR UPDATE`, r.start, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	changed, err := apply(tx)
	if err != nil || !changed {
		return false, err
	}
	if beforeCommit != nil {
		if err := beforeCommit(ctx); err != nil {
			return false, err
		}
	}
	if err := logChange(ctx, tx, c, time.Time{}); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
