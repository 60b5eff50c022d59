package clerkmirror

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ChangeKind says what a webhook event changed.
type ChangeKind string

// The kinds of change the change log records.
const (
	UserChanged       ChangeKind = "user_changed"
	UserDeleted       ChangeKind = "user_deleted"
	SessionRevoked    ChangeKind = "session_revoked"
	OrgChanged        ChangeKind = "org_changed"
	OrgDeleted        ChangeKind = "org_deleted"
	MembershipChanged ChangeKind = "membership_changed"
	MembershipDeleted ChangeKind = "membership_deleted"
)

// Change is the effect of one Clerk event on what we know.
type Change struct {
	Kind ChangeKind
	// UserID names the user of a user, session or membership change.
	UserID string
	// Email describes a UserChanged.
	Email string
	// UpdatedAt orders the versions of a user (UserChanged), an
	// organization or a membership: Clerk's updated_at, or for an
	// OrgDeleted or MembershipDeleted the time of the deletion.
	UpdatedAt time.Time
	// SessionID names the session of a SessionRevoked.
	SessionID string
	// OrgID names the organization of an organization or membership change.
	OrgID string
	// Slug and Name describe an OrgChanged.
	Slug, Name string
	// Role is a MembershipChanged's role, such as "org:admin".
	Role string
	// Created marks the MembershipChanged of an
	// organizationMembership.created: Clerk's first version of it.
	Created bool
}

// Delivery is one webhook delivery: Svix's svix-id, Clerk's event type, and
// the change it carries, nil for an event type that changes nothing here.
type Delivery struct {
	ID        string
	EventType string
	Change    *Change
	// Failure, when not "", is why the delivery can never be applied: Apply
	// then records only the delivery, with it, and no Change. It is stored
	// and logged, so it must be fixed text, never the body's.
	Failure string
}

// Outcome is what Apply made of a delivery.
type Outcome string

// The outcomes of Apply.
const (
	// Applied: the change is stored and in the change log.
	Applied Outcome = "applied"
	// Duplicate: this svix-id was processed before; nothing was done.
	Duplicate Outcome = "duplicate"
	// Outdated: the stored user, organization or membership is newer (or
	// the user deleted), or the change was already applied; only the
	// delivery was recorded.
	Outdated Outcome = "outdated"
	// Ignored: the event changes nothing here; only the delivery was recorded.
	Ignored Outcome = "ignored"
	// Unappliable: the delivery had a Failure, recorded with it.
	Unappliable Outcome = "unappliable"
)

// Refusal reports whether err, from Apply, is the database refusing the
// delivery's data, which every retry would meet again: a data exception
// (SQLSTATE class 22), such as a NUL byte in a text or a time out of range.
// reason is fixed text naming the SQLSTATE, for Delivery.Failure. Any other
// error, transient (connection lost, lock or statement timeout, shutdown) or
// not understood, is not a refusal: retrying a delivery costs little, while
// dropping one loses the change.
func Refusal(err error) (reason string, refused bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "22") {
		return "the database refused a value (SQLSTATE " + pgErr.Code + ")", true
	}
	return "", false
}

// changeLogLock serializes change-log writers (see the changes table).
const changeLogLock = 0x636c65726b // "clerk"

