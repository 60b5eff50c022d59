package clerkmirror

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// StoredOrg is an organization's row in the mirror.
type StoredOrg struct {
	ID, Slug, Name string
	// UpdatedAt is Clerk's updated_at of the version stored, or the time of
	// its deletion.
	UpdatedAt time.Time
	Deleted   bool
	// SyncedAt is when the row was written.
	SyncedAt time.Time
}

// StoredMembership is a membership's row in the mirror.
type StoredMembership struct {
	OrgID, UserID string
	// Role is the role of the newest version; a deleted membership keeps
	// the last one known.
	Role string
	// UpdatedAt is Clerk's updated_at of the version stored, or the time of
	// its deletion (or its organization's).
	UpdatedAt time.Time
	Deleted   bool
	SyncedAt  time.Time
}

// Organization reads an organization's row; found is false when there is none.
func (s *Store) Organization(ctx context.Context, id string) (o StoredOrg, found bool, err error) {
	err = s.db.QueryRowContext(ctx,
		`SELECT id, slug, name, clerk_updated_at, deleted, synced_at FROM organizations WHERE id = $1`, id,
	).Scan(&o.ID, &o.Slug, &o.Name, &o.UpdatedAt, &o.Deleted, &o.SyncedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredOrg{}, false, nil
	}
	if err != nil {
		return StoredOrg{}, false, fmt.Errorf("reading organization %s: %w", id, err)
	}
	return o, true, nil
}

// Membership reads the row of userID's membership of orgID; found is false
// when there is none.
func (s *Store) Membership(ctx context.Context, orgID, userID string) (m StoredMembership, found bool, err error) {
	err = s.db.QueryRowContext(ctx, `
		SELECT org_id, user_id, role, clerk_updated_at, deleted, synced_at
		FROM memberships WHERE org_id = $1 AND user_id = $2`, orgID, userID,
	).Scan(&m.OrgID, &m.UserID, &m.Role, &m.UpdatedAt, &m.Deleted, &m.SyncedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredMembership{}, false, nil
	}
	if err != nil {
		return StoredMembership{}, false, fmt.Errorf("reading membership of %s in %s: %w", userID, orgID, err)
	}
	return m, true, nil
}

// MembershipRevocation refuses the tokens of UserID, issued before Before,
// whose active organization is OrgID.
type MembershipRevocation struct {
	UserID, OrgID string
	Before        time.Time
}

// RecentOrgRevocations is the organizations deleted and the membership
// changes that refuse tokens within retention (RevocationRetention): what a
// starting instance must remember, beside RecentRevocations.
func (s *Store) RecentOrgRevocations(ctx context.Context, retention time.Duration) (orgs []string, memberships []MembershipRevocation, err error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, '', NULL FROM organizations WHERE deleted AND synced_at > now() - make_interval(secs => $1)
		UNION ALL
		SELECT org_id, user_id, max(tokens_before) FROM changes
		WHERE tokens_before IS NOT NULL AND created_at > now() - make_interval(secs => $1)
		GROUP BY org_id, user_id`,
		retention.Seconds())
	if err != nil {
		return nil, nil, fmt.Errorf("reading recent organization revocations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var orgID, userID string
		var before sql.NullTime
		if err := rows.Scan(&orgID, &userID, &before); err != nil {
			return nil, nil, fmt.Errorf("reading recent organization revocations: %w", err)
		}
		if before.Valid {
			memberships = append(memberships, MembershipRevocation{UserID: userID, OrgID: orgID, Before: before.Time})
		} else {
			orgs = append(orgs, orgID)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading recent organization revocations: %w", err)
	}
	return orgs, memberships, nil
}
