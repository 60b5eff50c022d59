// Package orgsettings stores each organization's settings: the display
// name and the email domains allowed to join it. It is plain Go on a
// *sql.DB (the org service passes its Encore database's Stdlib()), so plain
// `go test` runs it against a real PostgreSQL; the service's endpoints only
// hand it the active organization of the caller's token, after Authorize,
// and map its errors with storeerr.Logged and MsgUnavailable.
//
// The schema is org/migrations. An organization without a row gets the
// defaults: its slug as display name, no domains. A deleted organization's
// row is a tombstone that holds nothing and refuses every later read and
// write with ErrOrgDeleted.
package orgsettings

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"encore.app/internal/clerkevents"
)

// Settings are an organization's settings as the API shows them:
// {"orgId","displayName","allowedEmailDomains","updatedAt"}.
type Settings struct {
	OrgID string `json:"orgId"`
	// DisplayName defaults to the organization's slug.
	DisplayName string `json:"displayName"`
	// AllowedEmailDomains are lower-cased DNS names (IDNs in punycode);
	// always an array, [] when there are none.
	AllowedEmailDomains []string `json:"allowedEmailDomains"`
	// UpdatedAt is when the settings were last changed; null while nobody
	// has changed them.
	UpdatedAt *time.Time `json:"updatedAt"`
}

// Defaults are the settings of an organization nobody configured: its slug
// as display name (its ID when the token carries no slug), no domains.
func Defaults(orgID, orgSlug string) Settings {
	name := orgSlug
	if name == "" {
		name = orgID
	}
	return Settings{OrgID: orgID, DisplayName: name, AllowedEmailDomains: []string{}}
}

// Patch is a partial update: a nil field (absent or null in the JSON body)
// is left as it is.
type Patch struct {
	// DisplayName: 1 to 100 characters once trimmed, no control characters.
	DisplayName *string `json:"displayName,omitempty"`
	// AllowedEmailDomains replaces the whole list: at most 50 DNS names such
	// as "example.com", no duplicates; [] removes them all.
	AllowedEmailDomains *[]string `json:"allowedEmailDomains,omitempty"`
}

// Store reads and writes settings, one row per organization.
type Store struct {
	db *sql.DB
}

// NewStore is a Store on db, whose schema is org/migrations.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// errNoOrg guards against a caller that lost the organization: a row for ""
// would be shared by every such caller.
var errNoOrg = errors.New("orgsettings: empty organization ID")

// columns are what scan reads, in its order.
const columns = `display_name, array_to_json(allowed_email_domains)::text, updated_at, deleted_at IS NOT NULL`

