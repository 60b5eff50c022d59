package clerkmirror

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LoggedChange is one change-log entry.
type LoggedChange struct {
	ID        int64
	Kind      ChangeKind
	UserID    string
	SessionID string
	OrgID     string
	// TokensBefore, when not zero, refuses the tokens of UserID issued
	// before it whose active organization is OrgID.
	TokensBefore time.Time
}

// ChangeLogEnd is the id of the newest change-log entry, 0 when empty.
func (s *Store) ChangeLogEnd(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM changes`).Scan(&id); err != nil {
		return 0, fmt.Errorf("reading the change log's end: %w", err)
	}
	return id, nil
}

// ChangesAfter is up to limit change-log entries after id, oldest first.
func (s *Store) ChangesAfter(ctx context.Context, id int64, limit int) ([]LoggedChange, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, kind, user_id, session_id, org_id, tokens_before FROM changes WHERE id > $1 ORDER BY id LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the change log: %w", err)
	}
	defer rows.Close()
	var out []LoggedChange
	for rows.Next() {
		var c LoggedChange
		var before sql.NullTime
		if err := rows.Scan(&c.ID, &c.Kind, &c.UserID, &c.SessionID, &c.OrgID, &before); err != nil {
			return nil, fmt.Errorf("reading the change log: %w", err)
		}
		c.TokensBefore = before.Time
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the change log: %w", err)
	}
	return out, nil
}

// RecentRevocations is the sessions revoked and the users deleted within
// retention (RevocationRetention): what a starting instance must remember.
func (s *Store) RecentRevocations(ctx context.Context, retention time.Duration) (sessions, users []string, err error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT 's', session_id FROM revoked_sessions WHERE revoked_at > now() - make_interval(secs => $1)
		UNION ALL
		SELECT 'u', id FROM users WHERE deleted AND synced_at > now() - make_interval(secs => $1)`,
		retention.Seconds())
	if err != nil {
		return nil, nil, fmt.Errorf("reading recent revocations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, id string
		if err := rows.Scan(&kind, &id); err != nil {
			return nil, nil, fmt.Errorf("reading recent revocations: %w", err)
		}
		if kind == "s" {
			sessions = append(sessions, id)
		} else {
			users = append(users, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading recent revocations: %w", err)
	}
	return sessions, users, nil
}

// deliveryRetention is how long processed svix-ids are kept: Svix retries a
// failed delivery for about a day and a half, so a week is ample.
const deliveryRetention = 7 * 24 * 60 * 60

// Prune deletes what no instance needs any more: revoked sessions and
// change-log entries (membership revocations among them) older than
// retention (RevocationRetention), processed deliveries older than a week.
// The users, organizations and memberships mirrors are never pruned.
func (s *Store) Prune(ctx context.Context, retention time.Duration) error {
	_, err := s.db.ExecContext(ctx, `
		WITH sessions AS (DELETE FROM revoked_sessions WHERE revoked_at < now() - make_interval(secs => $1)),
		     log AS (DELETE FROM changes WHERE created_at < now() - make_interval(secs => $1))
		DELETE FROM webhook_deliveries WHERE processed_at < now() - make_interval(secs => $2)`,
		retention.Seconds(), deliveryRetention)
	if err != nil {
		return fmt.Errorf("pruning: %w", err)
	}
	return nil
}

// The bounds of the change-log lock. Writers hold it for a few milliseconds
// (an insert, then the commit), so waiting longer than changeLogLockWait
// means a writer stalled while holding it: the waiter fails, its delivery
// is answered 503, and Svix retries it (first after 5 seconds), by when the
// server has ended the stalled writer's session, changeLogIdleTimeout after
// it went silent, and so released the lock. Without these, one writer whose
// process froze (or whose network went) would hold every webhook, and so
// every revocation, until TCP gave up on it.
const (
	changeLogLockWait    = 2 * time.Second
	changeLogIdleTimeout = 4 * time.Second
)

// boundChangeLogLock sets, for the rest of tx, how long it may wait for a
// lock and stay idle holding one. set_config(..., true) is SET LOCAL, in a
// single statement whatever the protocol.
var boundChangeLogLock = fmt.Sprintf(
	`SELECT set_config('lock_timeout', '%d', true), set_config('idle_in_transaction_session_timeout', '%d', true)`,
	changeLogLockWait.Milliseconds(), changeLogIdleTimeout.Milliseconds())

// lockChangeLog takes the lock that serializes change-log writers (see the
// changes table) for the rest of tx, bounded as above.
func lockChangeLog(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, boundChangeLogLock); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, changeLogLock)
	return err
}
