// Package preferences stores each signed-in user's preferences: theme,
// locale, time zone and whether to send notification emails. It is plain Go
// on a *sql.DB (the user service passes its Encore database's Stdlib()), so
// plain `go test` runs it against a real PostgreSQL; the service's endpoints
// and subscription only hand it the auth data's user ID, and the endpoints
// map its errors with storeerr.Logged and MsgUnavailable.
//
// The schema is user/migrations. A user without a row gets the defaults; a
// NULL column means "never set" and reads as the default too. A deleted
// user's row is a tombstone that holds nothing and refuses every later read
// and write with ErrUserDeleted.
package preferences

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"encore.app/internal/clerkevents"
)

// The API-key scopes of the preferences endpoints: a user's own API key
// reads them with ScopeRead and changes them with ScopeWrite.
const (
	ScopeRead  = "preferences:read"
	ScopeWrite = "preferences:write"
)

// The defaults of a user who never changed a preference.
const (
	DefaultTheme              = "system"
	DefaultLocale             = "en"
	DefaultTimezone           = "UTC"
	DefaultEmailNotifications = true
)

// Preferences is a user's preferences as the API shows them:
// {"theme","locale","timezone","emailNotifications","updatedAt"}.
type Preferences struct {
	// Theme is "system", "light" or "dark".
	Theme string `json:"theme"`
	// Locale is a canonical BCP 47 language tag, such as "en-US".
	Locale string `json:"locale"`
	// Timezone is an IANA time zone name, such as "Europe/Paris".
	Timezone string `json:"timezone"`
	// EmailNotifications tells whether the user wants notification emails.
	EmailNotifications bool `json:"emailNotifications"`
	// UpdatedAt is when the preferences were last changed; null while the
	// user has never changed them.
	UpdatedAt *time.Time `json:"updatedAt"`
}

// Defaults are the preferences of a user who never changed any.
func Defaults() Preferences {
	return Preferences{
		Theme:              DefaultTheme,
		Locale:             DefaultLocale,
		Timezone:           DefaultTimezone,
		EmailNotifications: DefaultEmailNotifications,
	}
}

// Patch is a partial update: a nil field (absent or null in the JSON body)
// is left as it is.
type Patch struct {
	// Theme: "system", "light" or "dark".
	Theme *string `json:"theme,omitempty"`
	// Locale: a BCP 47 language tag such as "en" or "pt-BR"; stored in
	// canonical form.
	Locale *string `json:"locale,omitempty"`
	// Timezone: an IANA time zone name such as "UTC" or "America/New_York".
	Timezone *string `json:"timezone,omitempty"`
	// EmailNotifications: whether to send notification emails.
	EmailNotifications *bool `json:"emailNotifications,omitempty"`
}

// Store reads and writes preferences, one row per user.
type Store struct {
	db *sql.DB
}

// NewStore is a Store on db, whose schema is user/migrations.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// querier runs the Store's statements: its *sql.DB, or in tests a *sql.Tx
// held open to interleave an update with a deletion.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// errNoUser guards against a caller that lost the user ID: writing a row
// for "" would mix every such caller's data together.
var errNoUser = errors.New("preferences: empty user ID")

// columns are what scan reads, in its order.
const columns = `theme, locale, timezone, email_notifications, updated_at, deleted_at IS NOT NULL`