// Get returns the organization's settings, the defaults when nothing is
// stored, ErrOrgDeleted once the organization is deleted. orgSlug is the
// slug of the caller's token, for the default display name.
func (s *Store) Get(ctx context.Context, orgID, orgSlug string) (Settings, error) {
	if orgID == "" {
		return Settings{}, errNoOrg
	}
	st, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM org_settings WHERE org_id = $1`, orgID), orgID, orgSlug)
	if errors.Is(err, sql.ErrNoRows) {
		return Defaults(orgID, orgSlug), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("reading settings of %s: %w", orgID, err)
	}
	return st, nil
}

// Update validates every field the patch gives, then changes those fields
// and only those, in one statement: nothing is written when any field is
// invalid (the error is a *storeerr.InvalidFieldError naming it), and
// concurrent updates of different fields never undo each other. A patch
// without any field writes nothing and returns the current settings. Once
// the organization is deleted it writes nothing and returns ErrOrgDeleted:
// the upsert never updates a tombstone, and one racing the deletion's
// insert of the tombstone waits for it and then finds it, so an upsert
// that returns no row met a tombstone.
func (s *Store) Update(ctx context.Context, orgID, orgSlug string, patch Patch) (Settings, error) {
	if orgID == "" {
		return Settings{}, errNoOrg
	}
	v, err := patch.Validate()
	if err != nil {
		return Settings{}, err
	}
	if v.DisplayName == nil && v.AllowedEmailDomains == nil {
		return s.Get(ctx, orgID, orgSlug)
	}
	var domains any // NULL: keep the stored list
	if v.AllowedEmailDomains != nil {
		domains = *v.AllowedEmailDomains // never nil: [] is an empty array, not NULL
	}
	st, err := scan(s.db.QueryRowContext(ctx, `
		INSERT INTO org_settings AS s (org_id, display_name, allowed_email_domains, updated_at)
		VALUES ($1, $2, $3::text[], now())
		ON CONFLICT (org_id) DO UPDATE SET
			display_name          = COALESCE(EXCLUDED.display_name, s.display_name),
			allowed_email_domains = COALESCE(EXCLUDED.allowed_email_domains, s.allowed_email_domains),
			updated_at            = now()
		WHERE s.deleted_at IS NULL
		RETURNING `+columns,
		orgID, orNull(v.DisplayName), domains), orgID, orgSlug)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{}, ErrOrgDeleted
	}
	if err != nil {
		return Settings{}, fmt.Errorf("updating settings of %s: %w", orgID, err)
	}
	return st, nil
}

// DeleteOrg removes the organization's settings for good: it leaves a
// tombstone that holds nothing, which Get and Update answer with
// ErrOrgDeleted. Deleting twice, or an organization that never stored
// anything, is not an error, so a redelivered organization.deleted is
// harmless. The tombstone is an upsert on the same primary key as Update's,
// so the two are applied one after the other whatever their timing.
func (s *Store) DeleteOrg(ctx context.Context, orgID string) error {
	if orgID == "" {
		return errNoOrg
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO org_settings AS s (org_id, deleted_at) VALUES ($1, now())
		ON CONFLICT (org_id) DO UPDATE SET
			display_name = NULL, allowed_email_domains = NULL,
			updated_at = now(), deleted_at = COALESCE(s.deleted_at, now())`, orgID)
	if err != nil {
		return fmt.Errorf("deleting settings of %s: %w", orgID, err)
	}
	return nil
}

// HandleOrgEvent is the logic of the org service's subscription to the
// auth service's organization events: an organization.deleted deletes the
// organization's settings for good (DeleteOrg); every other event is
// ignored, so an organization.created or .updated delivered late never
// revives a deleted organization (Clerk never reuses organization IDs).
// Delivery is at least once, and applying a deletion twice is harmless. An
// error makes the message be redelivered.
func HandleOrgEvent(ctx context.Context, s *Store, ev *clerkevents.OrgEvent) error {
	if ev == nil || ev.Type != clerkevents.OrganizationDeleted || ev.OrgID == "" {
		// Retrying a malformed message would never succeed: acknowledge it.
		return nil
	}
	return s.DeleteOrg(ctx, ev.OrgID)
}

// scan reads one row of columns, NULL columns as their defaults, a
// tombstone as ErrOrgDeleted.
func scan(row *sql.Row, orgID, orgSlug string) (Settings, error) {
	var (
		name, domains sql.NullString
		updatedAt     time.Time
		deleted       bool
	)
	if err := row.Scan(&name, &domains, &updatedAt, &deleted); err != nil {
		return Settings{}, err
	}
	if deleted {
		return Settings{}, ErrOrgDeleted
	}
	st := Defaults(orgID, orgSlug)
	if name.Valid {
		st.DisplayName = name.String
	}
	if domains.Valid {
		if err := json.Unmarshal([]byte(domains.String), &st.AllowedEmailDomains); err != nil {
			return Settings{}, fmt.Errorf("decoding allowed_email_domains: %w", err)
		}
		if st.AllowedEmailDomains == nil {
			st.AllowedEmailDomains = []string{}
		}
	}
	updatedAt = updatedAt.UTC()
	st.UpdatedAt = &updatedAt
	return st, nil
}

// orNull is *v, or SQL NULL for a nil pointer.
func orNull[T any](v *T) any {
	if v == nil {
		return nil
	}
	return *v
}
