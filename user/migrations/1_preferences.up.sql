-- Each signed-in user's preferences, keyed by Clerk's user ID (the auth
-- data's UserID, never a request parameter). A row exists only once the
-- user has changed something; a NULL column means "never set": the default
-- (theme "system", locale "en", timezone "UTC", email notifications on)
-- applies, so a later change of default reaches users who never chose.
-- The application validates every value; the CHECKs are a last line.
CREATE TABLE preferences (
    user_id             TEXT PRIMARY KEY CHECK (user_id <> ''),
    theme               TEXT CHECK (theme IN ('system', 'light', 'dark')),
    -- A canonical BCP 47 tag, e.g. "en-US".
    locale              TEXT CHECK (locale <> '' AND length(locale) <= 64),
    -- An IANA time zone name, e.g. "Europe/Paris".
    timezone            TEXT CHECK (timezone <> '' AND length(timezone) <= 64),
    email_notifications BOOLEAN,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