// Apply records a delivery and applies its change in one transaction, with
// its change-log entry. beforeCommit, when not nil, runs in the transaction
// just before it commits and only for an Applied change: publishing there
// means an event is never lost between the database and the topic (a failed
// publish rolls everything back, so the retried delivery publishes again).
func (s *Store) Apply(ctx context.Context, d Delivery, beforeCommit func(context.Context) error) (Outcome, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("applying delivery %s: %w", d.ID, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	outcome, tokensBefore, err := apply(ctx, tx, d)
	if err == nil && outcome == Applied {
		if beforeCommit != nil {
			err = beforeCommit(ctx)
		}
		if err == nil {
			err = logChange(ctx, tx, d.Change, tokensBefore)
		}
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return "", fmt.Errorf("applying delivery %s: %w", d.ID, err)
	}
	return outcome, nil
}

// apply records the delivery and applies its change. tokensBefore, for a
// membership change that refuses earlier tokens, is the time before which
// they were issued; zero otherwise.
func apply(ctx context.Context, tx *sql.Tx, d Delivery) (_ Outcome, tokensBefore time.Time, err error) {
	// Concurrent deliveries of one svix-id wait here for the first to commit
	// or roll back, so exactly one applies it. A delivery recorded as
	// unappliable is processed again when it comes back: Svix stopped
	// retrying it, so it is someone resending it once the cause is fixed.
	res, err := tx.ExecContext(ctx, `
		INSERT INTO webhook_deliveries AS d (svix_id, event_type, failure) VALUES ($1, $2, NULLIF($3, ''))
		ON CONFLICT (svix_id) DO UPDATE SET event_type = EXCLUDED.event_type, failure = EXCLUDED.failure, processed_at = now()
		WHERE d.failure IS NOT NULL`,
		d.ID, d.EventType, d.Failure)
	if err != nil {
		return "", time.Time{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Duplicate, time.Time{}, err
	}
	if d.Failure != "" {
		return Unappliable, time.Time{}, nil
	}
	c := d.Change
	if c == nil {
		return Ignored, time.Time{}, nil
	}
	var changed bool
	switch c.Kind {
	case UserChanged:
		changed, err = applyUserEvent(ctx, tx, c)
	case UserDeleted:
		changed, err = deleteUser(ctx, tx, c.UserID)
	case SessionRevoked:
		changed, err = revokeSession(ctx, tx, c.SessionID, c.UserID)
	case OrgChanged, OrgDeleted:
		changed, err = applyOrg(ctx, tx, c)
	case MembershipChanged, MembershipDeleted:
		changed, tokensBefore, err = applyMembership(ctx, tx, c)
	default:
		err = fmt.Errorf("unknown change kind %q", c.Kind)
	}
	if err != nil || !changed {
		return Outdated, time.Time{}, err
	}
	return Applied, tokensBefore, nil
}

// logChange appends to the change log. The lock is taken last, just before
// commit, so the serialization it buys costs little.
func logChange(ctx context.Context, tx *sql.Tx, c *Change, tokensBefore time.Time) error {
	if err := lockChangeLog(ctx, tx); err != nil {
		return err
	}
	var before sql.NullTime
	if !tokensBefore.IsZero() {
		before = sql.NullTime{Time: tokensBefore, Valid: true}
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO changes (kind, user_id, session_id, org_id, tokens_before) VALUES ($1, $2, $3, $4, $5)`,
		c.Kind, c.UserID, c.SessionID, c.OrgID, before)
	return err
}

// applyUserEvent records a user.created or user.updated newer than any
// applied before, and reports whether it was. The email is written only if
// no newer version is stored (a lookup may have stored one first).
func applyUserEvent(ctx context.Context, tx *sql.Tx, c *Change) (bool, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO users (id, email, clerk_updated_at, event_updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (id) DO UPDATE SET
			email = CASE WHEN users.clerk_updated_at <= EXCLUDED.clerk_updated_at THEN EXCLUDED.email ELSE users.email END,
			clerk_updated_at = GREATEST(users.clerk_updated_at, EXCLUDED.clerk_updated_at),
			event_updated_at = EXCLUDED.event_updated_at,
			synced_at = now()
		WHERE NOT users.deleted AND (users.event_updated_at IS NULL OR users.event_updated_at < EXCLUDED.event_updated_at)`,
		c.UserID, c.Email, c.UpdatedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// deleteUser marks a user deleted, creating the row if the user was never
// seen, and reports whether the user was not deleted before.
func deleteUser(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO users (id, clerk_updated_at, deleted) VALUES ($1, now(), TRUE)
		ON CONFLICT (id) DO UPDATE SET deleted = TRUE, synced_at = now() WHERE NOT users.deleted`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// revokeSession records a revoked session and reports whether it is new.
func revokeSession(ctx context.Context, tx *sql.Tx, sessionID, userID string) (bool, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO revoked_sessions (session_id, user_id) VALUES ($1, $2) ON CONFLICT (session_id) DO NOTHING`,
		sessionID, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
