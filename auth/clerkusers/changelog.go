package clerkusers

import (
	"context"
	"fmt"
)

// LoggedChange is one change-log entry.
type LoggedChange struct {
	ID        int64
	Kind      ChangeKind
	UserID    string
	SessionID string
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
		`SELECT id, kind, user_id, session_id FROM changes WHERE id > $1 ORDER BY id LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the change log: %w", err)
	}
	defer rows.Close()
	var out []LoggedChange
	for rows.Next() {
		var c LoggedChange
		if err := rows.Scan(&c.ID, &c.Kind, &c.UserID, &c.SessionID); err != nil {
			return nil, fmt.Errorf("reading the change log: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the change log: %w", err)
	}
	return out, nil
}

// RecentRevocations is the sessions revoked and the users deleted within
// RevocationRetention: what a starting instance must remember.
func (s *Store) RecentRevocations(ctx context.Context) (sessions, users []string, err error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT 's', session_id FROM revoked_sessions WHERE revoked_at > now() - make_interval(secs => $1)
		UNION ALL
		SELECT 'u', id FROM users WHERE deleted AND synced_at > now() - make_interval(secs => $1)`,
		RevocationRetention.Seconds())
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
// change-log entries older than RevocationRetention, processed deliveries
// older than a week. The users mirror is never pruned.
func (s *Store) Prune(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `
		WITH sessions AS (DELETE FROM revoked_sessions WHERE revoked_at < now() - make_interval(secs => $1)),
		     log AS (DELETE FROM changes WHERE created_at < now() - make_interval(secs => $1))
		DELETE FROM webhook_deliveries WHERE processed_at < now() - make_interval(secs => $2)`,
		RevocationRetention.Seconds(), deliveryRetention)
	if err != nil {
		return fmt.Errorf("pruning: %w", err)
	}
	return nil
}
