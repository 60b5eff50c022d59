// Package preferences stores each signed-in user's preferences: theme,
// locale, time zone and whether to send notification emails. It is plain Go
// on a *sql.DB (the user service passes its Encore database's Stdlib()), so
// plain `go test` runs it against a real PostgreSQL; the service's endpoints
// and subscription only hand it the auth data's user ID, and the endpoints
// map its errors with storeerr.Logged and MsgUnavailable.
//
// The schema is user/migrations. A user without a row gets the defaults; a
// NULL column means "never set" and reads as the default too.
package preferences

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"encore.app/auth/clerkwebhook"
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

// errNoUser guards against a caller that lost the user ID: writing a row
// for "" would mix every such caller's data together.
var errNoUser = errors.New("preferences: empty user ID")

// Get returns the user's preferences, the defaults when nothing is stored.
func (s *Store) Get(ctx context.Context, userID string) (Preferences, error) {
	if userID == "" {
		return Preferences{}, errNoUser
	}
	p, err := scan(s.db.QueryRowContext(ctx, `
		SELECT theme, locale, timezone, email_notifications, updated_at
		FROM preferences WHERE user_id = $1`, userID))
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
	// An upsert: the first change creates the row, NULL elsewhere (the
	// defaults); later ones keep every column the patch leaves NULL. The row
	// lock ON CONFLICT takes makes concurrent patches apply one after the
	// other, each to the row the previous one left.
	p, err := scan(s.db.QueryRowContext(ctx, `
		INSERT INTO preferences AS p (user_id, theme, locale, timezone, email_notifications, updated_at)
		VALUES ($1, $2, $3, $4, $5, now())
		ON CONFLICT (user_id) DO UPDATE SET
			theme               = COALESCE(EXCLUDED.theme, p.theme),
			locale              = COALESCE(EXCLUDED.locale, p.locale),
			timezone            = COALESCE(EXCLUDED.timezone, p.timezone),
			email_notifications = COALESCE(EXCLUDED.email_notifications, p.email_notifications),
			updated_at          = now()
		RETURNING theme, locale, timezone, email_notifications, updated_at`,
		userID, orNull(v.Theme), orNull(v.Locale), orNull(v.Timezone), orNull(v.EmailNotifications)))
	if err != nil {
		return Preferences{}, fmt.Errorf("updating preferences of %s: %w", userID, err)
	}
	return p, nil
}

// Delete removes the user's preferences; deleting what is not there is not
// an error, so a redelivered user.deleted is harmless.
func (s *Store) Delete(ctx context.Context, userID string) error {
	if userID == "" {
		return errNoUser
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM preferences WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("deleting preferences of %s: %w", userID, err)
	}
	return nil
}

// HandleUserEvent is the logic of the user service's subscription to the
// auth service's user events: a user.deleted removes the user's
// preferences; every other event is ignored. Delivery is at least once, and
// applying a deletion twice is harmless. An error makes the message be
// redelivered.
func HandleUserEvent(ctx context.Context, s *Store, ev *clerkwebhook.UserEvent) error {
	if ev == nil || ev.Type != clerkwebhook.UserDeleted || ev.UserID == "" {
		// Retrying a malformed message would never succeed: acknowledge it.
		return nil
	}
	return s.Delete(ctx, ev.UserID)
}

// scan reads one row of (theme, locale, timezone, email_notifications,
// updated_at), NULL columns as their defaults.
func scan(row *sql.Row) (Preferences, error) {
	var (
		theme, locale, timezone sql.NullString
		email                   sql.NullBool
		updatedAt               time.Time
	)
	if err := row.Scan(&theme, &locale, &timezone, &email, &updatedAt); err != nil {
		return Preferences{}, err
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