// Get returns the user's preferences, the defaults when nothing is stored,
// ErrUserDeleted once the user is deleted.
func (s *Store) Get(ctx context.Context, userID string) (Preferences, error) {
	if userID == "" {
		return Preferences{}, errNoUser
	}
	p, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM preferences WHERE user_id = $1`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Defaults(), nil
	}
	if err != nil {
		return Preferences{}, fmt.Errorf("reading preferences of %s: %w", userID, err)
	}
	return p, nil
}

// Update validates every field the patch gives, then changes those fields
// and only those, in one statement: nothing is written when any field is
// invalid (the error is a *storeerr.InvalidFieldError naming it), and
// concurrent updates of different fields never undo each other. A patch
// without any field writes nothing and returns the current preferences.
// Once the user is deleted it writes nothing and returns ErrUserDeleted.
func (s *Store) Update(ctx context.Context, userID string, patch Patch) (Preferences, error) {
	if userID == "" {
		return Preferences{}, errNoUser
	}
	v, err := patch.Validate()
	if err != nil {
		return Preferences{}, err
	}
	if v == (Patch{}) {
		return s.Get(ctx, userID)
	}
	p, err := update(ctx, s.db, userID, v)
	if err != nil {
		return Preferences{}, fmt.Errorf("updating preferences of %s: %w", userID, err)
	}
	return p, nil
}

// update writes a validated patch: an upsert, whose first change creates
// the row, NULL elsewhere (the defaults); later ones keep every column the
// patch leaves NULL. The row lock ON CONFLICT takes makes concurrent patches
// apply one after the other, each to the row the previous one left; a
// tombstone is never updated, and a patch racing the deletion's insert of
// the tombstone waits for it and then finds it. An upsert that returns no
// row therefore met a tombstone.
func update(ctx context.Context, q querier, userID string, v Patch) (Preferences, error) {
	p, err := scan(q.QueryRowContext(ctx, `
		INSERT INTO preferences AS p (user_id, theme, locale, timezone, email_notifications, updated_at)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (user_id) DO UPDATE SET
			theme               = COALESCE(EXCLUDED.theme, p.theme),
			locale              = COALESCE(EXCLUDED.locale, p.locale),
			timezone            = COALESCE(EXCLUDED.timezone, p.timezone),
			email_notifications = COALESCE(EXCLUDED.email_notifications, p.email_notifications),
			updated_at          = now()
		WHERE p.deleted_at IS NULL
		RETURNING `+columns,
		userID, orNull(v.Theme), orNull(v.Locale), orNull(v.Timezone), orNull(v.EmailNotifications)))
	if errors.Is(err, sql.ErrNoRows) {
		return Preferences{}, ErrUserDeleted
	}
	return p, err
}

// DeleteUser removes the user's preferences for good: it leaves a
// tombstone that holds nothing, which Get and Update answer with
// ErrUserDeleted. Deleting twice, or a user who never stored anything, is
// not an error, so a redelivered user.deleted is harmless.
func (s *Store) DeleteUser(ctx context.Context, userID string) error {
	if userID == "" {
		return errNoUser
	}
	if err := tombstone(ctx, s.db, userID); err != nil {
		return fmt.Errorf("deleting preferences of %s: %w", userID, err)
	}
	return nil
}

// tombstone turns the user's row into a tombstone, or inserts one: an
// upsert on the same primary key as update's, so the two are applied one
// after the other whatever their timing.
func tombstone(ctx context.Context, q querier, userID string) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO preferences AS p (user_id, deleted_at) VALUES ($1, now())
		ON CONFLICT (user_id) DO UPDATE SET
			theme = NULL, locale = NULL, timezone = NULL, email_notifications = NULL,
			updated_at = now(), deleted_at = COALESCE(p.deleted_at, now())`, userID)
	return err
}

// HandleUserEvent is the logic of the user service's subscription to the
// auth service's user events: a user.deleted deletes the user's
// preferences for good (DeleteUser); every other event is ignored, so a
// user.created or user.updated delivered late never revives a deleted user
// (Clerk never reuses user IDs). Delivery is at least once, and applying a
// deletion twice is harmless. An error makes the message be redelivered.
func HandleUserEvent(ctx context.Context, s *Store, ev *clerkevents.UserEvent) error {
	if ev == nil || ev.Type != clerkevents.UserDeleted || ev.UserID == "" {
		// Retrying a malformed message would never succeed: acknowledge it.
		return nil
	}
	return s.DeleteUser(ctx, ev.UserID)
}

// scan reads one row of columns, NULL columns as their defaults, a
// tombstone as ErrUserDeleted.
func scan(row *sql.Row) (Preferences, error) {
	var (
		theme, locale, timezone sql.NullString
		email                   sql.NullBool
		updatedAt               time.Time
		deleted                 bool
	)
	if err := row.Scan(&theme, &locale, &timezone, &email, &updatedAt, &deleted); err != nil {
		return Preferences{}, err
	}
	if deleted {
		return Preferences{}, ErrUserDeleted
	}
	p := Defaults()
	if theme.Valid {
		p.Theme = theme.String
	}
	if locale.Valid {
		p.Locale = locale.String
	}
	if timezone.Valid {
		p.Timezone = timezone.String
	}
	if email.Valid {
		p.EmailNotifications = email.Bool
	}
	updatedAt = updatedAt.UTC()
	p.UpdatedAt = &updatedAt
	return p, nil
}

// orNull is *v, or SQL NULL for a nil pointer.
func orNull[T any](v *T) any {
	if v == nil {
		return nil
	}
	return *v
}
