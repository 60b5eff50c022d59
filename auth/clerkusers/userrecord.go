package clerkusers

import (
	"context"
	"errors"
)

// UserRecord is what the mirror says of a user, for the product's other
// services: GET /auth/users/:userID.
type UserRecord struct {
	ID string `json:"id"`
	// Email is the primary email address, "" when there is none.
	Email string `json:"email"`
	// Deleted is true once Clerk deleted the user; Email is then "".
	Deleted bool `json:"deleted"`
}

// Record describes a user as the cache knows it: from memory or the mirror
// without calling Clerk while either is fresh, from Clerk otherwise (and
// then mirrored). A deleted user is a record with Deleted set; a user Clerk
// never had fails with ErrUserNotFound. Other errors are PrimaryEmail's.
func (c *UserCache) Record(ctx context.Context, userID string) (UserRecord, error) {
	email, err := c.PrimaryEmail(ctx, userID)
	switch {
	case err == nil:
		return UserRecord{ID: userID, Email: email}, nil
	case !errors.Is(err, ErrUserNotFound) || c.store == nil:
		return UserRecord{}, err
	}
	// Deleted and never known look alike in memory; the mirror keeps the
	// deletion. Without an answer from it, not found is the safe reading.
	dbCtx, cancel := context.WithTimeout(ctx, databaseTimeout)
	row, found, dbErr := c.store.User(dbCtx, userID)
	cancel()
	if dbErr == nil && found && row.Deleted {
		return UserRecord{ID: userID, Deleted: true}, nil
	}
	return UserRecord{}, ErrUserNotFound
}
