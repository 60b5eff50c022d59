// Package clerkmirror is the auth service's database of what Clerk told
// us: the users, organizations and memberships mirrors, revoked sessions,
// the webhook deliveries applied to them, the change log every instance
// tails, and the hold a reconciliation pass (clerkreconcile) writes its
// corrections through. Every change-log writer takes its lock, so that the
// log's ids become visible in order and a tail never misses one.
//
// It holds no memory of its own: clerkusers keeps the caches and
// revocations each instance serves requests from, and fills them from
// this package's reads. The two are apart because their concerns differ:
// this one is SQL, transactions and locks, that one concurrency in memory.
package clerkmirror

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
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

// PrimaryEmail is the address of u whose id is primary_email_address_id,
// "" when there is none: what the mirror stores as a user's email.
func PrimaryEmail(u *clerk.User) string {
	if u.PrimaryEmailAddressID == nil {
		return ""
	}
	for _, e := range u.EmailAddresses {
		if e != nil && e.ID == *u.PrimaryEmailAddressID {
			return e.EmailAddress
		}
	}
	return ""
}
