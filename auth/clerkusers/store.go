package clerkusers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Store is the auth service's database: the users, organizations and
// memberships mirrors, revoked sessions, processed webhook deliveries and
// the change log instances tail. It takes a
// *sql.DB (the service passes its Encore database's Stdlib()).
type Store struct {
	db *sql.DB
}

// NewStore is a Store on db, whose schema is auth/migrations.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// StoredUser is a user's row in the mirror.
type StoredUser struct {
	ID    string
	Email string
	// UpdatedAt is Clerk's updated_at of the version stored.
	UpdatedAt time.Time
	Deleted   bool
	// SyncedAt is when the row was written.
	SyncedAt time.Time
}

// User reads a user's row; found is false when there is none.
func (s *Store) User(ctx context.Context, id string) (u StoredUser, found bool, err error) {
	err = s.db.QueryRowContext(ctx,
		`SELECT id, email, clerk_updated_at, deleted, synced_at FROM users WHERE id = $1`, id,
	).Scan(&u.ID, &u.Email, &u.UpdatedAt, &u.Deleted, &u.SyncedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredUser{}, false, nil
	}
	if err != nil {
		return StoredUser{}, false, fmt.Errorf("reading user %s: %w", id, err)
	}
	return u, true, nil
}

// SaveUser writes a version of a user fetched from Clerk, unless the row
// holds a newer version or a deletion. A version as new as the stored one
// refreshes synced_at: Clerk has just confirmed it. It never advances
// event_updated_at: whether a webhook's event is new is for webhooks alone.
func (s *Store) SaveUser(ctx context.Context, id, email string, updatedAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO users (id, email, clerk_updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, clerk_updated_at = EXCLUDED.clerk_updated_at, synced_at = now()
		WHERE NOT users.deleted AND users.clerk_updated_at <= EXCLUDED.clerk_updated_at`,
		id, email, updatedAt)
	if err != nil {
		return fmt.Errorf("saving user %s: %w", id, err)
	}
	return nil
}
