package clerkmirror

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// newerVersion is the condition under which an upsert into organizations
// or memberships (aliased v) replaces the stored version: Clerk's newer
// one, or a deletion of the same instant (deletion wins a tie). So a
// replayed delivery, or one overtaken by a newer, changes nothing.
const newerVersion = `(v.clerk_updated_at < EXCLUDED.clerk_updated_at OR
	v.clerk_updated_at = EXCLUDED.clerk_updated_at AND EXCLUDED.deleted AND NOT v.deleted)`

// applyOrg records an organization's version (OrgChanged) or its deletion
// (OrgDeleted) unless a newer one is stored, and reports whether it did. A
// deletion keeps the slug and name last known, and ends the memberships
// known until then.
func applyOrg(ctx context.Context, tx *sql.Tx, c *Change) (bool, error) {
	deleted := c.Kind == OrgDeleted
	res, err := tx.ExecContext(ctx, `
		INSERT INTO organizations AS v (id, slug, name, deleted, clerk_updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET
			slug = CASE WHEN EXCLUDED.deleted THEN v.slug ELSE EXCLUDED.slug END,
			name = CASE WHEN EXCLUDED.deleted THEN v.name ELSE EXCLUDED.name END,
			deleted = EXCLUDED.deleted, clerk_updated_at = EXCLUDED.clerk_updated_at, synced_at = now()
		WHERE `+newerVersion,
		c.OrgID, c.Slug, c.Name, deleted, c.UpdatedAt)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if deleted {
		_, err = tx.ExecContext(ctx, `
			UPDATE memberships SET deleted = TRUE, clerk_updated_at = $2, synced_at = now()
			WHERE org_id = $1 AND NOT deleted AND clerk_updated_at <= $2`, c.OrgID, c.UpdatedAt)
	}
	return err == nil, err
}

// applyMembership records a membership's version (MembershipChanged) or
// its deletion (MembershipDeleted) unless a newer one is stored, and
// reports whether it did. tokensBefore is set when the change refuses the
// member's tokens issued before it that name the organization: a deletion,
// or a role other than the one stored. Other changes refuse nothing: the
// first version of a new membership (a token issued before it cannot name
// the organization) and one keeping the role (metadata). A later version
// of a membership never seen, whose role cannot be compared, refuses them.
func applyMembership(ctx context.Context, tx *sql.Tx, c *Change) (changed bool, tokensBefore time.Time, err error) {
	// Locked, so that the role compared is the one replaced.
	var role string
	var wasDeleted bool
	err = tx.QueryRowContext(ctx,
		`SELECT role, deleted FROM memberships WHERE org_id = $1 AND user_id = $2 FOR UPDATE`, c.OrgID, c.UserID,
	).Scan(&role, &wasDeleted)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, err
	}
	deleted := c.Kind == MembershipDeleted
	res, err := tx.ExecContext(ctx, `
		INSERT INTO memberships AS v (org_id, user_id, role, deleted, clerk_updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (org_id, user_id) DO UPDATE SET
			role = CASE WHEN EXCLUDED.deleted THEN v.role ELSE EXCLUDED.role END,
			deleted = EXCLUDED.deleted, clerk_updated_at = EXCLUDED.clerk_updated_at, synced_at = now()
		WHERE `+newerVersion,
		c.OrgID, c.UserID, c.Role, deleted, c.UpdatedAt)
	if err != nil {
		return false, time.Time{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, time.Time{}, err
	}
	// A row a concurrent delivery inserted after the SELECT is not
	// compared: this version is then taken as one never seen, which refuses
	// at worst tokens issued before Clerk's newer version.
	if deleted || wasDeleted || (found && role != c.Role) || (!found && !c.Created) {
		tokensBefore = c.UpdatedAt
	}
	return true, tokensBefore, nil
}
